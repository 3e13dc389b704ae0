"""Coverage analytics on the hand-built world (tests/coverage_world.py): known answers, one
query per selector."""

import datetime as dt
import json

import pytest
from django.contrib.gis.geos import GEOSGeometry, MultiPoint, Point
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.accounts.jurisdiction import Jurisdiction
from backend.accounts.models import Role
from backend.coverage import selectors
from backend.coverage.services import coverage_roll_forward
from backend.coverage.windows import window_of
from backend.opinions.models import Opinion
from tests.coverage_world import COUNTY_STATS_30_DAYS, EXPECTED
from tests.factories import cell_center


def reaching(prefix: str) -> Jurisdiction:
    """A leader's Jurisdiction over `prefix` (the selectors' only input about the caller)."""
    return Jurisdiction(user_id=None, role=Role.LEADER, prefix=prefix)


def by_name(world, rows, key="id"):
    names = {c.id: n for n, c in world.cells.items()}
    return {names[r[key]]: r for r in rows}


def one_query(fn, **kwargs):
    with CaptureQueriesContext(connection) as ctx:
        result = fn(**kwargs)
    assert len(ctx.captured_queries) == 1, [q["sql"][:80] for q in ctx.captured_queries]
    return result


@pytest.mark.parametrize("days", [30, 90, 365])
def test_coverage_by_cell_standard_windows(world, days):
    window = window_of(days)
    coverage_roll_forward(today=window.today)
    rows = by_name(
        world, one_query(selectors.coverage_by_cell, jurisdiction=reaching("430121"), window=window)
    )
    assert set(rows) == set(EXPECTED)  # county B's cells are out of scope
    for name, expected in EXPECTED.items():
        row = rows[name]
        got = (row["state"], row["visits"], row["households_visited"], row["coverage_ratio"])
        assert got == pytest.approx(expected[days]), (name, days)
    assert rows["a00"]["assigned"] and not rows["a30"]["assigned"]
    assert rows["a00"]["last_visit"] == world.now - dt.timedelta(days=5)


@pytest.mark.parametrize(
    ("days", "a00", "a10", "a20"),
    [
        (7, ("covered", 1, 1), ("stale", 0, 0), ("stale", 0, 0)),
        (45, ("covered", 4, 5), ("stale", 0, 0), ("stale", 0, 0)),
        (200, ("covered", 4, 5), ("covered", 1, 0), ("stale", 0, 0)),
        (201, ("covered", 4, 5), ("covered", 1, 0), ("covered", 1, 1)),
    ],
)
def test_other_windows_are_summed_from_cell_days(world, days, a00, a10, a20):
    window = window_of(days)
    assert not window.standard
    rows = by_name(
        world, one_query(selectors.coverage_by_cell, jurisdiction=reaching("430121"), window=window)
    )
    for name, expected in (("a00", a00), ("a10", a10), ("a20", a20)):
        assert (rows[name]["state"], rows[name]["visits"], rows[name]["households_visited"]) == (
            expected
        ), name


def test_standard_and_summed_windows_agree(world):
    # The 90-day summary columns against the same window summed from CellDay / CellHousehold
    # (the SQL of a non-standard window, given the 90-day window's first day).
    window = window_of(90)
    coverage_roll_forward(today=window.today)
    standard = selectors.coverage_by_cell(jurisdiction=reaching("430121"), window=window)
    visits, households = selectors.cell_window_sql(window_of(89))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id, {visits}, {households} FROM grid_gridcell c "
            "WHERE c.adcode LIKE '430121%%' ORDER BY c.id",
            {"since": window.since},
        )
        summed = cursor.fetchall()
    ordered = sorted(standard, key=lambda r: r["id"])
    assert [(r["id"], r["visits"], r["households_visited"]) for r in ordered] == summed


def test_township_scope_and_filters(world):
    window = window_of(90)
    coverage_roll_forward(today=window.today)
    rows = selectors.coverage_by_cell(jurisdiction=reaching("430121001"), window=window)
    assert [r["code"] for r in rows] == ["A-00", "A-01", "A-10", "A-11"]
    never = selectors.coverage_by_cell(
        jurisdiction=reaching("430121"), window=window, state="never"
    )
    assert [r["code"] for r in never] == ["A-01", "A-11", "A-21", "A-31"]
    box = selectors.coverage_by_cell(
        jurisdiction=reaching("430121"), window=window, bbox=(113.021, 28.001, 113.029, 28.009)
    )
    assert [r["code"] for r in box] == ["A-20"]
    ids = [world.cell("a31").id, world.cell("b0").id]
    assert [
        r["code"]
        for r in selectors.coverage_by_cell(
            jurisdiction=reaching("430121"), window=window, cell_ids=ids
        )
    ] == ["A-31"]


def test_rollups_per_township_and_county(world):
    window = window_of(90)
    coverage_roll_forward(today=window.today)
    rows = one_query(
        selectors.coverage_rollup, jurisdiction=reaching("430121"), window=window, level="township"
    )
    assert rows == [
        {
            "adcode": "430121001",
            "name": "星沙街道",
            "cells": 4,
            "covered": 1,
            "stale": 1,
            "never": 2,
            "households": 230,
            "households_visited": 5,
            "visits": 4,
            "coverage_pct": 25.0,
        },
        {
            "adcode": "430121002",
            "name": "泉塘街道",
            "cells": 4,
            "covered": 1,
            "stale": 1,
            "never": 2,
            "households": 420,
            "households_visited": 150,
            "visits": 1,
            "coverage_pct": 25.0,
        },
    ]
    year = window_of(365)
    coverage_roll_forward(today=year.today)
    assert selectors.coverage_rollup(jurisdiction=reaching("43"), window=year, level="county") == [
        {
            "adcode": "430121",
            "name": "长沙县",
            "cells": 8,
            "covered": 4,
            "stale": 0,
            "never": 4,
            "households": 650,
            "households_visited": 156,
            "visits": 7,
            "coverage_pct": 50.0,
        },
        {
            "adcode": "430182",
            "name": "宁乡市",
            "cells": 2,
            "covered": 1,
            "stale": 0,
            "never": 1,
            "households": 200,
            "households_visited": 1,
            "visits": 1,
            "coverage_pct": 50.0,
        },
    ]


def test_rollups_per_station_service_area_and_deputy(world):
    window = window_of(90)
    coverage_roll_forward(today=window.today)
    stations = one_query(
        selectors.coverage_by_station, jurisdiction=reaching("430121"), window=window
    )
    assert [
        (
            s["name"],
            s["cells"],
            s["covered"],
            s["households"],
            s["households_visited"],
            s["coverage_pct"],
        )
        for s in stations
    ] == [
        ("星沙联络站", 4, 1, 230, 5, 25.0),
        ("泉塘联络站", 1, 0, 200, 0, 0.0),
    ]
    deputies = {
        d["id"]: d
        for d in one_query(
            selectors.coverage_by_deputy, jurisdiction=reaching("430121"), window=window
        )
    }
    d1, d2, d3 = (world.deputies[k].id for k in ("d1", "d2", "d3"))
    assert set(deputies) == {d1, d2, d3}
    assert {
        k: deputies[d1][k]
        for k in ("cells_assigned", "covered", "households", "households_visited", "active")
    } == {
        "cells_assigned": 1,
        "covered": 1,
        "households": 100,
        "households_visited": 5,
        "active": True,
    }
    assert deputies[d2]["active"] and deputies[d2]["cells_assigned"] == 0
    assert deputies[d3]["active"] is False and deputies[d3]["last_visit"] is None


def test_region_stats_of_a_county(world):
    window = window_of(30)
    coverage_roll_forward(today=window.today)
    with CaptureQueriesContext(connection) as ctx:
        stats = selectors.region_stats(
            jurisdiction=reaching("430121"), region=world.county, window=window
        )
    assert len(ctx.captured_queries) == 1
    assert stats == COUNTY_STATS_30_DAYS


def test_gaps_are_ranked_by_households_times_days_plus_open_opinions(world):
    window = window_of(90)
    coverage_roll_forward(today=window.today)
    rows = one_query(
        selectors.coverage_gaps, jurisdiction=reaching("430121"), window=window, limit=50
    )
    got = [
        (
            r["code"],
            r["state"],
            r["households"],
            r["days_since_visit"],
            r["open_opinions"],
            r["score"],
        )
        for r in rows
    ]
    assert got == [
        ("A-01", "never", 80, None, 1, 80 * 730 + 1000),
        ("A-21", "never", 60, None, 3, 60 * 730 + 3000),
        ("A-20", "stale", 200, 200, 0, 200 * 200),
        ("A-31", "never", 40, None, 3, 40 * 730 + 3000),
        ("A-10", "stale", 50, 100, 0, 50 * 100),
        ("A-11", "never", 0, None, 0, 0),
    ]
    assert [
        r["code"]
        for r in selectors.coverage_gaps(jurisdiction=reaching("430121"), window=window, limit=2)
    ] == [
        "A-01",
        "A-21",
    ]


def test_suggestions_explain_district_distance_and_load(world):
    year_start = world.now - dt.timedelta(days=365)
    ids = [world.cell("a21").id, world.cell("a01").id]
    rows = one_query(
        selectors.assignment_suggestions,
        jurisdiction=reaching("430121"),
        cell_ids=ids,
        year_start=year_start,
    )
    d = {v.id: k for k, v in world.deputies.items()}
    by_cell = {}
    for r in rows:
        distance = None if r["distance_m"] is None else round(r["distance_m"])
        by_cell.setdefault(r["code"], []).append(
            (
                d[r["deputy_id"]],
                r["in_district"],
                distance,
                r["station_name"],
                round(r["station_distance_m"]),
                r["cells_assigned"],
                r["households_to_visit"],
            )
        )
    centre = {n: cell_center(world.cell(n)) for n in ("a21", "a01", "a30", "a00")}
    s1_a21, s2_a21 = (round(_metres(centre["a21"], centre[s])) for s in ("a00", "a30"))
    s1_a01, s2_a01 = (round(_metres(centre["a01"], centre[s])) for s in ("a00", "a30"))
    assert by_cell["A-21"] == [
        ("d3", True, 0, "泉塘联络站", s2_a21, 0, 50),  # district region T2 holds the cell
        ("d2", False, 0, "泉塘联络站", s2_a21, 0, 0),  # district a20 touches it; 151 hh done
        ("d1", False, 0, "星沙联络站", s1_a21, 1, 45),  # a10 touches it at a corner
    ]
    # a01 is in d1's district; d2's nearest district cell (a20) is one column away east;
    # d3 has no district cells and comes in as a member of a nearby station.
    one_column = round(_metres((113.01, 28.01), (113.02, 28.01)))
    assert by_cell["A-01"] == [
        ("d1", True, 0, "星沙联络站", s1_a01, 1, 45),
        ("d2", False, one_column, "泉塘联络站", s2_a01, 0, 0),
        ("d3", False, None, "泉塘联络站", s2_a01, 0, 50),
    ]


def test_suggestions_skip_deputies_already_assigned_and_other_counties(world):
    rows = selectors.assignment_suggestions(
        jurisdiction=reaching("430121"), cell_ids=[world.cell("a00").id], year_start=world.now
    )
    deputies = {r["deputy_id"] for r in rows}
    assert world.deputies["d1"].id not in deputies  # already assigned to a00
    assert world.deputies["db"].id not in deputies  # county B
    assert (
        selectors.assignment_suggestions(
            jurisdiction=reaching("430121001"),
            cell_ids=[world.cell("a21").id],
            year_start=world.now,
        )
        == []
    )


def test_opinion_clusters_with_eps_in_metres(world):
    window = window_of(90)
    rows = one_query(
        selectors.opinion_clusters,
        jurisdiction=reaching("430121"),
        window=window,
        eps_m=500,
        min_points=3,
        metric_srid=4547,
    )
    roads, health = world.opinions["roads"], world.opinions["health"]
    assert [(r["cluster_id"], r["count"], r["open_count"], r["top_categories"]) for r in rows] == [
        (roads[0].id, 4, 3, ["roads", "water"]),
        (health[0].id, 3, 3, ["health"]),
    ]
    hull = GEOSGeometry(rows[0]["geometry"], srid=4326)
    points = MultiPoint(
        [o.location for o in Opinion.objects.filter(id__in=[o.id for o in roads])], srid=4326
    )
    assert hull.sym_difference(points.convex_hull).area < 1e-12
    # three collinear opinions: the hull is a 25 m buffer around the segment
    line_hull = GEOSGeometry(rows[1]["geometry"], srid=4326)
    assert line_hull.geom_type == "Polygon" and line_hull.contains(health[1].location)
    # categories, smaller eps, more points
    only_roads = selectors.opinion_clusters(
        jurisdiction=reaching("430121"),
        window=window,
        eps_m=500,
        min_points=3,
        metric_srid=4547,
        category="roads",
    )
    assert [(r["count"], r["open_count"]) for r in only_roads] == [(3, 3)]
    assert (
        selectors.opinion_clusters(
            jurisdiction=reaching("430121"), window=window, eps_m=50, min_points=2, metric_srid=4547
        )
        == []
    )
    assert (
        selectors.opinion_clusters(
            jurisdiction=reaching("430121"),
            window=window,
            eps_m=500,
            min_points=5,
            metric_srid=4547,
        )
        == []
    )
    assert (
        len(
            selectors.opinion_clusters(
                jurisdiction=reaching("430182"),
                window=window,
                eps_m=500,
                min_points=3,
                metric_srid=4547,
            )
        )
        == 1
    )
    assert json.loads(rows[0]["geometry"])["type"] == "Polygon"


def _metres(a, b):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Distance(%s::geography, %s::geography)",
            [Point(*a, srid=4326).ewkt, Point(*b, srid=4326).ewkt],
        )
        return cursor.fetchone()[0]
