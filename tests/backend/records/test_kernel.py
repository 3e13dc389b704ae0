"""The field-record kernel (backend.records): one content hash, one point-in-cell rule, one
record-or-replay, one set of shared columns; visits, check-ins and opinions keep their stored
hashes, constraints and indexes."""

import datetime as dt
import uuid

import pytest
from django.contrib.gis.geos import Point
from django.db import IntegrityError

from backend.core.errors import DomainError
from backend.opinions.models import Opinion
from backend.opinions.services import _content_hash
from backend.records.services import (
    CREATED,
    DUPLICATE,
    cell_at,
    content_hash,
    record_or_replay,
)
from backend.visits.models import CheckIn, Visit
from backend.visits.services import checkin_content_hash, visit_content_hash
from tests.factories import DeputyFactory, GridCellFactory

AT = dt.datetime(2026, 3, 6, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_hashes_are_those_stored_before_the_kernel():
    """A phone retrying a record stored before the kernel must still get `duplicate`: the
    hexdigests below were computed by the per-app functions the kernel replaced."""
    visit = visit_content_hash(
        {
            "kind": "household",
            "lon": 113.0123456,
            "lat": 28.1,
            "accuracy_m": 8,
            "recorded_at": AT,
            "households": 2,
            "household_ref": "abc",
            "notes": "门口",
            "mock_location": False,
        }
    )
    checkin = checkin_content_hash(
        station_id=7, lon=113.0, lat=28.0, accuracy_m=None, recorded_at=AT, mock_location=True
    )
    opinion = _content_hash(
        category="roads",
        text="路灯",
        recorded_at=AT.astimezone(dt.UTC).isoformat(),
        lon="113.0000000",
        lat="",
        visit="",
        consent=True,
        contact="13900000000",
    )
    assert visit == "6017751306cf1c18c85ef42265c11bd73764780ee476fd3cebf2ee8fe8b83e30"
    assert checkin == "ddbdce4d026fb0b658f734060aad8bb25f2e3bbba2cbbf0e43817bde0b7526b9"
    assert opinion == "67a8c218d41d0f9fbde2508ca6873bf01cc48f7df5934afd71761c68aea5a5f1"
    assert content_hash("a", "b") != content_hash("ab") != content_hash("a\x1fb", "")


def test_shared_columns_keep_their_constraint_and_index_names():
    def names(model):
        meta = model._meta
        return {c.name for c in meta.constraints} | {i.name for i in meta.indexes}

    assert names(Visit) == {
        "visit_unique_client_uuid",
        "visit_cell_time_households",
        "visit_deputy_time",
        "visit_county_time",
    }
    assert names(CheckIn) == {
        "checkin_unique_client_uuid",
        "checkin_distance_positive",
        "checkin_deputy_time",
        "checkin_county_time",
    }
    assert names(Opinion) == {
        "opinion_unique_client_uuid",
        "opinion_contact_needs_consent",
        "opinion_rating_range",
        "opinion_deputy_or_station",  # added with the citizens' intake (opinions 0004)
        "opinion_not_own_duplicate",  # duplicate linking (opinions 0006)
        "opinion_county_time",
        "opinion_adcode_prefix",
    }
    assert Opinion._meta.get_field("location").null
    assert not CheckIn._meta.get_field("adcode").blank
    assert Visit._meta.get_field("adcode").blank
    assert [m._meta.ordering for m in (Visit, CheckIn, Opinion)] == [["-recorded_at"]] * 3


@pytest.mark.django_db
def test_cell_at_takes_the_lowest_id_on_a_shared_edge(county):
    west = GridCellFactory(region=county, col=0, row=0)
    east = GridCellFactory(region=county, col=1, row=0)
    assert west.id < east.id
    edge = Point(113.01, 28.005, srid=4326)  # on the shared edge (x = origin + 0.01)
    assert cell_at(edge).id == west.id
    assert cell_at(Point(113.015, 28.005, srid=4326)).id == east.id
    assert cell_at(Point(100.0, 20.0, srid=4326)) is None
    assert cell_at(None) is None


def _opinion_insert(deputy, key, hash_, **extra):
    def insert():
        return Opinion.objects.create(
            deputy=deputy,
            client_uuid=key,
            content_hash=hash_,
            category="roads",
            text="路灯",
            recorded_at=AT,
            **extra,
        )

    return insert


@pytest.mark.django_db
@pytest.mark.parametrize("replay_first", [False, True])
def test_record_or_replay(county, replay_first):
    deputy = DeputyFactory(region=county)
    key = uuid.uuid4()

    def run(hash_, **extra):
        return record_or_replay(
            model=Opinion,
            deputy_id=deputy.id,
            client_uuid=key,
            content_hash=hash_,
            insert=_opinion_insert(deputy, key, hash_, **extra),
            replay=lambda stored, status: (status, stored.id),
            conflict="opinion.conflict",
            conflict_message="taken",
            replay_first=replay_first,
        )

    first = run("h1")
    assert isinstance(first, Opinion) and first.content_hash == "h1"
    assert run("h1") == (DUPLICATE, first.id)  # the ORM insert's unique violation, or the look-up
    with pytest.raises(DomainError) as conflict:
        run("h2")
    assert (conflict.value.code, conflict.value.status) == ("opinion.conflict", 409)
    assert conflict.value.details == {"id": first.id}
    assert Opinion.objects.filter(deputy=deputy).count() == 1
    assert CREATED == "created"


@pytest.mark.django_db
def test_record_or_replay_reraises_other_integrity_errors(county):
    deputy = DeputyFactory(region=county)
    key = uuid.uuid4()
    with pytest.raises(IntegrityError):  # a contact without consent: not a replay
        record_or_replay(
            model=Opinion,
            deputy_id=deputy.id,
            client_uuid=key,
            content_hash="h",
            insert=_opinion_insert(deputy, key, "h", citizen_contact="13900000000"),
            replay=lambda stored, status: status,
            conflict="opinion.conflict",
        )
    assert not Opinion.objects.exists()
