"""Duty rhythms as values: which days a rule names, what the holiday policy makes of them, and
the rule in words. No database here: the calendar (official holidays, working days) comes in as
a `DayCalendar`, so the arithmetic is tested on its own.

Invariants:
- a rule's scheduled days are exactly those its kind names (see `DutyRule`'s docstring);
  half-month's second day is `month_day + 15` clamped to the month's last day (15 → 15th and
  30th, and the 28th or 29th in February), so every month has two distinct days;
- on an official holiday a scheduled day is held, moved to the next working day, or skipped;
  a moved day that lands on another scheduled day is held once (occurrences never repeat a date);
- `rule_check` accepts exactly the shapes the model's check constraints accept, and hours with
  the closing time after the opening time; `deputies_per_day` is empty (every member) or
  1..MAX_DEPUTIES_PER_DAY (`station.invalid_deputies_per_day` otherwise).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext as _

from backend.core import error_codes as codes
from backend.core.errors import DomainError

from .models import HolidayPolicy, RuleKind

# How far ahead a preview or "next duty" looks (a sparse list of dates may say nothing sooner).
HORIZON_DAYS = 3 * 366
# The longest run of official days off is 9 (Spring Festival): a day moved to the next working
# day never moves further, so looking this far back finds every moved day that lands in a window.
MAX_MOVE_DAYS = 15
# A rota of more deputies a day than this is a typo (the largest stations have ~60 members).
MAX_DEPUTIES_PER_DAY = 50

WEEKDAYS = (
    pgettext_lazy("weekday", "Monday"),
    pgettext_lazy("weekday", "Tuesday"),
    pgettext_lazy("weekday", "Wednesday"),
    pgettext_lazy("weekday", "Thursday"),
    pgettext_lazy("weekday", "Friday"),
    pgettext_lazy("weekday", "Saturday"),
    pgettext_lazy("weekday", "Sunday"),
)


@dataclass(frozen=True)
class DutyRuleSpec:
    """A rule as plain data (what the admin, the API and the demo hand to the services)."""

    kind: str
    digit: int | None = None
    nth: int | None = None
    weekday: int | None = None
    weekdays: tuple[int, ...] = ()
    month_day: int | None = None
    dates: tuple[dt.date, ...] = ()
    opens_at: dt.time = dt.time(9, 0)
    closes_at: dt.time = dt.time(17, 0)
    holiday_policy: str = HolidayPolicy.HELD
    deputies_per_day: int | None = None  # None: every member on every held day


# The names of a rule's fields, in the order a form shows them (the admin's and the rhythm API's
# inputs; spec_from_data reads each of them).
RULE_FIELDS = tuple(f.name for f in fields(DutyRuleSpec))


@dataclass(frozen=True)
class DayCalendar:
    """`holiday(day)`: an official public holiday (its name), else None; `working(day)`: a
    working day on the official calendar (make-up weekends included)."""

    holiday: Callable[[dt.date], str | None]
    working: Callable[[dt.date], bool]


# Monday to Friday, no holidays: the calendar until the opinions app registers the official one.
WEEKDAYS_ONLY = DayCalendar(holiday=lambda day: None, working=lambda day: day.weekday() < 5)
_calendar_source: Callable[[dt.date, dt.date], DayCalendar] | None = None


def register_calendar(source: Callable[[dt.date, dt.date], DayCalendar]) -> None:
    """The official calendar over a span, plugged in by the app that owns it (opinions, at
    ready()): liaison reads holidays without importing the app that imports liaison."""
    global _calendar_source
    _calendar_source = source


def calendar_between(start: dt.date, end: dt.date) -> DayCalendar:
    """The registered calendar over [start, end] (with margins), else WEEKDAYS_ONLY."""
    return _calendar_source(start, end) if _calendar_source is not None else WEEKDAYS_ONLY


@dataclass(frozen=True)
class Occurrence:
    """One scheduled day and what became of it: `day` is when it is held (None: skipped)."""

    scheduled: dt.date
    day: dt.date | None
    holiday: str | None = None
    adjustment: str = ""  # "", "moved" or "skipped"


def _is_int(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _shape_ok(spec: DutyRuleSpec) -> bool:
    kind = spec.kind
    if kind == RuleKind.DAY_DIGIT:
        return _is_int(spec.digit, 0, 9)
    if kind == RuleKind.NTH_WEEKDAY:
        return (spec.nth == -1 or _is_int(spec.nth, 1, 5)) and _is_int(spec.weekday, 0, 6)
    if kind == RuleKind.HALF_MONTH:
        return _is_int(spec.month_day, 1, 15)
    if kind == RuleKind.WEEKDAYS:
        return bool(spec.weekdays) and all(_is_int(w, 0, 6) for w in spec.weekdays)
    if kind == RuleKind.DATES:
        return bool(spec.dates) and all(isinstance(d, dt.date) for d in spec.dates)
    return False


def rule_check(spec: DutyRuleSpec) -> None:
    """DomainError `station.invalid_duty_rule` unless the rule is one of the known shapes."""
    ok = (
        _shape_ok(spec)
        and isinstance(spec.opens_at, dt.time)
        and isinstance(spec.closes_at, dt.time)
        and spec.closes_at > spec.opens_at
        and spec.holiday_policy in HolidayPolicy.values
    )
    if not ok:
        raise _invalid()
    count = spec.deputies_per_day
    if count is not None and not _is_int(count, 1, MAX_DEPUTIES_PER_DAY):
        raise _invalid_count()


def _last_day(day: dt.date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def rule_matches(spec: DutyRuleSpec, day: dt.date) -> bool:
    """Whether the rule schedules `day` (before the holiday policy)."""
    kind = spec.kind
    if kind == RuleKind.DAY_DIGIT:
        return day.day % 10 == spec.digit
    if kind == RuleKind.NTH_WEEKDAY:
        if day.weekday() != spec.weekday:
            return False
        if spec.nth == -1:
            return day.day + 7 > _last_day(day)
        return (day.day - 1) // 7 + 1 == spec.nth
    if kind == RuleKind.HALF_MONTH and spec.month_day is not None:
        return day.day in (spec.month_day, min(spec.month_day + 15, _last_day(day)))
    if kind == RuleKind.WEEKDAYS:
        return day.weekday() in spec.weekdays
    if kind == RuleKind.DATES:
        return day in spec.dates
    return False


def _scheduled(spec: DutyRuleSpec, start: dt.date, days: int) -> Iterator[dt.date]:
    if spec.kind == RuleKind.DATES:
        end = start + dt.timedelta(days=days)
        yield from sorted(d for d in set(spec.dates) if start <= d < end)
        return
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        if rule_matches(spec, day):
            yield day


def _next_working(day: dt.date, cal: DayCalendar) -> dt.date:
    day += dt.timedelta(days=1)
    while not cal.working(day):
        day += dt.timedelta(days=1)
    return day


def _apply_policy(spec: DutyRuleSpec, scheduled: dt.date, cal: DayCalendar) -> Occurrence:
    holiday = cal.holiday(scheduled)
    if holiday is None or spec.holiday_policy == HolidayPolicy.HELD:
        return Occurrence(scheduled=scheduled, day=scheduled, holiday=holiday)
    if spec.holiday_policy == HolidayPolicy.SKIPPED:
        return Occurrence(scheduled=scheduled, day=None, holiday=holiday, adjustment="skipped")
    moved = _next_working(scheduled, cal)
    return Occurrence(scheduled=scheduled, day=moved, holiday=holiday, adjustment="moved")


def occurrences(
    spec: DutyRuleSpec,
    *,
    start: dt.date,
    cal: DayCalendar,
    count: int | None = None,
    end: dt.date | None = None,
) -> list[Occurrence]:
    """The rule's occurrences from `start` on, in order of the day they are held (a skipped one
    by its scheduled day): the first `count`, or all up to `end` inclusive (at most
    HORIZON_DAYS ahead). Skipped occurrences are listed (and counted), as a preview shows them."""
    days = HORIZON_DAYS if end is None else (end - start).days + 1 + MAX_MOVE_DAYS
    seen: set[dt.date] = set()
    found: list[Occurrence] = []
    back = dt.timedelta(days=MAX_MOVE_DAYS)
    latest = start
    for scheduled in _scheduled(spec, start - back, days + MAX_MOVE_DAYS):
        if count is not None and len(found) >= count and scheduled > latest:
            break  # every later occurrence is held after all of those found
        occurrence = _apply_policy(spec, scheduled, cal)
        when = occurrence.day or occurrence.scheduled
        if when < start or (end is not None and when > end) or occurrence.day in seen:
            continue
        if occurrence.day is not None:
            seen.add(occurrence.day)
        found.append(occurrence)
        latest = max(latest, when)
    found.sort(key=lambda o: o.day or o.scheduled)
    return found[:count] if count is not None else found


def held_days(
    spec: DutyRuleSpec, *, start: dt.date, end: dt.date, cal: DayCalendar
) -> list[dt.date]:
    """The days in [start, end] the rule is actually held (skipped ones left out)."""
    return [o.day for o in occurrences(spec, start=start, end=end, cal=cal) if o.day is not None]


def rule_text(spec: DutyRuleSpec) -> str:
    """The rule in words (逢六进站: "Days of the month ending in 6 (6, 16, 26)")."""
    kind = spec.kind
    if kind == RuleKind.DAY_DIGIT and spec.digit is not None:
        d = spec.digit
        days = ", ".join(str(x) for x in (d, 10 + d, 20 + d, 30 + d) if 1 <= x <= 31)
        return gettext("Days of the month ending in %(d)s (%(days)s)") % {"d": d, "days": days}
    if kind == RuleKind.NTH_WEEKDAY and spec.weekday is not None:
        weekday = str(WEEKDAYS[spec.weekday])
        if spec.nth == -1:
            return gettext("The last %(weekday)s of each month") % {"weekday": weekday}
        return gettext("The %(n)sth %(weekday)s of each month") % {
            "n": spec.nth,
            "weekday": weekday,
        }
    if kind == RuleKind.HALF_MONTH and spec.month_day is not None:
        return gettext("Every half month: the %(a)sth and %(b)sth") % {
            "a": spec.month_day,
            "b": spec.month_day + 15,
        }
    if kind == RuleKind.WEEKDAYS:
        return gettext("Every %(days)s") % {
            "days": "、".join(str(WEEKDAYS[w]) for w in sorted(spec.weekdays))
        }
    if kind == RuleKind.DATES:
        return gettext("On %(n)s set dates") % {"n": len(spec.dates)}
    return ""


def _invalid() -> DomainError:
    return DomainError(codes.STATION_INVALID_DUTY_RULE, _("Unknown or malformed duty rule."))


def _invalid_count() -> DomainError:
    return DomainError(
        codes.STATION_INVALID_DEPUTIES_PER_DAY,
        _("Deputies on duty per day is a whole number from 1 to 50, or empty for every member."),
    )


def _parse_count(value) -> int | None:
    """`deputies_per_day`: empty is None (every member); else a whole number (range checked in
    rule_check), anything else `station.invalid_deputies_per_day`."""
    try:
        return _parse_int(value)
    except DomainError:
        raise _invalid_count() from None


def _parse_int(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = value.strip() if isinstance(value, str) else ""
    digits = text.removeprefix("-")
    if digits.isascii() and digits.isdigit() and len(text) < 20:
        return int(text)
    raise _invalid()


def _parse_weekday(value) -> int:
    weekday = _parse_int(value)
    if weekday is None:
        raise _invalid()
    return weekday


def _parse_list(value) -> list:
    """A JSON list, or a comma-separated string (query parameters)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and len(value) <= 400:
        return value
    raise _invalid()


def _parse_time(value, default: dt.time) -> dt.time:
    if value is None or value == "":
        return default
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        raise _invalid() from None


def _parse_date(value) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _invalid() from None


def spec_from_data(data) -> DutyRuleSpec:
    """A checked spec from JSON or query parameters (kind, digit, nth, weekday, weekdays,
    month_day, dates as ISO dates, opens_at/closes_at as HH:MM, holiday_policy,
    deputies_per_day); any malformed value is `station.invalid_duty_rule` (deputies_per_day:
    `station.invalid_deputies_per_day`), never an exception of another kind."""
    if not hasattr(data, "get"):
        raise _invalid()
    spec = DutyRuleSpec(
        kind=str(data.get("kind") or ""),
        digit=_parse_int(data.get("digit")),
        nth=_parse_int(data.get("nth")),
        weekday=_parse_int(data.get("weekday")),
        weekdays=tuple(_parse_weekday(w) for w in _parse_list(data.get("weekdays"))),
        month_day=_parse_int(data.get("month_day")),
        dates=tuple(_parse_date(d) for d in _parse_list(data.get("dates"))),
        opens_at=_parse_time(data.get("opens_at"), dt.time(9, 0)),
        closes_at=_parse_time(data.get("closes_at"), dt.time(17, 0)),
        holiday_policy=str(data.get("holiday_policy") or HolidayPolicy.HELD),
        deputies_per_day=_parse_count(data.get("deputies_per_day")),
    )
    rule_check(spec)
    return spec
