"""The goals of issue 11, one row each, with what the latest run of each benchmark recorded for
it (bench.report.record_goal → bench/goals.json). Writes the section "goals" at the top of
docs/benchmarks.md; a goal no module has recorded reads "not measured".

Usage: python -m bench.goals (run last by `make bench`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Goal:
    key: str
    what: str
    goal: str


GOALS = [
    Goal(
        "dashboard_desktop",
        "leader dashboard, login → usable, desktop (Chromium)",
        "≤ 1.0 s, ≤ 40 requests, ≤ 600 kB",
    ),
    Goal(
        "dashboard_phone",
        "the same on a phone profile (1.6 Mbit/s, 150 ms RTT)",
        "map and statistics ≤ 2.0 s",
    ),
    Goal("window_switch", "switching the time window (desktop)", "≤ 300 ms, ≤ 300 kB"),
    Goal(
        "province_view",
        "province leader's default view (200k cells, 20M visits), Chromium",
        "≤ 1.5 s to usable",
    ),
    Goal("province_reads", "province stats / gaps / county roll-ups", "≤ 300 ms each (p50)"),
    Goal("province_tiles", "every tile, every zoom (z6-z14) and window, province", "p95 < 100 ms"),
    Goal("suggestions_50", "assignment suggestions for 50 selected cells", "≤ 300 ms (p95)"),
    Goal("clusters_county", "opinion clusters, county, 90 and 365 days", "≤ 300 ms (p95)"),
    Goal("clusters_province", "opinion clusters, province window", "≤ 1 s (p95)"),
    Goal(
        "sync_p95",
        "phone sync, one 100-record batch, sequential p95 (county and 20M rows)",
        "≤ 40 ms",
    ),
    Goal(
        "sync_ratio",
        "sync throughput / the same INSERT … SELECT without summary maintenance",
        "≥ 60%",
    ),
    Goal("sync_concurrent", "sync p95 under 8 concurrent clients", "≤ 120 ms"),
    Goal("freshness", "commit → summaries on the dashboard (worst batch)", "≤ 5 s"),
    Goal(
        "mixed_load",
        "200 phones syncing + 20 open dashboards",
        "error rate 0, p95 per endpoint reported, nothing lost",
    ),
    Goal(
        "peer_tiles",
        "cell tiles vs tipg on the same database and SQL",
        "faster at p50 and p95, every zoom, compressed and uncompressed",
    ),
    Goal(
        "fixed_cost",
        "fixed cost of one request (small z12 tile: endpoint − raw SQL, p50)",
        "≤ 2 ms",
    ),
]


def markdown(data: dict) -> str:
    lines = [
        "## Goals of issue 11, as last measured",
        "",
        "Each row is recorded by the benchmark named in its last column when it runs "
        "(bench.report.record_goal); absolute times are for this 2-core machine, read them with "
        "the load average in that section.",
        "",
        "| what the user waits for | goal | measured | goal met | section (when) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for g in GOALS:
        row = data.get(g.key)
        if row is None:
            lines.append(f"| {g.what} | {g.goal} | not measured | — | |")
            continue
        met = {True: "yes", False: "NO", None: "?"}[row["met"]]
        lines.append(
            f"| {g.what} | {g.goal} | {row['measured']} | {met} | {row['section']} ({row['at']}) |"
        )
    return "\n".join(lines)


def main() -> None:
    from bench.report import BENCHMARKS_MD, GOALS_JSON, update_section

    data = json.loads(GOALS_JSON.read_text(encoding="utf-8")) if GOALS_JSON.exists() else {}
    update_section("goals", markdown(data))
    # the goals first, after the header
    text = BENCHMARKS_MD.read_text(encoding="utf-8")
    start, end = text.index("<!-- bench:goals -->"), text.index("<!-- /bench:goals -->")
    block = text[start : end + len("<!-- /bench:goals -->")]
    rest = (text[:start] + text[end + len("<!-- /bench:goals -->") :]).strip("\n")
    head, sep, tail = rest.partition("\n<!-- bench:")
    BENCHMARKS_MD.write_text(
        f"{head.rstrip()}\n\n{block}\n\n{sep.strip()}{tail}\n", encoding="utf-8"
    )
    print(markdown(data))


if __name__ == "__main__":
    main()
