"""Attendance from check-ins: the geofence edge, outside the hours, a non-duty day, a membership
that ended, today's open day; the station's month over the map API and the deputy's year in
`me`; a fixed number of queries."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import Role
from backend.reporting.attendance import deputy_attendance, station_attendance
from backend.visits.services import checkin_record
from tests.factories import (
    DeputyFactory,
    RegionFactory,
    StationFactory,
    StationMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LON, LAT = 113.005, 28.005  # the station; 逢六, 09:00-17:00, geofence 200 m
INSIDE_LAT = LAT + 0.00178  # ~197 m north: inside with 5 m accuracy (197 - 5 <= 200)
OUTSIDE_LAT = LAT + 0.0019  # ~210 m north: outside (210 - 5 > 200)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 11, day, hour, minute))


def check_in(deputy, station, when, lat=INSIDE_LAT):
    result = checkin_record(
        deputy=deputy,
        station=station,
        client_uuid=uuid.uuid4(),
        lon=LON,
        lat=lat,
        accuracy_m=5.0,
        recorded_at=when,
        received_at=when + dt.timedelta(minutes=1),
    )
    return result


@pytest.fixture
def duty_scene():
    county = RegionFactory(adcode="430121", name="长沙县")
    station = StationFactory(region=county, name="星沙联络站")
    since = dt.date(2026, 1, 1)
    d1, d2, d3 = (DeputyFactory(region=county, name=n) for n in ("甲代表", "乙代表", "丙代表"))
    for deputy in (d1, d2):
        StationMembershipFactory(deputy=deputy, station=station, since=since)
    StationMembershipFactory(deputy=d3, station=station, since=since, until=dt.date(2026, 11, 10))
    inside = check_in(d1, station, at(6, 10))  # present
    assert inside.inside_geofence is True
    check_in(d1, station, at(15, 10))  # not a duty day: counts for nothing
    check_in(d1, station, at(16, 18, 30))  # after 17:00: absent
    outside = check_in(d2, station, at(6, 10), lat=OUTSIDE_LAT)  # outside the fence: absent
    assert outside.inside_geofence is False
    check_in(d2, station, at(16, 16, 59))  # present
    return county, station, (d1, d2, d3)


def test_station_month_from_check_ins(duty_scene, django_assert_num_queries):
    county, station, (d1, d2, d3) = duty_scene
    staff = jurisdiction_of(UserFactory(role=Role.STAFF, jurisdiction=county))
    with django_assert_num_queries(8):  # station, memberships, rules, rota changes, calendar,
        # approved leave, check-ins, names
        month = station_attendance(
            jurisdiction=staff,
            station_id=station.id,
            month=dt.date(2026, 11, 1),
            today=dt.date(2026, 11, 20),
        )
    assert month == {
        "station": {"id": station.id, "name": "星沙联络站"},
        "month": "2026-11",
        "days": ["2026-11-06", "2026-11-16", "2026-11-26"],
        "scheduled": 7,
        "present": 2,
        "excused": 0,
        "absent": 3,
        "open": 0,
        "ahead": 2,
        "rate": 0.4,
        "deputies": [  # by name
            {
                "id": d3.id,
                "name": "丙代表",
                "scheduled": 1,
                "present": 0,
                "excused": 0,
                "absent": 1,
                "open": 0,
                "ahead": 0,
                "rate": 0.0,
                "statuses": {"2026-11-06": "absent"},
            },
            {
                "id": d2.id,
                "name": "乙代表",
                "scheduled": 3,
                "present": 1,
                "excused": 0,
                "absent": 1,
                "open": 0,
                "ahead": 1,
                "rate": 0.5,
                "statuses": {
                    "2026-11-06": "absent",
                    "2026-11-16": "present",
                    "2026-11-26": "upcoming",
                },
            },
            {
                "id": d1.id,
                "name": "甲代表",
                "scheduled": 3,
                "present": 1,
                "excused": 0,
                "absent": 1,
                "open": 0,
                "ahead": 1,
                "rate": 0.5,
                "statuses": {
                    "2026-11-06": "present",
                    "2026-11-16": "absent",
                    "2026-11-26": "upcoming",
                },
            },
        ],
    }


def test_today_without_a_check_in_is_open_not_absent(duty_scene):
    county, station, (d1, d2, _d3) = duty_scene
    staff = jurisdiction_of(UserFactory(role=Role.STAFF, jurisdiction=county))
    month = station_attendance(
        jurisdiction=staff,
        station_id=station.id,
        month=dt.date(2026, 11, 30),
        today=dt.date(2026, 11, 16),
    )
    statuses = {
        row["id"]: row["statuses"]["2026-11-16"] for row in month["deputies"] if row["id"] != _d3.id
    }
    assert statuses == {d1.id: "open", d2.id: "present"}


def test_deputy_year_and_next_five(duty_scene):
    _county, station, (d1, _d2, _d3) = duty_scene
    year = deputy_attendance(deputy=d1, year=2026, today=dt.date(2026, 11, 20))
    # 36 days ending in 6 in 2026; 32 before Nov 20, one of them attended.
    assert {
        k: year[k] for k in ("year", "scheduled", "present", "excused", "absent", "open", "rate")
    } == {
        "year": 2026,
        "scheduled": 36,
        "present": 1,
        "excused": 0,
        "absent": 31,
        "open": 0,
        "rate": round(1 / 32, 3),
    }
    assert [u["date"] for u in year["upcoming"]] == [
        dt.date(2026, 11, 26),
        dt.date(2026, 12, 6),
        dt.date(2026, 12, 16),
        dt.date(2026, 12, 26),
        dt.date(2027, 1, 6),
    ]
    assert year["upcoming"][0] == {
        "date": dt.date(2026, 11, 26),
        "station_id": station.id,
        "station_name": "星沙联络站",
        "opens_at": "09:00",
        "closes_at": "17:00",
    }


def test_other_county_reads_nothing(duty_scene):
    _county, station, _ = duty_scene
    heshan = RegionFactory(adcode="440784", name="鹤山市")
    other = jurisdiction_of(UserFactory(role=Role.LEADER, jurisdiction=heshan))
    from backend.core.errors import NotFound

    with pytest.raises(NotFound):
        station_attendance(jurisdiction=other, station_id=station.id, month=dt.date(2026, 11, 1))


def test_attendance_over_the_map_api(client, duty_scene):
    county, station, (d1, _d2, _d3) = duty_scene
    client.force_login(UserFactory(role=Role.LEADER, jurisdiction=county))
    url = f"/api/map/v1/stations/{station.id}/attendance"
    body = client.get(url, {"month": "2026-11"}).json()
    assert body["month"] == "2026-11" and body["days"] == ["2026-11-06", "2026-11-16", "2026-11-26"]
    assert (body["present"], body["scheduled"]) == (2, 7)  # every day of November is over now
    row = next(r for r in body["deputies"] if r["id"] == d1.id)
    assert row["statuses"] == {
        "2026-11-06": "present",
        "2026-11-16": "absent",
        "2026-11-26": "absent",
    }
    for bad in ("2026-13", "11-2026", "x" * 300, "2026-11-01"):
        response = client.get(url, {"month": bad})
        assert response.status_code == 400 and response.json()["code"] == "map.invalid_month"
