"""Map reads never write (issue 9): on a new day before the job `coverage.roll` has run, a GET
serves the right numbers from the day rows and leaves the clock and the summaries as they were;
heat hexagons without a boundary are skipped until the job `coverage.heat_hexes_complete`."""

import datetime as dt
import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.coverage.models import CellSummary, CoverageClock, HeatHex
from backend.coverage.services import coverage_clock_reset, heat_hexes_complete
from backend.visits.services import visits_ingest
from tests.coverage_world import COUNTY_STATS_30_DAYS, EXPECTED, _visit
from tests.map_ui.test_tiles import features

API = "/api/map/v1/"
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b|coverage_roll_to|FOR UPDATE", re.I)


def _yesterdays_windows(world) -> dt.date:
    """A visit 30 days ago (in yesterday's 30-day window, not in today's), then the clock and
    the summaries as the last roll left them yesterday: the job has not run yet today."""
    now = timezone.now()
    result = visits_ingest(
        rows=[_visit(world.deputies["d1"], world.cell("a01"), 30, now)],
        received_at=now - dt.timedelta(days=30),
    )
    assert result[0].status == "created"
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE coverage_coverageclock SET as_of = %s WHERE id = 1", [yesterday])
        cursor.execute("SELECT coverage_rebuild()")  # exact as of yesterday
    coverage_clock_reset()
    assert CellSummary.objects.get(cell=world.cell("a01")).visits_30d == 1  # yesterday's view
    return yesterday


def _snapshot() -> list[tuple]:
    return list(CellSummary.objects.order_by("cell_id").values_list())


def _leader(world) -> Client:
    client = Client()
    client.force_login(world.users["leader"])
    return client


def test_a_get_on_a_new_day_serves_todays_numbers_and_writes_nothing(world):
    yesterday = _yesterdays_windows(world)
    before = _snapshot()
    leader = _leader(world)
    with CaptureQueriesContext(connection) as ctx:
        stats = leader.get(API + "regions/430121/stats", {"days": 30}).json()
        cells = leader.get(API + "cells.geojson", {"region": "430121", "days": 30}).json()
        tiles = features(leader, "cells", 12, (113.0, 28.0, 113.04, 28.02), days=30)
    # The session's own bookkeeping (the jurisdiction remembered in it) is the only write.
    writes = [q["sql"][:120] for q in ctx.captured_queries if WRITE.search(q["sql"])]
    assert [w for w in writes if not w.startswith('UPDATE "django_session"')] == []
    assert CoverageClock.objects.get().as_of == yesterday
    assert _snapshot() == before
    # Today's numbers, not yesterday's columns: a01's visit 30 days ago is out of the window.
    assert (stats["covered"], stats["stale"], stats["households_visited"]) == (
        COUNTY_STATS_30_DAYS["covered"],
        COUNTY_STATS_30_DAYS["stale"] + 1,
        COUNTY_STATS_30_DAYS["households_visited"],
    )
    by_id = {f["id"]: f["properties"] for f in cells["features"]}
    by_tile = {f["properties"]["id"]: f["properties"] for f in tiles.values()}
    expected = {**{n: e[30][:3] for n, e in EXPECTED.items()}, "a01": ("stale", 0, 0)}
    for name in ("a00", "a10", "a20", "a30", "a01", "a11", "a21", "a31"):
        cell_id = world.cell(name).id
        for props in (by_id[cell_id], by_tile[cell_id]):
            assert (props["state"], props["visits"], props["households_visited"]) == (
                expected[name]
            ), name


def test_heat_tiles_skip_hexagons_without_a_boundary_until_the_job_ran(world):
    box = (112.9, 27.9, 113.2, 28.1)
    missing = HeatHex.objects.filter(boundary__isnull=True).count()
    assert missing > 0
    leader = _leader(world)
    assert features(leader, "heat", 10, box, days=365) == {}
    assert HeatHex.objects.filter(boundary__isnull=True).count() == missing  # the GET wrote none
    heat_hexes_complete()
    assert sum(f["properties"]["visits"] for f in features(leader, "heat", 10, box).values()) > 0
