"""Deadlines of the closed loop in working days (Puning rules).

The department finishes within 3 working days of forwarding, extended once by 2 (at most 5);
a re-handling gets 3 new working days. Working days are Monday to Friday in local time
(Asia/Shanghai); public holidays (春节, 国庆 …) and the make-up working weekends (调休) are
ignored: a deadline falling in a holiday week comes early, never late.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

HANDLE_WITHIN_WORKING_DAYS = 3
EXTENSION_WORKING_DAYS = 2


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """`start` moved on by `days` working days at the same local wall time (Friday 17:00 + 3 →
    Wednesday 17:00; from a Saturday, + 1 → Monday)."""
    moment = timezone.localtime(start)
    left = days
    while left > 0:
        moment += dt.timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment
