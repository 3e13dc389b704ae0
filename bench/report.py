"""Write one benchmark's section into docs/benchmarks.md, leaving the other sections alone.

Each benchmark owns the text between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`.
"""

import datetime as dt
import platform
import re
from pathlib import Path

BENCHMARKS_MD = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\n"
    "Written by `make bench` (bench/). Every figure stands beside the raw-SQL limit measured in\n"
    "the same run on the same machine; compare ratios, not absolute times. Not part of\n"
    "`make test`.\n"
)


def machine_line() -> str:
    import os

    return (
        f"{platform.node() or 'host'}: {os.cpu_count()} cores, Python {platform.python_version()}"
    )


def update_section(name: str, markdown: str) -> Path:
    """Replace (or append) the section `name` with `markdown` and a timestamp line."""
    text = BENCHMARKS_MD.read_text(encoding="utf-8") if BENCHMARKS_MD.exists() else HEADER
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = (
        f"<!-- bench:{name} -->\n{markdown.rstrip()}\n\n"
        f"_Measured {stamp} on {machine_line()}._\n<!-- /bench:{name} -->"
    )
    pattern = re.compile(
        rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S
    )
    text = (
        pattern.sub(lambda _m: body, text)
        if pattern.search(text)
        else f"{text.rstrip()}\n\n{body}\n"
    )
    BENCHMARKS_MD.parent.mkdir(exist_ok=True)
    BENCHMARKS_MD.write_text(text, encoding="utf-8")
    return BENCHMARKS_MD


GOALS_JSON = Path(__file__).resolve().parent / "goals.json"


def record_goal(key: str, *, measured: str, met: bool | None, section: str) -> None:
    """Record one goal of bench/goals.py (its key) as measured by the section `section`: what was
    measured (text, figures with their limits) and whether the goal is met (None: not decidable
    from this run). bench.goals writes the table of every goal from bench/goals.json."""
    import json

    from bench.goals import GOALS

    if key not in {g.key for g in GOALS}:
        raise KeyError(f"unknown goal {key!r}: add it to bench/goals.py")
    data = json.loads(GOALS_JSON.read_text(encoding="utf-8")) if GOALS_JSON.exists() else {}
    data[key] = {
        "measured": measured,
        "met": met,
        "section": section,
        "at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    GOALS_JSON.write_text(
        json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
