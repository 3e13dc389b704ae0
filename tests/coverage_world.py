"""A small hand-built world with known coverage answers, shared by the coverage and map tests.

County A 430121 (长沙县, 0.1° square at 113.0E 28.0N) with townships T1 430121001 (cells of
columns 0-1) and T2 430121002 (columns 2-3), two rows of 0.01° cells:

    row 1:  a01 (80 hh)   a11 (0 hh)   | a21 (60 hh)   a31 (40 hh)
    row 0:  a00 (100 hh)  a10 (50 hh)  | a20 (200 hh)  a30 (120 hh)
            ---------- T1 ----------     ---------- T2 ----------

County B 430182 (宁乡市, the 0.1° square east of it): b0, b1 (100 hh each) at columns 10-11.

Visits (through backend.visits.services.visits_ingest), days before now:
- a00 by d1: household ref "h1" 10 d and 5 d, ref "h2" 40 d, unreferenced 3 households 20 d;
- a10 by d1: a forum (12 people) 100 d;  a20 by d2: household ref "h9" 200 d;
- a30 by d2: unreferenced 150 households 2 d;  b0 by db: household ref "h5" 3 d.
The expected numbers per window are spelled out in EXPECTED below (e.g. a00 in 30 days: 3 visits,
households h1 + 3 unreferenced = 4, ratio 4/100).
County A's statistics over 30 days (the stats selector's dict and the stats endpoint's body
alike) are COUNTY_STATS_30_DAYS.

Deputies: d1 (district a00, a10, a01; station s1 in a00; assigned a00), d2 (district a20, a30;
station s2 in a30), d3 (district = region T2, no cells; station s2), db in county B.
Stations: s1 serves T1 (all four cells), s2 serves a20 only; s2 is linked across the
provincial border with sg in 陆川县 450922 (Guangxi).
Opinions: 4 near the centre of a21 (3 roads, 1 water; one closed), 3 near a31 (health),
1 isolated in a01, 3 clustered in b0.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from backend.accounts.models import Role
from backend.liaison.models import StationLink
from backend.opinions.models import Opinion
from backend.opinions.services import opinion_create
from backend.visits.services import visits_ingest
from tests.drain import drain
from tests.factories import (
    DeputyFactory,
    GridAssignmentFactory,
    GridCellFactory,
    MandateFactory,
    RegionFactory,
    StationFactory,
    StationMembershipFactory,
    UserFactory,
    cell_center,
    square,
)

HOUSEHOLDS = {
    "a00": 100,
    "a10": 50,
    "a01": 80,
    "a11": 0,
    "a20": 200,
    "a30": 120,
    "a21": 60,
    "a31": 40,
}

# name -> {window days -> (state, visits, households_visited, coverage_ratio)}
EXPECTED = {
    "a00": {30: ("covered", 3, 4, 0.04), 90: ("covered", 4, 5, 0.05), 365: ("covered", 4, 5, 0.05)},
    "a10": {30: ("stale", 0, 0, 0.0), 90: ("stale", 0, 0, 0.0), 365: ("covered", 1, 0, 0.0)},
    "a20": {30: ("stale", 0, 0, 0.0), 90: ("stale", 0, 0, 0.0), 365: ("covered", 1, 1, 0.005)},
    "a30": {
        30: ("covered", 1, 150, 1.0),
        90: ("covered", 1, 150, 1.0),
        365: ("covered", 1, 150, 1.0),
    },
    "a01": {30: ("never", 0, 0, 0.0), 90: ("never", 0, 0, 0.0), 365: ("never", 0, 0, 0.0)},
    "a11": {30: ("never", 0, 0, 0.0), 90: ("never", 0, 0, 0.0), 365: ("never", 0, 0, 0.0)},
    "a21": {30: ("never", 0, 0, 0.0), 90: ("never", 0, 0, 0.0), 365: ("never", 0, 0, 0.0)},
    "a31": {30: ("never", 0, 0, 0.0), 90: ("never", 0, 0, 0.0), 365: ("never", 0, 0, 0.0)},
}

# region_stats of county A over the last 30 days: the selector's dict and the stats
# endpoint's JSON body alike.
COUNTY_STATS_30_DAYS = {
    "adcode": "430121",
    "name": "长沙县",
    "level": "county",
    "bbox": [113.0, 28.0, 113.1, 28.1],
    "cells": 8,
    "covered": 2,
    "stale": 2,
    "never": 4,
    "coverage_pct": 25.0,
    "households": 650,
    "households_visited": 154,
    "deputies": 3,
    "deputies_active": 2,
    "target_households": 150,
    # ranked best first (equal coverage: more households visited first); 25 % is "low", not green
    "children": [
        {
            "adcode": "430121002",
            "name": "泉塘街道",
            "level": "township",
            "bbox": [113.02, 28.0, 113.04, 28.02],
            "name_at": [113.03, 28.01],  # where the map writes its name: inside the square
            "cells": 4,
            "covered": 1,
            "coverage_pct": 25.0,
            "households_visited": 150,
            "rank": 1,
            "band": "low",
        },
        {
            "adcode": "430121001",
            "name": "星沙街道",
            "level": "township",
            "bbox": [113.0, 28.0, 113.02, 28.02],
            "name_at": [113.01, 28.01],
            "cells": 4,
            "covered": 1,
            "coverage_pct": 25.0,
            "households_visited": 4,
            "rank": 2,
            "band": "low",
        },
    ],
}
PASSWORD = "pass-1234"


@dataclass
class World:
    now: dt.datetime
    county: object
    county_b: object
    t1: object
    t2: object
    cells: dict = field(default_factory=dict)
    deputies: dict = field(default_factory=dict)
    stations: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    opinions: dict = field(default_factory=dict)
    assignment: object = None
    link: object = None

    def cell(self, name):
        return self.cells[name]


def _visit(deputy, cell, days_ago: float, now, *, kind="household", ref="", households=1):
    lon, lat = cell_center(cell)
    return {
        "deputy_id": deputy.id,
        "client_uuid": uuid.uuid4(),
        "kind": kind,
        "lon": lon,
        "lat": lat,
        "accuracy_m": 8.0,
        "recorded_at": now - dt.timedelta(days=days_ago),
        "households": households,
        "household_ref": ref,
        "notes": "",
        "mock_location": False,
    }


def _opinion(deputy, lon, lat, category, now, days_ago=3.0):
    result = opinion_create(
        deputy=deputy,
        client_uuid=uuid.uuid4(),
        category=category,
        text="测试意见",
        recorded_at=now - dt.timedelta(days=days_ago),
        lon=lon,
        lat=lat,
    )
    return result.opinion


def build_world() -> World:
    now = timezone.now()
    county = RegionFactory(adcode="430121", name="长沙县", boundary=square(113.0, 28.0, 0.1))
    county_b = RegionFactory(adcode="430182", name="宁乡市", boundary=square(113.1, 28.0, 0.1))
    t1 = RegionFactory(
        adcode="430121001",
        name="星沙街道",
        parent=county,
        boundary=square(113.0, 28.0, 0.02),
        area_m2=4.0e6,
    )
    t2 = RegionFactory(
        adcode="430121002",
        name="泉塘街道",
        parent=county,
        boundary=square(113.02, 28.0, 0.02),
        area_m2=4.0e6,
    )
    world = World(now=now, county=county, county_b=county_b, t1=t1, t2=t2)
    for name, hh in HOUSEHOLDS.items():
        col, row = int(name[1]), int(name[2])
        world.cells[name] = GridCellFactory(
            region=t1 if col < 2 else t2,
            col=col,
            row=row,
            households=hh,
            code=f"A-{col}{row}",
            name=f"网格{col}{row}",
        )
    for col, name in ((10, "b0"), (11, "b1")):
        world.cells[name] = GridCellFactory(
            region=county_b, col=col, row=0, households=100, code=f"B-{col}", name=f"宁乡网格{col}"
        )
    c = world.cells
    s1 = StationFactory(
        region=t1,
        name="星沙联络站",
        location=_point(c["a00"]),
        service_area=square(113.0, 28.0, 0.02),
    )
    s2 = StationFactory(
        region=t2,
        name="泉塘联络站",
        location=_point(c["a30"]),
        service_area=square(113.02, 28.0, 0.01),
    )
    sb = StationFactory(region=county_b, name="宁乡联络站", location=_point(c["b0"]))
    guangxi = RegionFactory(adcode="450922", name="陆川县", boundary=square(110.2, 22.3, 0.1))
    sg = StationFactory(region=guangxi, name="乌石联络站", location=Point(110.25, 22.35, srid=4326))
    link = StationLink.objects.create(
        station_a=s2,
        station_b=sg,
        agreement_date=dt.date(2024, 5, 1),
        cadences=["weekly_reception", "monthly_exchange"],
    )
    world.stations = {"s1": s1, "s2": s2, "sb": sb, "sg": sg}
    world.link = link
    d1 = DeputyFactory(region=t1, name="张代表", user=UserFactory(username="d1"))
    d2 = DeputyFactory(region=t2, name="李代表", user=UserFactory(username="d2"))
    d3 = DeputyFactory(region=t2, name="王代表", user=UserFactory(username="d3"))
    db = DeputyFactory(region=county_b, name="赵代表", user=UserFactory(username="db"))
    world.deputies = {"d1": d1, "d2": d2, "d3": d3, "db": db}
    m1 = MandateFactory(deputy=d1, congress_region=county, district_region=t1)
    m1.district_cells.set([c["a00"], c["a10"], c["a01"]])
    m2 = MandateFactory(deputy=d2, congress_region=county, district_region=t2)
    m2.district_cells.set([c["a20"], c["a30"]])
    MandateFactory(deputy=d3, congress_region=county, district_region=t2)
    MandateFactory(deputy=db, congress_region=county_b, district_region=county_b)
    for deputy, station in ((d1, s1), (d2, s2), (d3, s2), (db, sb)):
        StationMembershipFactory(deputy=deputy, station=station)
    world.assignment = GridAssignmentFactory(deputy=d1, cell=c["a00"])
    visits_ingest(
        rows=[
            _visit(d1, c["a00"], 10, now, ref="h1"),
            _visit(d1, c["a00"], 5, now, ref="h1"),
            _visit(d1, c["a00"], 40, now, ref="h2"),
            _visit(d1, c["a00"], 20, now, households=3),
            _visit(d1, c["a10"], 100, now, kind="forum", households=12),
            _visit(d2, c["a20"], 200, now, ref="h9"),
            _visit(d2, c["a30"], 2, now, households=150),
            _visit(db, c["b0"], 3, now, ref="h5"),
        ],
        received_at=now,
    )
    drain()  # the summaries of these visits, as the job coverage.drain would
    _add_opinions(world)
    world.users = {
        "leader": UserFactory(username="leader_a", role=Role.LEADER, jurisdiction=county),
        "staff": UserFactory(username="staff_a", role=Role.STAFF, jurisdiction=county),
        "staff_t1": UserFactory(username="staff_t1", role=Role.STAFF, jurisdiction=t1),
        "leader_b": UserFactory(username="leader_b", role=Role.LEADER, jurisdiction=county_b),
        "admin": UserFactory(username="admin", role=Role.ADMIN),
        "deputy": d1.user,
    }
    return world


def _point(cell):
    lon, lat = cell_center(cell)
    return Point(lon, lat, srid=4326)


def _add_opinions(world: World) -> None:
    c, d = world.cells, world.deputies
    now = world.now
    lon, lat = cell_center(c["a21"])
    # ~100 m apart: one cluster of 4 at eps 500 m
    roads = [
        _opinion(d["d2"], lon + dx, lat + dy, cat, now)
        for (dx, dy), cat in zip(
            ((0, 0), (0.001, 0), (0, 0.001), (0.001, 0.001)),
            ("roads", "roads", "roads", "water"),
            strict=True,
        )
    ]
    Opinion.objects.filter(id=roads[3].id).update(status="closed")
    lon, lat = cell_center(c["a31"])
    health = [_opinion(d["d2"], lon + dx, lat, "health", now) for dx in (0, 0.001, 0.002)]
    lon, lat = cell_center(c["a01"])
    lone = _opinion(d["d1"], lon, lat, "education", now)
    lon, lat = cell_center(c["b0"])
    county_b = [_opinion(d["db"], lon + dx, lat, "roads", now) for dx in (0, 0.001, 0.002)]
    world.opinions = {"roads": roads, "health": health, "lone": lone, "county_b": county_b}


@pytest.fixture
def world(db, settings) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()
