"""The one job runner: procrastinate (PostgreSQL tables, periodic tasks; docs/decisions.md).

Conventions:
- Tasks live in `backend/<app>/tasks.py` (procrastinate.contrib.django imports every app's
  `tasks` module), are named `<app>.<verb>`, call one service each and hold no business rule.
- Every task is idempotent and has a queueing lock of its own name: a late, doubled or
  caught-up run does no harm, and at most one waits in the queue.
- Periodic crons are in UTC (procrastinate's deferrer reads them so). Asia/Shanghai is UTC+8 all
  year (no daylight saving): 00:05 there is `5 16 * * *`; use `shanghai_cron`.
- `@on_worker_start` tasks are deferred whenever a worker starts (`manage.py jobs_worker`), to
  catch up what a stopped worker missed (a periodic run more than 10 minutes late is skipped).
- Deferring from a request or a service: `task.defer(...)` writes a row in the same database
  (and, inside a transaction, only if it commits).
"""

from __future__ import annotations

from typing import Any

from procrastinate import exceptions
from procrastinate.contrib.django import app
from procrastinate.tasks import Task

__all__ = ["app", "defer_startup_jobs", "on_worker_start", "shanghai_cron"]

SHANGHAI_UTC_OFFSET_H = 8

_startup_tasks: list[Task[Any, Any, Any]] = []


def shanghai_cron(*, hour: int, minute: int) -> str:
    """A daily cron line (UTC, as procrastinate reads it) for hour:minute in Asia/Shanghai."""
    return f"{minute} {(hour - SHANGHAI_UTC_OFFSET_H) % 24} * * *"


def on_worker_start(task: Task[Any, Any, Any]) -> Task[Any, Any, Any]:
    """Mark a task (taking no arguments but an optional `timestamp`) to run when a worker starts."""
    _startup_tasks.append(task)
    return task


def defer_startup_jobs() -> list[str]:
    """Defer every `@on_worker_start` task (skipped when one is already queued); their names."""
    deferred = []
    for task in _startup_tasks:
        try:
            task.defer(timestamp=None)
        except exceptions.AlreadyEnqueued:
            continue
        deferred.append(task.name)
    return deferred
