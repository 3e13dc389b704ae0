"""Jobs of the exports (conventions: backend/core/jobs.py). Each calls one service."""

from __future__ import annotations

from backend.core.jobs import app

from .services import export_run


@app.task(name="exports.run", queueing_lock="exports.run")
def run_export(export_id: int) -> str:
    """Build one export's file (idempotent: a finished job is left as it is)."""
    return export_run(export_id=export_id)
