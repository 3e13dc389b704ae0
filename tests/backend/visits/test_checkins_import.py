"""checkins_import stores what checkin_record stores, set-based: the same distance, geofence
judgement, flags, adcodes and content hash; keys already stored are skipped."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from backend.visits.models import CheckIn
from backend.visits.services import CheckInRow, checkin_record, checkins_import
from tests.factories import DeputyFactory, RegionFactory, StationFactory

pytestmark = pytest.mark.django_db

LON, LAT = 113.005, 28.005
FIELDS = ("distance_m", "inside_geofence", "flags", "adcode", "county_adcode", "content_hash")


def test_import_matches_one_by_one_and_reruns_add_nothing():
    county = RegionFactory(adcode="430121", name="长沙县")
    station = StationFactory(region=county)  # at LON, LAT, fence 200 m
    deputy, twin = DeputyFactory(region=county), DeputyFactory(region=county)
    when = timezone.make_aware(dt.datetime(2026, 11, 6, 10))
    fixes = [
        # (lat, accuracy, received after): inside; outside; saved by a poor fix; stale; future
        (LAT + 0.00178, 5.0, dt.timedelta(minutes=2)),
        (LAT + 0.0025, 5.0, dt.timedelta(minutes=2)),
        (LAT + 0.0025, 150.0, dt.timedelta(minutes=2)),
        (LAT, None, dt.timedelta(days=40)),
        (LAT, 8.0, -dt.timedelta(hours=1)),
    ]
    rows = []
    for n, (lat, accuracy, delay) in enumerate(fixes):
        at = when + dt.timedelta(minutes=n)
        key = uuid.UUID(int=n + 1)
        checkin_record(
            deputy=deputy,
            station=station,
            client_uuid=key,
            lon=LON,
            lat=lat,
            accuracy_m=accuracy,
            recorded_at=at,
            received_at=at + delay,
        )
        rows.append(CheckInRow(twin.id, station.id, key, LON, lat, accuracy, at, at + delay))
    assert checkins_import(rows=rows) == len(fixes)
    assert checkins_import(rows=rows) == 0
    one = list(CheckIn.objects.filter(deputy=deputy).order_by("client_uuid").values(*FIELDS))
    many = list(CheckIn.objects.filter(deputy=twin).order_by("client_uuid").values(*FIELDS))
    assert many == one
    assert [r["inside_geofence"] for r in one] == [True, False, True, True, True]
    assert [sorted(r["flags"]) for r in one] == [
        [],
        ["outside_geofence"],
        ["low_accuracy"],
        ["low_accuracy", "stale"],
        ["future"],
    ]
