"""GET me, GET me/cells, GET stations/nearby (duty rules: tests/backend/liaison/test_rhythm.py)."""

import datetime as dt
import uuid

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from backend.grid.models import GridCell
from backend.liaison.selectors import stations_nearby
from backend.visits.services import visits_ingest
from tests.factories import GridAssignmentFactory, StationFactory, cell_center
from tests.geojson_checks import assert_rfc7946_rings, clockwise_with_hole, ring_orientations

pytestmark = pytest.mark.django_db


def test_me_full_body(api, deputy, station, mandate, assigned, cells_3x3, monkeypatch):
    today = dt.date(2026, 11, 16)
    monkeypatch.setattr("mobile_api.apis.me.timezone.localdate", lambda: today)
    lon, lat = cell_center(cells_3x3[4])
    recorded = timezone.make_aware(dt.datetime(2026, 11, 10, 10, 0))
    visits_ingest(
        rows=[
            {
                "deputy_id": deputy.id,
                "client_uuid": u,
                "kind": "household",
                "lon": lon,
                "lat": lat,
                "accuracy_m": 5.0,
                "recorded_at": recorded + dt.timedelta(hours=i),
                "households": h,
                "household_ref": ref,
                "notes": "",
                "mock_location": False,
            }
            for i, (u, h, ref) in enumerate(
                [
                    (uuid.uuid4(), 1, "A"),
                    (uuid.uuid4(), 1, "A"),
                    (uuid.uuid4(), 1, "B"),
                    (uuid.uuid4(), 3, ""),
                ]
            )
        ],
        received_at=recorded + dt.timedelta(hours=5),
    )
    body = api.get("me").json()
    assert body["user"] == {"id": deputy.user.id, "username": "deputy1"}
    assert body["deputy"] == {
        "id": deputy.id,
        "name": "张三",
        "adcode": "430121",
        "county_adcode": "430121",
    }
    assert body["mandates"] == [
        {
            "level": "county",
            "status": "current",
            "term_number": 18,
            "term_start": "2021-10-01",
            "term_end": "2026-12-31",
            "congress": {"adcode": "430121", "name": "长沙县"},
            "district": {"adcode": "430121", "name": "长沙县"},
        }
    ]
    assert body["stations"] == [
        {
            "id": station.id,
            "name": "城关联络站",
            "kind": "station",
            "address": "",
            "location": {"type": "Point", "coordinates": [113.005, 28.005]},
            "geofence_radius_m": 200,
            "duty_rule": {
                "kind": "day_digit",
                "digit": 6,
                "nth": None,
                "weekday": None,
                "weekdays": [],
                "month_day": None,
                "dates": [],
                "opens_at": "09:00",
                "closes_at": "17:00",
                "holiday_policy": "held",
                "deputies_per_day": None,
                "text": "每月逢6日（6, 16, 26日）",
            },
            "on_duty_today": True,
            "next_duty_date": "2026-11-16",
            "role": "member",
        }
    ]
    assert body["today"] == {
        "date": "2026-11-16",
        "on_duty_at": [{"station_id": station.id, "station_name": "城关联络站"}],
    }
    duty = body["duty"]
    assert (duty["year"], duty["present"], duty["open"]) == (2026, 0, 1)  # today, no check-in
    assert duty["upcoming"][:3] == [
        {
            "date": d,
            "station_id": station.id,
            "station_name": "城关联络站",
            "opens_at": "09:00",
            "closes_at": "17:00",
        }
        for d in ("2026-11-16", "2026-11-26", "2026-12-06")
    ]
    # Distinct households: refs A and B, plus 3 households recorded without a reference.
    assert body["progress"] == {
        "year": 2026,
        "households_visited": 5,
        "households_pending": 0,
        "households_target": 50,
        "target_reached": False,
        "visits": 4,
        "visits_verified": 4,
        "visits_pending": 0,
        "checkins": 0,
        "checkins_pending": 0,
        "checkins_outside": 0,
        "opinions": 0,
    }


def test_me_progress_counts_verified_only(api, deputy, station, assigned, cells_3x3):
    """Flagged visits are pending (待核实), outside check-ins are no attendance."""
    lon, lat = cell_center(cells_3x3[4])
    now = timezone.now()

    def row(ref, at, **extra):
        return {
            "deputy_id": deputy.id,
            "client_uuid": uuid.uuid4(),
            "kind": "household",
            "lon": lon,
            "lat": lat,
            "accuracy_m": 5.0,
            "recorded_at": at,
            "households": 1,
            "household_ref": ref,
            "notes": "",
            "mock_location": False,
            **extra,
        }

    start = timezone.localtime(now).replace(month=1, day=1, hour=9, minute=0)
    results = visits_ingest(
        rows=[
            row("A", start + dt.timedelta(hours=1)),
            row("B", start + dt.timedelta(hours=2)),
            row("C", start + dt.timedelta(hours=3), mock_location=True),
            # the same household A again, mocked: A stays verified, nothing pending from it
            row("A", start + dt.timedelta(hours=4), mock_location=True),
        ],
        received_at=start + dt.timedelta(hours=5),
    )
    assert [r.flags for r in results] == [(), (), ("mock_location",), ("mock_location",)]
    for i, (lon_, lat_) in enumerate([(113.005, 28.006), (113.005, 28.03)]):
        response = api.post(
            "checkins",
            {
                "client_uuid": str(uuid.uuid4()),
                "station_id": station.id,
                "location": {"type": "Point", "coordinates": [lon_, lat_]},
                "accuracy_m": 10.0,
                "recorded_at": (now - dt.timedelta(minutes=30 - i)).isoformat(),
            },
        )
        assert response.status_code == 201
    progress = api.get("me").json()["progress"]
    assert progress == {
        "year": timezone.localdate().year,
        "households_visited": 2,
        "households_pending": 1,
        "households_target": 50,
        "target_reached": False,
        "visits": 4,
        "visits_verified": 2,
        "visits_pending": 2,
        "checkins": 1,
        "checkins_pending": 0,
        "checkins_outside": 1,
        "opinions": 0,
    }


def test_my_cells_feature_collection(api, deputy, mandate, cells_3x3, assigned, county):
    mandate.district_cells.add(cells_3x3[0])
    other_cell_visit = cells_3x3[0]
    lon, lat = cell_center(other_cell_visit)
    visits_ingest(
        rows=[
            {
                "deputy_id": deputy.id,
                "client_uuid": uuid.uuid4(),
                "kind": "household",
                "lon": lon,
                "lat": lat,
                "accuracy_m": 5.0,
                "recorded_at": timezone.now() - dt.timedelta(days=120),
                "households": 1,
                "household_ref": "",
                "notes": "",
                "mock_location": False,
            }
        ],
        received_at=timezone.now(),
    )
    response = api.get("me/cells")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    by_code = {f["properties"]["code"]: f for f in body["features"]}
    assert set(by_code) == {cells_3x3[0].code, cells_3x3[4].code}
    centre = by_code[cells_3x3[4].code]
    assert centre["geometry"] == {
        "type": "MultiPolygon",
        "coordinates": [
            [[[113.01, 28.01], [113.02, 28.01], [113.02, 28.02], [113.01, 28.02], [113.01, 28.01]]]
        ],
    }
    assert centre["properties"]["state"] == "never" and centre["properties"]["assigned"] is True
    corner = by_code[cells_3x3[0].code]["properties"]
    assert corner["state"] == "stale" and corner["assigned"] is False
    assert corner["last_visit_at"] == corner["my_last_visit_at"] is not None
    assert (
        api.get("me/cells", {"days": 365}).json()["features"][0]["properties"]["state"] == "covered"
    )
    assert api.get("me/cells", {"days": "0"}).status_code == 400


def test_nearby_stations_sorted_by_geodesic_distance(api, county, station):
    near = StationFactory(region=county, name="近站", location=Point(113.0, 28.0005, srid=4326))
    far = StationFactory(region=county, name="远站", location=Point(113.03, 28.0, srid=4326))
    StationFactory(region=county, name="太远", location=Point(113.5, 28.0, srid=4326))
    body = api.get("stations/nearby", {"lon": "113.0", "lat": "28.0", "radius_m": "5000"}).json()
    assert [s["name"] for s in body["results"]] == ["近站", "城关联络站", "远站"]
    assert body["results"][0]["distance_m"] == pytest.approx(55.4, abs=0.5)
    assert body["results"][2]["distance_m"] == pytest.approx(2951, rel=0.01)
    assert body["results"][0]["location"] == {"type": "Point", "coordinates": [113.0, 28.0005]}
    assert near.id != far.id


def test_nearby_stations_accepts_gcj02(api, county):
    from gis_data.crs import wgs84_to_gcj02

    StationFactory(region=county, name="站", location=Point(113.0, 28.0, srid=4326))
    lon, lat = wgs84_to_gcj02(113.0, 28.0)
    body = api.get(
        "stations/nearby", {"lon": str(lon), "lat": str(lat), "radius_m": "50", "crs": "gcj02"}
    ).json()
    assert [s["name"] for s in body["results"]] == ["站"]
    assert body["results"][0]["distance_m"] < 0.1
    assert (
        api.get("stations/nearby", {"lon": str(lon), "lat": str(lat), "radius_m": "50"}).json()[
            "results"
        ]
        == []
    )


def test_nearby_query_uses_the_geography_gist_index(county, station):
    stations_nearby(lon=113.0, lat=28.0, radius_m=1000)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        from backend.liaison.selectors import _NEARBY_SQL

        cursor.execute("EXPLAIN " + _NEARBY_SQL, [113.0, 28.0, 1000.0, 50])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "station_location_geog" in plan


def test_assignment_factory_consistent(deputy, cells_3x3):
    assignment = GridAssignmentFactory(deputy=deputy, cell=cells_3x3[1])
    assert assignment.county_adcode == "430121"


def test_my_cells_rings_are_counter_clockwise(api, deputy, cells_3x3, assigned):
    """RFC 7946 ring order in me/cells whatever order the cell was imported with."""
    wrong = clockwise_with_hole(assigned.cell.boundary)
    GridCell.objects.filter(pk=assigned.cell_id).update(boundary=wrong, display_boundary=wrong)
    response = api.get("me/cells")
    assert response["Content-Type"] == "application/geo+json"
    features = {f["id"]: f for f in response.json()["features"]}
    assert ring_orientations(features[assigned.cell_id]["geometry"]) == [
        ("exterior", True),
        ("hole", False),
    ]
    for feature in features.values():
        assert_rfc7946_rings(feature["geometry"])
