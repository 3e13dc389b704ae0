"""Deadlines of the closed loop in working days (Puning rules).

The department finishes within 3 working days of forwarding, extended once by 2 (at most 5);
a re-handling gets 3 new working days. Working days are Monday to Friday in local time
(Asia/Shanghai), except the days listed in CalendarDay: public holidays (春节, 国庆 …) are days
off, make-up working weekends (调休) are working days. Staff enter the year's official
arrangement in the admin; without it a deadline in a holiday week comes early, never late.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import CalendarDay

HANDLE_WITHIN_WORKING_DAYS = 3
EXTENSION_WORKING_DAYS = 2
# The longest run of days off in the official calendar is 9 (Spring Festival): 5 working days
# never reach past this many calendar days.
LOOKAHEAD_DAYS = 40


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """`start` moved on by `days` working days at the same local wall time (Friday 17:00 + 3 →
    Wednesday 17:00; from a Saturday, + 1 → Monday), skipping listed holidays and counting
    listed make-up weekends. One query for the calendar exceptions ahead."""
    moment = timezone.localtime(start)
    first = moment.date()
    exceptions = dict(
        CalendarDay.objects.filter(
            day__gt=first, day__lte=first + dt.timedelta(days=LOOKAHEAD_DAYS + days * 7)
        ).values_list("day", "workday")
    )
    left = days
    while left > 0:
        moment += dt.timedelta(days=1)
        if exceptions.get(moment.date(), moment.weekday() < 5):
            left -= 1
    return moment
