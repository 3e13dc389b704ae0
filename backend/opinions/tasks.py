"""Jobs of the opinions (conventions: backend/core/jobs.py). Each calls one service."""

from __future__ import annotations

from backend.core.jobs import app, on_worker_start

from .escalation import opinions_escalate_overdue


@on_worker_start
@app.periodic(cron="*/5 * * * *", periodic_id="every-5-minutes")
@app.task(name="opinions.escalate_overdue", queueing_lock="opinions.escalate_overdue")
def escalate_overdue(timestamp: int | None = None) -> int:
    """Raise an overdue alert, once per deadline, for every open opinion past its due_at."""
    return opinions_escalate_overdue()
