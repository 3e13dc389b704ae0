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
