"""Jobs of station life (conventions: backend/core/jobs.py). Each calls one service."""

from __future__ import annotations

from backend.core.jobs import app, on_worker_start

from .services import deliberations_send_notices


@on_worker_start
@app.periodic(cron="7 * * * *", periodic_id="hourly")
@app.task(name="stationlife.send_notices", queueing_lock="stationlife.send_notices")
def send_notices(timestamp: int | None = None) -> int:
    """Tell the participants of each deliberation day coming within a week, once."""
    return deliberations_send_notices()
