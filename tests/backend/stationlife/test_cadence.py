"""Cadence compliance on hand-built activity sets with known answers (no database)."""

import datetime as dt

from backend.stationlife.cadence import compliance, label, period_start, required

D = dt.date


def weekly(activities, start=None, end=None, today=None):
    return compliance(
        "weekly_reception",
        activities,
        start=start or D(2026, 1, 5),
        end=end or D(2026, 2, 1),
        today=today or D(2026, 3, 1),
    )


def test_weeks_with_a_reception_streak_and_misses():
    # four ISO weeks (5 Jan – 1 Feb 2026): receptions in W02, W03 and W05; an exchange in W04
    acts = [
        ("reception", D(2026, 1, 5)),
        ("reception", D(2026, 1, 11)),  # same week (Sunday): still one week met
        ("reception", D(2026, 1, 14)),
        ("exchange", D(2026, 1, 21)),  # not a reception
        ("reception", D(2026, 1, 26)),
    ]
    got = weekly(acts)
    assert [(p["period"], p["state"], p["activities"]) for p in got["periods"]] == [
        ("2026-W02", "met", 2),
        ("2026-W03", "met", 1),
        ("2026-W04", "missed", 0),
        ("2026-W05", "met", 1),
    ]
    assert (got["met"], got["missed"], got["rate"], got["streak"], got["longest"]) == (
        3,
        1,
        0.75,
        1,
        2,
    )
    assert got["misses"] == ["2026-W04"]


def test_partial_and_running_periods_are_pending_not_missed():
    # from a Wednesday to today's (running) week, nothing in either end week
    got = weekly(
        [("reception", D(2026, 1, 14))],
        start=D(2026, 1, 7),
        end=D(2026, 1, 28),
        today=D(2026, 1, 28),
    )
    assert [(p["period"], p["state"]) for p in got["periods"]] == [
        ("2026-W02", "pending"),  # begins before the window
        ("2026-W03", "met"),
        ("2026-W04", "missed"),
        ("2026-W05", "pending"),  # running: not over before today
    ]
    assert (got["met"], got["missed"], got["streak"]) == (1, 1, 0)
    assert weekly([], start=D(2026, 1, 7), end=D(2026, 1, 9))["rate"] is None


def test_months_with_an_exchange_and_quarters_with_an_interaction_or_survey():
    acts = [
        ("exchange", D(2025, 11, 30)),
        ("exchange", D(2026, 1, 31)),
        ("exchange", D(2026, 2, 1)),
        ("survey", D(2026, 2, 10)),
        ("interaction", D(2025, 10, 1)),
        ("reception", D(2026, 3, 3)),
    ]
    months = compliance(
        "monthly_exchange", acts, start=D(2025, 10, 1), end=D(2026, 3, 31), today=D(2026, 4, 2)
    )
    assert [(p["period"], p["state"]) for p in months["periods"]] == [
        ("2025-10", "missed"),
        ("2025-11", "met"),
        ("2025-12", "missed"),
        ("2026-01", "met"),
        ("2026-02", "met"),
        ("2026-03", "missed"),
    ]
    assert (months["met"], months["missed"], months["streak"], months["longest"]) == (3, 3, 0, 2)
    quarters = compliance(
        "quarterly_interaction", acts, start=D(2025, 10, 1), end=D(2026, 6, 30), today=D(2026, 4, 2)
    )
    assert [(p["period"], p["state"]) for p in quarters["periods"]] == [
        ("2025-Q4", "met"),
        ("2026-Q1", "met"),
        ("2026-Q2", "pending"),
    ]
    assert (quarters["met"], quarters["missed"], quarters["rate"], quarters["streak"]) == (
        2,
        0,
        1.0,
        2,
    )


def test_period_arithmetic_and_required_cadences():
    assert label("week", period_start("week", D(2027, 1, 1))) == "2026-W53"
    assert period_start("quarter", D(2026, 12, 31)) == D(2026, 10, 1)
    assert label("quarter", D(2026, 10, 1)) == "2026-Q4"
    assert required(["quarterly_interaction", "weekly_reception", "bogus"]) == (
        "weekly_reception",
        "quarterly_interaction",
    )
    assert required("weekly_reception") == ()
    # across a year end: December's quarter runs into the next year's first
    got = compliance(
        "quarterly_interaction",
        [("interaction", D(2027, 1, 2))],
        start=D(2026, 10, 1),
        end=D(2027, 3, 31),
        today=D(2027, 4, 1),
    )
    assert [(p["period"], p["state"]) for p in got["periods"]] == [
        ("2026-Q4", "missed"),
        ("2027-Q1", "met"),
    ]
