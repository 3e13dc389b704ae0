"""The coverage clock as readers see it: the day the standard windows were rolled to.

Reads never roll the clock (the job `coverage.roll` does); a window behind it is summed from
the day rows (backend/coverage/windows.py).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from ..models import CoverageClock

# Per process: (database, day) pairs at which the clock was seen. The clock only moves forward,
# so once it is at today a read needs no query for it until tomorrow.
_clock_seen: set[tuple[str, dt.date]] = set()


def coverage_clock_day(*, today: dt.date) -> dt.date | None:
    """The day the standard windows were rolled to (None: no clock row yet); no write."""
    key = (connection.settings_dict["NAME"], today)
    if key in _clock_seen:
        return today
    as_of = CoverageClock.objects.values_list("as_of", flat=True).first()
    if as_of == today:
        _clock_seen.add(key)
    return as_of


def coverage_clock_forget() -> None:
    """Forget the days seen (a test that moves the clock back)."""
    _clock_seen.clear()
