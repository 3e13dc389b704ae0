"""Tests that read the coverage summaries right after writing visits drain the queue first, as
the job `coverage.drain` does within seconds in production (docs/decisions.md "Summaries off the
request path")."""

from __future__ import annotations


def drain() -> int:
    """Apply every pending visit to the summaries now (the job's service); how many."""
    from backend.coverage.services import coverage_drain

    return coverage_drain()
