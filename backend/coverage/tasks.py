"""Jobs of the coverage app (conventions: backend/core/jobs.py). Each calls one service."""

from __future__ import annotations

from backend.core.jobs import app, on_worker_start, shanghai_cron

from . import services


@on_worker_start
@app.periodic(cron=shanghai_cron(hour=0, minute=5), periodic_id="daily")
@app.task(name="coverage.roll", queueing_lock="coverage.roll")
def coverage_roll(timestamp: int | None = None) -> str:
    """Move the standard windows to today (Asia/Shanghai); a no-op when they are there."""
    return services.coverage_roll_forward().isoformat()


@on_worker_start
@app.periodic(cron="* * * * *", periodic_id="minutely")
@app.task(name="coverage.heat_hexes_complete", queueing_lock="coverage.heat_hexes_complete")
def heat_hexes_complete(timestamp: int | None = None) -> int:
    """Give new heat hexagons their boundary (a heat tile skips them until then)."""
    return services.heat_hexes_complete()


@app.periodic(cron="* * * * * */2", periodic_id="every_2s")
@app.task(name="coverage.drain", queueing_lock="coverage.drain")
def coverage_drain(timestamp: int | None = None) -> int:
    """Apply the visits queued by the insert trigger to the coverage summaries (≤ 5 s behind)."""
    return services.coverage_drain()
