"""Jobs of the intake (conventions: backend/core/jobs.py). Each calls one service."""

from __future__ import annotations

from backend.core.jobs import app, on_worker_start, shanghai_cron
from backend.core.privacy import contacts_purge


@on_worker_start
@app.periodic(cron=shanghai_cron(hour=3, minute=20), periodic_id="daily")
@app.task(name="intake.purge_contacts", queueing_lock="intake.purge_contacts")
def purge_contacts(timestamp: int | None = None) -> int:
    """Clear the phone numbers citizens left, 180 days after their opinion was closed, or
    their livelihood-project proposal settled (the retention the QR pages' privacy notices
    promise); the number of records cleared."""
    return contacts_purge()  # the purges the apps registered (backend.core.privacy)
