"""`manage.py coverage_roll`: the nightly job that moves the standard windows to today."""

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django.utils.translation import override

from backend.coverage.models import CellSummary, CoverageClock
from backend.coverage.services import coverage_clock_reset


def _clock_back(days: int) -> dt.date:
    """Pretend the windows were last rolled `days` ago (the summaries as they were then)."""
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE coverage_coverageclock SET as_of = %s WHERE id = 1",
            [today - dt.timedelta(days=days)],
        )
        cursor.execute("SELECT coverage_rebuild()")  # exact as of the earlier day
    coverage_clock_reset()
    return today


def test_roll_moves_the_windows_to_today_once(world):
    cell = world.cell("a00")
    today = _clock_back(40)
    stale = CellSummary.objects.get(cell=cell)
    out = StringIO()
    with override("en"):
        call_command("coverage_roll", stdout=out)
    assert CoverageClock.objects.get().as_of == today
    assert f"to {today}" in out.getvalue()
    rolled = CellSummary.objects.get(cell=cell)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coverage_rebuild()")
    assert CellSummary.objects.get(cell=cell).visits_30d == rolled.visits_30d
    assert (rolled.visits_total, rolled.households_total) == (
        stale.visits_total,
        stale.households_total,
    )
    again = StringIO()
    with override("en"):
        call_command("coverage_roll", stdout=again)
    assert "already at" in again.getvalue()


def test_roll_speaks_chinese_by_default(world):
    _clock_back(1)
    out = StringIO()
    call_command("coverage_roll", stdout=out)
    assert "覆盖统计窗口" in out.getvalue()
