"""Colour bands of a coverage share, so that below target is never green.

A league table colours a township's bar by its band: ``met`` (at or above
the target, green), ``behind`` (within reach, amber), ``low`` (red). The same
thresholds drive the dashboard's legend (config ``coverageBands``).
"""

from __future__ import annotations

COVERAGE_TARGET_PCT = 90.0  # full gridded coverage, as the campaigns judge it
COVERAGE_BEHIND_PCT = 60.0

BANDS = ("met", "behind", "low")


def coverage_band(pct: float | None) -> str:
    """The band of a coverage percentage (0-100)."""
    value = float(pct or 0.0)
    if value >= COVERAGE_TARGET_PCT:
        return "met"
    if value >= COVERAGE_BEHIND_PCT:
        return "behind"
    return "low"


def league_order(rows: list[dict]) -> list[dict]:
    """Rows ranked best first: coverage, then households visited, then adcode; ``rank`` and
    ``band`` added (equal coverage and households share a rank)."""
    ordered = sorted(
        rows, key=lambda r: (-float(r["coverage_pct"]), -int(r["households_visited"]), r["adcode"])
    )
    out: list[dict] = []
    previous: tuple[float, int] | None = None
    rank = 0
    for position, row in enumerate(ordered, start=1):
        key = (float(row["coverage_pct"]), int(row["households_visited"]))
        if key != previous:
            rank, previous = position, key
        out.append(dict(row, rank=rank, band=coverage_band(row["coverage_pct"])))
    return out
