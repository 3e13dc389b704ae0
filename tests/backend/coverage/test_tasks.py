"""The coverage jobs through the real runner: deferred into procrastinate's tables, then run by
a real worker process (`manage.py jobs_worker -- --one-shot`) against the test database."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from backend.coverage.models import CellSummary, CoverageClock, HeatHex
from backend.coverage.tasks import coverage_roll

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def empty_queue(transactional_db):
    """procrastinate's tables are not Django-managed (no flush between tests): empty them."""

    def truncate():
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE procrastinate_jobs, procrastinate_periodic_defers, "
                "procrastinate_events, procrastinate_workers RESTART IDENTITY CASCADE"
            )

    truncate()
    yield
    truncate()


def _worker_once() -> subprocess.CompletedProcess:
    """A real worker process on the test database that stops when the queue is empty."""
    db = connection.settings_dict
    url = f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "backend.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", "jobs_worker", "--", "--one-shot"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _jobs() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT task_name, status::text FROM procrastinate_jobs ORDER BY id")
        return cursor.fetchall()


def test_a_real_worker_rolls_the_windows_and_completes_heat_hexagons(world, empty_queue):
    today = timezone.localdate()
    cell = world.cell("a00")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE coverage_coverageclock SET as_of = %s WHERE id = 1",
            [today - dt.timedelta(days=40)],
        )
        cursor.execute("SELECT coverage_rebuild()")  # the summaries as of 40 days ago
    stale = CellSummary.objects.get(cell=cell).visits_30d
    assert HeatHex.objects.filter(boundary__isnull=True).exists()

    coverage_roll.defer()
    assert _jobs() == [("coverage.roll", "todo")]
    done = _worker_once()

    assert done.returncode == 0, done.stderr[-2000:]
    assert CoverageClock.objects.get().as_of == today
    rolled = CellSummary.objects.get(cell=cell).visits_30d
    with connection.cursor() as cursor:
        cursor.execute("SELECT coverage_rebuild()")  # exact as of today
    assert rolled == CellSummary.objects.get(cell=cell).visits_30d != stale
    # The worker's start-up catch-up completed the heat hexagons too.
    assert not HeatHex.objects.filter(boundary__isnull=True).exists()
    # Succeeded jobs are deleted; none failed or is left to do.
    assert [job for job in _jobs() if job[1] != "succeeded"] == []


def test_a_worker_start_catches_up_the_roll_without_any_job_queued(world, empty_queue):
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE coverage_coverageclock SET as_of = %s WHERE id = 1",
            [today - dt.timedelta(days=2)],
        )
        cursor.execute("SELECT coverage_rebuild()")
    done = _worker_once()
    assert done.returncode == 0, done.stderr[-2000:]
    assert "coverage.roll" in done.stdout
    assert CoverageClock.objects.get().as_of == today
