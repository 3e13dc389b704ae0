"""Time windows of the coverage analytics (the SQL reading a window: selectors/cells.py).

"The last N days" = visits whose local (Asia/Shanghai) day is on or after `today - (N - 1)`,
including later ones (a phone clock ahead of ours). The standard windows are read from the
pre-aggregated CellSummary columns; any other length from CellDay and CellHousehold.

The summary columns are right only for the day the coverage clock was rolled to (the job
`coverage.roll`, 00:05 Asia/Shanghai). Reads never roll: a window whose clock is behind (the
minutes after midnight, a stopped worker) is summed from CellDay like any other length, which
gives the same numbers, only slower, until the job has run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.core import error_codes as codes
from backend.core.errors import DomainError

from .models import STANDARD_WINDOWS_DAYS

DEFAULT_WINDOW_DAYS = 90
MAX_WINDOW_DAYS = 730


@dataclass(frozen=True)
class Window:
    days: int
    today: dt.date
    since: dt.date  # first local day inside the window
    since_at: dt.datetime  # its start, aware
    rolled: bool = True  # the summary columns are as of `today` (see the module docstring)

    @property
    def standard(self) -> bool:
        """Read from the summary columns (a standard length, and the clock is at `today`)."""
        return self.days in STANDARD_WINDOWS_DAYS and self.rolled


def window_of(
    days: int | str | None, *, today: dt.date | None = None, clock_day: dt.date | None = None
) -> Window:
    """Validate `days` (1..730, default 90) and return the window ending today.

    `clock_day` is the coverage clock's day (selectors.coverage_clock_day) for readers that do
    not know whether the windows were rolled; None means the caller rolled them itself.
    """
    if days is None or days == "":
        days = DEFAULT_WINDOW_DAYS
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise DomainError(
            codes.COVERAGE_INVALID_DAYS, _("days must be a whole number of days.")
        ) from None
    if not 1 <= days <= MAX_WINDOW_DAYS:
        raise DomainError(
            codes.COVERAGE_INVALID_DAYS,
            _("days must be between 1 and %(max)s.") % {"max": MAX_WINDOW_DAYS},
        )
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=days - 1)
    since_at = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    rolled = clock_day is None or clock_day == today
    return Window(days=days, today=today, since=since, since_at=since_at, rolled=rolled)
