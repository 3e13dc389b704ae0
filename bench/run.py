"""`make bench`: run every benchmark module listed here; each writes its section of
docs/benchmarks.md through bench.report.update_section.

Usage: python -m bench.run [NAME ...]   (default: all)
"""

import importlib
import sys

BENCHMARKS = [
    "bench.sync_throughput",  # phone API batch sync vs INSERT ... SELECT
    "bench.coverage_tiles",  # coverage query and tiles, county and province scale
    "bench.peer_tiles",  # the cell tiles beside tipg on the same database and SQL
    "bench.phone_app",  # the phone app /m/ in throttled Chromium: load, worker start, upload
    "bench.dashboard",  # the leader dashboard in Chromium: time, requests, bytes; compression
    "bench.freshness",  # sync queued vs summaries in the transaction; commit → summaries
    "bench.h3_ingest",  # H3 of a cell in the database trigger vs at the ingest edge
    "bench.mixed_load",  # 200 phones syncing + 20 dashboards: errors, p95 per endpoint, losses
    "bench.goals",  # last: the table of every goal of issue 11 from bench/goals.json
]


def main(argv: list[str]) -> int:
    chosen = [m for m in BENCHMARKS if not argv or m.rsplit(".", 1)[1] in argv]
    for module_name in chosen:
        print(f"== {module_name}", flush=True)
        importlib.import_module(module_name).main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
