"""deputy_year_progress: only verified visits count toward the 50 households; flagged ones are
pending (待核实); check-ins count as attendance only inside the geofence and unflagged."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from backend.reporting.selectors import deputy_year_progress
from backend.visits.selectors import UNVERIFIED_VISIT_FLAGS
from backend.visits.services import checkin_record, visits_ingest

pytestmark = pytest.mark.django_db

YEAR = 2026
NOON = timezone.make_aware(dt.datetime(YEAR, 6, 1, 12, 0))


def test_each_pending_flag_keeps_a_visit_out_of_the_target(make_row, assigned, deputy):
    """One verified household, then one household per pending flag (built to carry exactly it)."""
    lat = make_row()["lat"]
    rows = [
        make_row(recorded_at=NOON, household_ref="ok"),
        make_row(recorded_at=NOON + dt.timedelta(hours=1), household_ref="m", mock_location=True),
        # 0.1 degree (~11 km) north an hour later: plausible speed, but in no cell
        make_row(recorded_at=NOON + dt.timedelta(hours=2), household_ref="f", lat=lat + 0.1),
        make_row(recorded_at=NOON + dt.timedelta(hours=2, minutes=1), household_ref="back"),
        make_row(recorded_at=NOON + dt.timedelta(days=2), household_ref="future"),
    ]
    results = visits_ingest(rows=rows, received_at=NOON + dt.timedelta(hours=3))
    assert "mock_location" in results[1].flags
    assert "too_fast" in results[3].flags  # back 11 km in one minute
    assert "future" in results[4].flags
    stale = visits_ingest(
        rows=[make_row(recorded_at=NOON - dt.timedelta(days=40), household_ref="stale")],
        received_at=NOON,
    )
    assert stale[0].flags == ("stale",)
    # Four more at one spot within a minute (households r0..r3): the 4th is clustered.
    at = NOON + dt.timedelta(days=10)
    clustered = visits_ingest(
        rows=[
            make_row(recorded_at=at + dt.timedelta(seconds=i), household_ref=f"r{i}")
            for i in range(4)
        ],
        received_at=at + dt.timedelta(hours=1),
    )
    assert [r.flags for r in clustered] == [(), (), (), ("clustered",)]
    pending_seen = {f for r in [*results, *stale, *clustered] for f in r.flags}
    assert pending_seen >= set(UNVERIFIED_VISIT_FLAGS)
    progress = deputy_year_progress(deputy=deputy, year=YEAR)
    # "f" lies in no cell: outside_assigned_cells and no_cell do not make a visit pending.
    assert set(results[2].flags) == {"no_cell", "outside_assigned_cells"}
    verified = {
        r.client_uuid
        for r in [*results, *stale, *clustered]
        if not set(r.flags) & set(UNVERIFIED_VISIT_FLAGS)
    }
    assert progress["visits"] == 10
    assert progress["visits_verified"] == len(verified)
    assert progress["visits_pending"] == 10 - len(verified)
    assert progress["households_visited"] + progress["households_pending"] == 10
    assert progress["households_pending"] == 5  # m, back, future, stale, r3
    assert progress["households_visited"] == 5  # ok, f, r0, r1, r2


def test_households_pending_leaves_out_households_also_verified(make_row, assigned, deputy):
    visits_ingest(
        rows=[
            make_row(recorded_at=NOON, household_ref="A"),
            make_row(
                recorded_at=NOON + dt.timedelta(hours=1), household_ref="A", mock_location=True
            ),
            make_row(
                recorded_at=NOON + dt.timedelta(hours=2),
                household_ref="",
                households=3,
                mock_location=True,
            ),
        ],
        received_at=NOON + dt.timedelta(hours=3),
    )
    progress = deputy_year_progress(deputy=deputy, year=YEAR)
    assert (progress["households_visited"], progress["households_pending"]) == (1, 3)
    assert (progress["visits"], progress["visits_verified"], progress["visits_pending"]) == (
        3,
        1,
        2,
    )


def test_checkins_count_inside_the_geofence_and_unflagged(deputy, station):
    # The factory station stands at (113.005, 28.005) with a 200 m fence.
    def check_in(lat, **extra):
        return checkin_record(
            deputy=deputy,
            station=station,
            client_uuid=uuid.uuid4(),
            lon=113.005,
            lat=lat,
            accuracy_m=10.0,
            recorded_at=NOON,
            received_at=NOON + dt.timedelta(minutes=1),
            **extra,
        )

    assert check_in(28.0055).inside_geofence is True
    assert check_in(28.0056, mock_location=True).flags == ("mock_location",)
    assert check_in(28.02).inside_geofence is False
    assert check_in(28.03).inside_geofence is False
    progress = deputy_year_progress(deputy=deputy, year=YEAR)
    assert (progress["checkins"], progress["checkins_pending"], progress["checkins_outside"]) == (
        1,
        1,
        2,
    )
