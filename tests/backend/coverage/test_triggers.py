"""The trigger-maintained summaries: exact after inserts, rolls, corrections and concurrency.

The reference is always a full recomputation from the visits (`coverage_recompute_cells`), so
"incremental == recomputed" is checked on the hand-built world and after each kind of change.
"""

import datetime as dt
import threading

import h3
import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection
from django.utils import timezone

from backend.coverage.models import (
    CellDay,
    CellHousehold,
    CellSummary,
    CoverageClock,
    DeputySummary,
    HeatBin,
    HeatHex,
    PendingVisit,
)
from backend.coverage.services import coverage_drain, coverage_rebuild, heat_hexes_complete
from backend.grid.models import GridAssignment, GridCell
from backend.visits.models import Visit
from backend.visits.services import visits_ingest
from tests.coverage_world import EXPECTED, _visit
from tests.drain import drain
from tests.factories import DeputyFactory, GridCellFactory, RegionFactory, cell_center, square

SUMMARY_FIELDS = [
    "cell_id",
    "adcode",
    "county_adcode",
    "h3_r7",
    "last_visit_at",
    "visits_total",
    "households_total",
    "visits_30d",
    "households_30d",
    "visits_90d",
    "households_90d",
    "visits_180d",
    "households_180d",
    "visits_365d",
    "households_365d",
    "assigned",
]


def snapshot():
    return {
        "cells": list(CellSummary.objects.order_by("cell_id").values_list(*SUMMARY_FIELDS)),
        "days": list(
            CellDay.objects.order_by("cell_id", "day").values_list(
                "cell_id",
                "day",
                "visits",
                "unreferenced_households",
                "referenced_visits",
                "last_referenced",
            )
        ),
        "households": list(
            CellHousehold.objects.order_by("cell_id", "household_ref").values_list(
                "cell_id", "household_ref", "first_day", "last_day"
            )
        ),
        "heat": list(
            HeatBin.objects.order_by("resolution", "h3", "day", "adcode").values_list(
                "resolution", "h3", "day", "adcode", "visits", "households"
            )
        ),
        "deputies": list(
            DeputySummary.objects.order_by("deputy_id").values_list(
                "deputy_id", "last_visit_at", "visits_total"
            )
        ),
    }


def recomputed():
    # compared with a drained state only (pending visits are in neither side: no vacuous match)
    assert not PendingVisit.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT coverage_recompute_cells(NULL)")
        cursor.execute("SELECT coverage_recompute_deputies(NULL)")
    return snapshot()


def summary(cell):
    return CellSummary.objects.get(cell=cell)


def test_summaries_after_ingest_hold_the_expected_numbers(world):
    for name, windows in EXPECTED.items():
        s = summary(world.cell(name))
        for days, (_state, visits, households, _ratio) in windows.items():
            assert (getattr(s, f"visits_{days}d"), getattr(s, f"households_{days}d")) == (
                visits,
                households,
            ), (name, days)
    a00 = summary(world.cell("a00"))
    assert (a00.visits_total, a00.households_total) == (4, 5)
    assert a00.last_visit_at == world.now - dt.timedelta(days=5)
    assert summary(world.cell("a01")).last_visit_at is None
    d1 = DeputySummary.objects.get(deputy=world.deputies["d1"])
    assert (d1.visits_total, d1.last_visit_at) == (5, world.now - dt.timedelta(days=5))
    # the cell's heat hexagon is H3's, of the cell's interior point
    lon, lat = cell_center(world.cell("a00"))
    assert a00.h3_r7 == h3.str_to_int(h3.latlng_to_cell(lat, lon, 7))


def test_incremental_state_equals_a_full_recomputation(world):
    assert snapshot() == recomputed()


def test_repeat_households_are_counted_once_per_window(world):
    d1, a00 = world.deputies["d1"], world.cell("a00")
    now = timezone.now()
    visits_ingest(
        rows=[
            _visit(d1, a00, 1, now, ref="h1"),  # already counted in every window
            _visit(d1, a00, 1, now, ref="h2"),  # last seen 40 days ago: new in the 30-day window
            _visit(d1, a00, 1, now, ref="h3"),  # new everywhere
        ],
        received_at=now,
    )
    assert drain() == 3
    s = summary(a00)
    assert (s.visits_30d, s.households_30d) == (6, 6)  # h1 h2 h3 + 3 unreferenced
    assert (s.visits_90d, s.households_90d) == (7, 6)
    assert (s.visits_total, s.households_total) == (7, 6)
    assert snapshot() == recomputed()


def test_rolling_the_clock_forward_subtracts_exactly_what_left_each_window(world):
    today = CoverageClock.objects.get().as_of
    with connection.cursor() as cursor:
        cursor.execute("SELECT coverage_roll_to(%s)", [today + dt.timedelta(days=26)])
    a00, a30 = summary(world.cell("a00")), summary(world.cell("a30"))
    # 26 days on, the 30-day window starts 3 days ago (old time): a00's visits (5+ days) left it
    assert (a00.visits_30d, a00.households_30d) == (0, 0)
    assert (a30.visits_30d, a30.households_30d) == (1, 150)
    # 90 days: the visit of 40 (now 66) days ago and the one of 5 days stay
    assert (a00.visits_90d, a00.households_90d) == (4, 5)
    rolled = snapshot()
    assert CoverageClock.objects.get().as_of == today + dt.timedelta(days=26)
    assert rolled == recomputed()  # recomputation uses the new clock day


def test_roll_over_more_than_a_year_and_backwards_is_a_no_op(world):
    today = CoverageClock.objects.get().as_of
    with connection.cursor() as cursor:
        cursor.execute("SELECT coverage_roll_to(%s)", [today + dt.timedelta(days=400)])
        rolled = snapshot()
        cursor.execute("SELECT coverage_roll_to(%s)", [today])
    assert snapshot() == rolled == recomputed()
    assert all(row[7:15] == (0,) * 8 for row in rolled["cells"])


def test_deleting_and_moving_visits_recomputes_the_cells(world):
    a00, a01 = world.cell("a00"), world.cell("a01")
    newest = Visit.objects.filter(cell=a00).order_by("-recorded_at").first()
    Visit.objects.filter(id=newest.id).update(cell=a01)  # an admin correction
    s00, s01 = summary(a00), summary(a01)
    assert (s00.visits_30d, s00.households_30d) == (2, 4)  # h1 still seen 10 days ago
    assert (s01.visits_30d, s01.households_30d, s01.last_visit_at) == (1, 1, newest.recorded_at)
    Visit.objects.filter(cell=a01).delete()
    assert summary(a01).last_visit_at is None and summary(a01).visits_total == 0
    assert snapshot() == recomputed()


def test_heat_bins_aggregate_every_visit_at_every_resolution(world):
    for res in (4, 5, 6, 7):
        bins = HeatBin.objects.filter(resolution=res)
        assert sum(b.visits for b in bins) == Visit.objects.filter(cell__isnull=False).count()
        # households: referenced household visits count 1, unreferenced their number, forums 0
        assert sum(b.households for b in bins) == 2 + 1 + 3 + 1 + 150 + 1
    assert (
        not HeatBin.objects.filter(adcode__startswith="430182", resolution=7)
        .exclude(visits=1)
        .exists()
    )


def test_heat_hexagons_get_h3_boundaries(world):
    assert HeatHex.objects.filter(boundary__isnull=True).count() > 0
    filled = heat_hexes_complete()
    assert filled == HeatHex.objects.count() and heat_hexes_complete() == 0
    hexagon = HeatHex.objects.get(h3=summary(world.cell("a00")).h3_r7)
    expected = Polygon(
        [(lng, lat) for lat, lng in h3.cell_to_boundary(h3.int_to_str(hexagon.h3))]
        + [tuple(reversed(h3.cell_to_boundary(h3.int_to_str(hexagon.h3))[0]))],
        srid=4326,
    )
    assert hexagon.boundary.sym_difference(expected).area < 1e-12
    assert hexagon.boundary.contains(world.cell("a00").boundary.point_on_surface)


def test_new_and_moved_cells_get_summaries_and_heat_follows(world):
    cell = GridCellFactory(region=world.t1, col=0, row=5, households=10, code="A-05")
    s = summary(cell)
    lon, lat = cell_center(cell)
    assert (s.adcode, s.county_adcode, s.visits_total) == ("430121001", "430121", 0)
    assert s.h3_r7 == h3.str_to_int(h3.latlng_to_cell(lat, lon, 7))
    a30 = world.cell("a30")
    old_hex = summary(a30).h3_r7
    # move a30 about 50 km north: its summary, hexagon and heat follow
    GridCell.objects.filter(id=a30.id).update(boundary=square(113.03, 28.5, 0.01))
    new_hex = summary(a30).h3_r7
    assert new_hex != old_hex
    assert HeatBin.objects.filter(resolution=7, h3=new_hex).get().visits == 1
    assert not HeatBin.objects.filter(resolution=7, h3=old_hex).exists()
    assert snapshot() == recomputed()


def test_display_boundary_is_simplified_and_an_explicit_one_is_kept(world):
    # a cell edge with 200 vertices ~1 m apart collapses; the shape stays within 10 m
    ring = [(113.05 + i * 0.00005, 28.05 + (i % 2) * 0.000005) for i in range(200)]
    ring += [(113.06, 28.06), (113.05, 28.06), ring[0]]
    cell = GridCellFactory(region=world.t1, boundary=MultiPolygon(Polygon(ring), srid=4326))
    cell.refresh_from_db()
    assert cell.display_boundary.num_points < 20
    assert cell.display_boundary.valid
    assert cell.boundary.sym_difference(cell.display_boundary).area < 1e-7
    explicit = square(113.07, 28.07, 0.01)
    other = GridCellFactory(region=world.t1, col=7, row=7, display_boundary=explicit)
    other.refresh_from_db()
    assert other.display_boundary.equals_exact(explicit, 1e-12)


def test_rebuild_service_restores_truncated_tables(world):
    before = snapshot()
    CellDay.objects.all().delete()
    CellSummary.objects.update(visits_30d=99)
    coverage_rebuild()
    assert snapshot() == before


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_in_the_same_cells_count_exactly_once():
    county = RegionFactory(adcode="430121", boundary=square(113.0, 28.0, 0.1))
    cells = [GridCellFactory(region=county, col=c, row=0) for c in range(3)]
    deputies = [DeputyFactory(region=county) for _ in range(4)]
    now = timezone.now()
    errors = []

    def sync(deputy, seed):
        try:
            rows = []
            for i in range(30):
                cell = cells[(seed + i) % 3]
                rows.append(_visit(deputy, cell, (i % 40) + 0.5, now, ref=f"hh{i % 7}"))
            visits_ingest(rows=rows, received_at=now)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sync, args=(d, n)) for n, d in enumerate(deputies)]

    def drains():  # the job beside the phones: batches of 7, concurrently with the inserts
        try:
            for _ in range(20):
                coverage_drain(batch_size=7, max_batches=3)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads += [threading.Thread(target=drains) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Visit.objects.count() == 120
    drain()
    assert snapshot() == recomputed()
    assert sum(s.visits_total for s in CellSummary.objects.all()) == 120


def test_deleted_cells_leave_no_coverage_rows(world):
    cell = world.cell("a11")  # never visited
    assert CellSummary.objects.filter(cell_id=cell.id).exists()
    GridCell.objects.filter(id=cell.id).delete()
    assert not CellSummary.objects.filter(cell_id=cell.id).exists()
    # an orphan left behind by hand is dropped by the rebuild
    CellSummary.objects.create(cell_id=10**9, adcode="430121", county_adcode="430121")
    coverage_rebuild()
    assert not CellSummary.objects.filter(cell_id=10**9).exists()
    assert snapshot() == recomputed()


def test_assigned_flag_follows_active_assignments(world):
    a00, a21 = world.cell("a00"), world.cell("a21")
    assert summary(a00).assigned and not summary(a21).assigned
    GridAssignment.objects.create(
        deputy=world.deputies["d2"], cell=a21, county_adcode="430121", valid_from=timezone.now()
    )
    assert summary(a21).assigned
    GridAssignment.objects.filter(cell=a00).update(status="ended", valid_to=timezone.now())
    assert not summary(a00).assigned
    GridAssignment.objects.filter(cell=a21).delete()
    assert not summary(a21).assigned


def test_a_rebuild_writes_the_per_day_rows_in_day_order(world):
    # the daily roll reads whole days: they must not be spread over the table (migration 0013)
    coverage_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("SELECT day FROM coverage_cellday ORDER BY ctid")
        days = [row[0] for row in cursor.fetchall()]
    assert len(set(days)) > 3
    assert days == sorted(days)


# --- summaries off the request path (docs/decisions.md "Summaries off the request path") ------


def test_an_insert_only_queues_its_visits_and_the_drain_applies_them(world):
    d1, a01 = world.deputies["d1"], world.cell("a01")
    before = snapshot()
    now = timezone.now()
    [created] = visits_ingest(rows=[_visit(d1, a01, 1, now, ref="q1")], received_at=now)
    assert list(PendingVisit.objects.values_list("visit_id", flat=True)) == [created.id]
    assert snapshot() == before  # nothing maintained inside the phone's statement
    assert drain() == 1
    assert not PendingVisit.objects.exists() and drain() == 0
    s = summary(a01)
    assert (s.visits_total, s.households_30d, s.last_visit_at) == (1, 1, now - dt.timedelta(days=1))
    assert snapshot() == recomputed()


def test_visits_changed_or_deleted_before_their_drain_count_as_they_are_then(world):
    d1, a00, a01 = world.deputies["d1"], world.cell("a00"), world.cell("a01")
    now = timezone.now()
    results = visits_ingest(
        rows=[
            _visit(d1, a00, 1, now, ref="p1"),
            _visit(d1, a00, 2, now, ref="p2"),
            _visit(d1, a01, 3, now, households=4),
        ],
        received_at=now,
    )
    ids = [r.id for r in results]
    # an admin correction of applied and pending visits alike, before the drain
    Visit.objects.filter(id=ids[0]).update(cell=a01)
    Visit.objects.filter(id=ids[1]).delete()
    Visit.objects.filter(cell=a00, household_ref="").update(households=7)
    assert PendingVisit.objects.count() == 3  # the deleted one is skipped when drained
    assert drain() == 2
    assert snapshot() == recomputed()
    assert summary(a01).visits_total == 2


def test_a_rebuild_counts_pending_visits_and_empties_the_queue(world):
    d1, a01 = world.deputies["d1"], world.cell("a01")
    now = timezone.now()
    visits_ingest(rows=[_visit(d1, a01, 1, now)], received_at=now)
    coverage_rebuild()
    assert not PendingVisit.objects.exists()
    assert summary(a01).visits_total == 1
    assert snapshot() == recomputed()


def test_each_drained_batch_tells_the_dashboards_of_its_counties(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from backend.core import events

    sent = []
    monkeypatch.setattr(events, "publish", lambda *event: sent.append(event))
    d1, db = world.deputies["d1"], world.deputies["db"]
    now = timezone.now()
    visits_ingest(
        rows=[
            _visit(d1, world.cell("a01"), 1, now),
            _visit(d1, world.cell("a11"), 1, now),
            _visit(db, world.cell("b0"), 1, now),
        ],
        received_at=now,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert coverage_drain(batch_size=2) == 3  # two batches, each its own transaction
    assert {kind for _county, kind, _payload in sent} == {"coverage.drained"}
    per_county: dict[str, int] = {}
    for county, _kind, payload in sent:
        for item in payload["items"]:
            assert item["adcode"].startswith(county)
            per_county[county] = per_county.get(county, 0) + item["visits"]
    assert per_county == {"430121": 2, "430182": 1}
    assert len(sent) in (2, 3)  # one event per county per batch
