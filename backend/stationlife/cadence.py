"""Cadence compliance of a cross-province link (周周有接待，月月有交流，季季有互动), as values:
no database here.

Invariants:
- weekly_reception is met in an ISO week (Monday to Sunday) with a reception; monthly_exchange
  in a calendar month with an exchange; quarterly_interaction in a calendar quarter with an
  interaction or a joint survey;
- the periods of [start, end] are those overlapping it; a period with a qualifying activity is
  met; one without is missed only when it lies wholly inside [start, end] and is over before
  `today`; otherwise (the partial first or last period, the running one) it is pending and
  counts for neither;
- `rate` = met / (met + missed), None when nothing is decided; `streak` = the met periods
  running back from the latest decided one (a pending period neither extends nor breaks it);
  `longest` = the longest run of met periods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

WEEK, MONTH, QUARTER = "week", "month", "quarter"
MET, MISSED, PENDING = "met", "missed", "pending"


@dataclass(frozen=True)
class Cadence:
    unit: str
    kinds: frozenset[str]


CADENCES: dict[str, Cadence] = {
    "weekly_reception": Cadence(WEEK, frozenset({"reception"})),
    "monthly_exchange": Cadence(MONTH, frozenset({"exchange"})),
    "quarterly_interaction": Cadence(QUARTER, frozenset({"interaction", "survey"})),
}


def required(cadences: object) -> tuple[str, ...]:
    """The link's known cadences in the canonical order (unknown names left out)."""
    names = set(cadences) if isinstance(cadences, list) else set()
    return tuple(name for name in CADENCES if name in names)


def period_start(unit: str, day: dt.date) -> dt.date:
    if unit == WEEK:
        return day - dt.timedelta(days=day.weekday())
    if unit == MONTH:
        return day.replace(day=1)
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def next_start(unit: str, first: dt.date) -> dt.date:
    if unit == WEEK:
        return first + dt.timedelta(days=7)
    months = 1 if unit == MONTH else 3
    month = first.month - 1 + months
    return dt.date(first.year + month // 12, month % 12 + 1, 1)


def label(unit: str, first: dt.date) -> str:
    if unit == WEEK:
        year, week, _ = first.isocalendar()
        return f"{year}-W{week:02d}"
    if unit == MONTH:
        return first.strftime("%Y-%m")
    return f"{first.year}-Q{(first.month - 1) // 3 + 1}"


def compliance(
    name: str,
    activities: Iterable[tuple[str, dt.date]],
    *,
    start: dt.date,
    end: dt.date,
    today: dt.date,
) -> dict:
    """The compliance of cadence `name` over [start, end] given (kind, date) activities."""
    spec = CADENCES[name]
    counts: dict[dt.date, int] = {}
    for kind, day in activities:
        if kind in spec.kinds and start <= day <= end:
            first = period_start(spec.unit, day)
            counts[first] = counts.get(first, 0) + 1
    periods = []
    first = period_start(spec.unit, start)
    while start <= end and first <= end:
        after = next_start(spec.unit, first)
        last = after - dt.timedelta(days=1)
        n = counts.get(first, 0)
        if n:
            state = MET
        elif first >= start and last <= end and last < today:
            state = MISSED
        else:
            state = PENDING
        periods.append({"period": label(spec.unit, first), "state": state, "activities": n})
        first = after
    decided = [p for p in periods if p["state"] != PENDING]
    met = sum(1 for p in decided if p["state"] == MET)
    streak = 0
    for p in reversed(decided):
        if p["state"] != MET:
            break
        streak += 1
    longest = run = 0
    for p in decided:
        run = run + 1 if p["state"] == MET else 0
        longest = max(longest, run)
    return {
        "cadence": name,
        "unit": spec.unit,
        "met": met,
        "missed": len(decided) - met,
        "rate": round(met / len(decided), 3) if decided else None,
        "streak": streak,
        "longest": longest,
        "misses": [p["period"] for p in decided if p["state"] == MISSED],
        "periods": periods,
    }
