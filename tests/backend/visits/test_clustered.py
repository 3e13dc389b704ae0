"""The `clustered` plausibility flag (padding): a deputy's 4th and later visits within 10 m and
10 minutes of each other are flagged, in the batch and against stored visits."""

import datetime as dt

import pytest

from backend.visits.models import Visit
from backend.visits.services import visits_ingest
from tests.factories import DeputyFactory

pytestmark = pytest.mark.django_db

# 1 m of latitude in degrees (the meridian arc at 28°N is ~110.8 km per degree).
ONE_M_LAT = 1 / 110_800


def test_twenty_visits_at_one_spot_in_one_second(make_row, assigned):
    at = make_row()["recorded_at"]
    rows = [make_row(recorded_at=at + dt.timedelta(milliseconds=i * 50)) for i in range(20)]
    results = visits_ingest(rows=rows)
    assert [r.status for r in results] == ["created"] * 20
    assert [r.flags for r in results] == [()] * 3 + [("clustered",)] * 17
    assert Visit.objects.filter(flags__contains=["clustered"]).count() == 17


def test_first_three_by_recorded_time_not_by_position(make_row, assigned):
    at = make_row()["recorded_at"]
    # Sent in reverse order: the three earliest fixes are the plausible ones.
    rows = [make_row(recorded_at=at + dt.timedelta(minutes=i)) for i in reversed(range(5))]
    results = visits_ingest(rows=rows)
    assert [r.flags for r in results] == [("clustered",)] * 2 + [()] * 3


@pytest.mark.parametrize(
    ("minutes_apart", "expected"),
    [
        # every 4 minutes: at most two others in the 10 minutes before each: none flagged
        (4, [(), (), (), (), ()]),
        # every 3 minutes: the 4th has three within 10 minutes (0, 3, 6 before 9)
        (3, [(), (), (), ("clustered",), ("clustered",)]),
        # 10 minutes apart is inside the window edge (inclusive): still at most one before each
        (10, [(), (), (), (), ()]),
    ],
)
def test_rate_at_one_spot(make_row, assigned, minutes_apart, expected):
    at = make_row()["recorded_at"]
    rows = [make_row(recorded_at=at + dt.timedelta(minutes=minutes_apart * i)) for i in range(5)]
    assert [r.flags for r in visits_ingest(rows=rows)] == expected


def test_radius_is_ten_metres(make_row, assigned):
    base = make_row()
    at, lat = base["recorded_at"], base["lat"]
    # Three at one point; a 4th 9 m away is clustered, a 5th 25 m away (15 m or more from every
    # other) is not.
    rows = [make_row(recorded_at=at, lat=lat) for _ in range(3)]
    rows.append(make_row(recorded_at=at + dt.timedelta(seconds=1), lat=lat + 9 * ONE_M_LAT))
    rows.append(make_row(recorded_at=at + dt.timedelta(seconds=2), lat=lat + 25 * ONE_M_LAT))
    assert [r.flags for r in visits_ingest(rows=rows)] == [(), (), (), ("clustered",), ()]


def test_stored_visits_count_on_either_side_in_time(make_row, assigned):
    at = make_row()["recorded_at"]
    visits_ingest(rows=[make_row(recorded_at=at + dt.timedelta(minutes=5 + i)) for i in range(3)])
    # A later upload of fixes taken just before the stored ones: already three at the spot.
    later = visits_ingest(rows=[make_row(recorded_at=at), make_row(recorded_at=at)])
    assert [r.flags for r in later] == [("clustered",), ("clustered",)]


def test_a_retried_record_is_not_counted_twice(make_row, assigned):
    at = make_row()["recorded_at"]
    first = [make_row(recorded_at=at), make_row(recorded_at=at + dt.timedelta(minutes=1))]
    visits_ingest(rows=first)
    # The phone re-sends both (lost answer) with one new visit: two at the spot before it, not 4.
    again = visits_ingest(rows=[*first, make_row(recorded_at=at + dt.timedelta(minutes=2))])
    assert [r.status for r in again] == ["duplicate", "duplicate", "created"]
    assert again[2].flags == ()
    assert Visit.objects.count() == 3


def test_other_deputies_at_the_same_spot_do_not_count(make_row, assigned, county):
    other = DeputyFactory(region=county)
    at = make_row()["recorded_at"]
    visits_ingest(rows=[make_row(deputy_id=other.id, recorded_at=at) for _ in range(5)])
    mine = visits_ingest(rows=[make_row(recorded_at=at) for _ in range(3)])
    assert [r.flags for r in mine] == [(), (), ()]
