"""Deadlines of the closed loop in working days (Puning rules).

The department finishes within 3 working days of forwarding, extended once by 2 (at most 5);
a re-handling gets 3 new working days. Working days are counted in local time (Asia/Shanghai)
on the official calendar:

1. a CalendarDay row entered in the admin decides its day (an override);
2. otherwise the official arrangement of the State Council's General Office (public holidays
   off, make-up working weekends 调休 on) as the pinned `chinese-calendar` package ships it, for
   every year it covers (`official_years()`);
3. otherwise, in a year neither covers, Monday to Friday — and the opinion says so
   (`calendar_covers(due_at)` false: "the official calendar does not cover this year"), as does
   the admin, until someone enters that year's arrangement.

`settings.OPINIONS_OFFICIAL_CALENDAR = False` turns step 2 off (a deployment with its own
arrangement entered by hand; the tests of the bare arithmetic).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
from django.conf import settings
from django.utils import timezone

from backend.liaison.rhythm import MAX_MOVE_DAYS, DayCalendar

from .models import CalendarDay

HANDLE_WITHIN_WORKING_DAYS = 3
EXTENSION_WORKING_DAYS = 2
# The longest run of days off in the official calendar is 9 (Spring Festival): 5 working days
# never reach past this many calendar days.
LOOKAHEAD_DAYS = 40


def _official_enabled() -> bool:
    return bool(getattr(settings, "OPINIONS_OFFICIAL_CALENDAR", True))


@lru_cache(maxsize=1)
def official_years() -> tuple[int, int]:
    """(first, last) year the package's official arrangement covers."""
    days = [*chinese_calendar.holidays, *chinese_calendar.workdays]
    return min(days).year, max(days).year


def official_workday(day: dt.date) -> bool | None:
    """The official calendar's answer for `day`, None when it does not cover the year."""
    if not _official_enabled():
        return None
    first, last = official_years()
    if not first <= day.year <= last:
        return None
    return bool(chinese_calendar.is_workday(day))


def official_holiday(day: dt.date) -> str | None:
    """The name of the official public holiday on `day` (its weekend days included), None on
    other days and in years the package does not cover."""
    if official_workday(day) is not False:
        return None
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return str(name) if on_holiday and name else None


def calendar_overrides(start: dt.date, end: dt.date) -> dict[dt.date, CalendarDay]:
    """The admin's CalendarDay entries in [start, end] (one query)."""
    return {c.day: c for c in CalendarDay.objects.filter(day__gte=start, day__lte=end)}


def duty_calendar(start: dt.date, end: dt.date) -> DayCalendar:
    """The official calendar for duty rhythms over [start, end] (with margins): the admin's
    CalendarDay entries first (a day off is a holiday under its name), then the
    `chinese-calendar` arrangement. One query; registered with liaison at start-up."""
    entries = calendar_overrides(
        start - dt.timedelta(days=MAX_MOVE_DAYS), end + dt.timedelta(days=2 * MAX_MOVE_DAYS)
    )
    workdays = {day: entry.workday for day, entry in entries.items()}

    def holiday(day: dt.date) -> str | None:
        entry = entries.get(day)
        if entry is not None:
            return None if entry.workday else (entry.name or "holiday")
        return official_holiday(day)

    return DayCalendar(holiday=holiday, working=lambda day: is_working_day(day, workdays))


def calendar_covers(moment: dt.datetime | dt.date | None) -> bool:
    """Whether the year of `moment` has an official arrangement: the package covers it, or staff
    entered at least one CalendarDay in it. False means deadlines in it count Monday-Friday."""
    if moment is None:
        return True
    day = timezone.localtime(moment).date() if isinstance(moment, dt.datetime) else moment
    if official_workday(day) is not None:
        return True
    return CalendarDay.objects.filter(day__year=day.year).exists()


def is_working_day(day: dt.date, overrides: dict[dt.date, bool] | None = None) -> bool:
    if overrides is None:
        overrides = dict(CalendarDay.objects.filter(day=day).values_list("day", "workday"))
    if day in overrides:
        return overrides[day]
    official = official_workday(day)
    return official if official is not None else day.weekday() < 5


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """`start` moved on by `days` working days at the same local wall time (Friday 17:00 + 3 →
    Wednesday 17:00; from a Saturday, + 1 → Monday), skipping holidays and counting make-up
    weekends (admin entries first, then the official calendar). One query for the overrides."""
    moment = timezone.localtime(start)
    first = moment.date()
    overrides = dict(
        CalendarDay.objects.filter(
            day__gt=first, day__lte=first + dt.timedelta(days=LOOKAHEAD_DAYS + days * 7)
        ).values_list("day", "workday")
    )
    left = days
    while left > 0:
        moment += dt.timedelta(days=1)
        if is_working_day(moment.date(), overrides):
            left -= 1
    return moment
