"""League-table order and colour thresholds (backend/coverage/bands.py)."""

import pytest

from backend.coverage.bands import coverage_band, league_order


@pytest.mark.parametrize(
    ("pct", "band"),
    [
        (None, "low"),
        (0, "low"),
        (27.8, "low"),
        (59.9, "low"),
        (60.0, "behind"),
        (89.9, "behind"),
        (90.0, "met"),
        (100.0, "met"),
    ],
)
def test_coverage_band_thresholds(pct, band):
    assert coverage_band(pct) == band


def test_league_order_best_first_ties_share_a_rank():
    rows = [
        {"adcode": "001", "coverage_pct": 27.8, "households_visited": 10},
        {"adcode": "002", "coverage_pct": 92.0, "households_visited": 5},
        {"adcode": "003", "coverage_pct": 61.0, "households_visited": 7},
        {"adcode": "004", "coverage_pct": 61.0, "households_visited": 7},
        {"adcode": "005", "coverage_pct": 61.0, "households_visited": 9},
    ]
    ranked = league_order(rows)
    assert [r["adcode"] for r in ranked] == ["002", "005", "003", "004", "001"]
    assert [r["rank"] for r in ranked] == [1, 2, 3, 3, 5]
    assert [r["band"] for r in ranked] == ["met", "behind", "behind", "behind", "low"]
