"""Plausibility thresholds shared by visits and check-ins: flags are stored, never used to
reject (see `backend.visits.models.PlausibilityFlag`)."""

import datetime as dt

LOW_ACCURACY_M = 100.0
STALE_AFTER = dt.timedelta(days=30)
# Phone clocks drift: a fix up to this far ahead of the server's clock is not "future".
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
