"""Station health on a fixture with known answers (November 2026, 逢六进站: the 6th, 16th and
26th), the league table with an inactive station flagged, and its query budget."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.accounts.access import jurisdiction_of
from backend.opinions.models import Opinion
from backend.opinions.services import opinion_create, opinion_transition
from backend.stationlife.health import station_health, station_league
from backend.stationlife.models import StationRegisters
from backend.visits.services.checkins import checkin_record
from tests.factories import DeputyFactory, StationFactory, StationMembershipFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
START, END, TODAY = dt.date(2026, 11, 1), dt.date(2026, 11, 30), dt.date(2026, 12, 2)


def at(day, hour, minute=0):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def members(station, township, n, prefix):
    deputies = [DeputyFactory(region=township, name=f"{prefix}{i}") for i in range(n)]
    for d in deputies:
        StationMembershipFactory(deputy=d, station=station, since=dt.date(2026, 1, 1))
    return deputies


@pytest.fixture
def health_world(place):
    station = place["station"]  # 逢六, 09:00–17:00, at (113.005, 28.005)
    station.six_haves = {**station.six_haves, "sign": True, "premises": True}
    station.save(update_fields=["six_haves"])
    StationRegisters.objects.create(station=station, kept={"duty_form": True})
    township = place["township"]
    # the fixture's four deputies (three with accounts) + one more: five open members
    deputies = [*place["deputies"], place["no_account"], *members(station, township, 1, "新")]
    # deputy 0 checks in on the 6th and the 16th inside hours; once on the 26th after hours
    for day, hour in ((6, 10), (16, 9), (26, 18)):
        checkin_record(
            deputy=deputies[0],
            station=station,
            client_uuid=uuid.uuid4(),
            lon=113.005,
            lat=28.005,
            accuracy_m=8.0,
            recorded_at=at(day, hour),
            received_at=at(day, hour),
        )
    staff = jurisdiction_of(place["staff"])

    def opinion(deputy, day):
        return opinion_create(
            deputy=deputy,
            client_uuid=uuid.uuid4(),
            category="roads",
            text="路灯不亮",
            recorded_at=at(day, 9),
            received_at=at(day, 9),
        ).opinion

    first, second, third = (
        opinion(deputies[1], 3),
        opinion(deputies[2], 10),
        opinion(deputies[2], 12),
    )
    opinion(deputies[1], 1).__class__.objects.filter(recorded_at=at(1, 9)).update(
        recorded_at=at(1, 9) - dt.timedelta(days=5)  # recorded in October: not in the period
    )
    opinion_transition(
        jurisdiction=staff,
        actor=place["staff"],
        opinion_id=first.id,
        action="forward",
        department=place["department"].id,
        at=at(3, 19),
    )
    opinion_transition(
        jurisdiction=staff,
        actor=place["staff"],
        opinion_id=second.id,
        action="forward",
        department=place["department"].id,
        at=at(11, 5),
    )
    opinion_transition(
        jurisdiction=staff,
        actor=place["staff"],
        opinion_id=third.id,
        action="solve",
        answer="当场解决",
        at=at(12, 14),
    )
    Opinion.objects.filter(id=first.id).update(rating=4)
    Opinion.objects.filter(id=third.id).update(rating=5)
    # a second station of the township: five deputies, none active → inactive
    idle = StationFactory(region=township, name="闲置联络点", address="某村")
    members(idle, township, 5, "闲")
    return {**place, "idle": idle}


def test_station_health_known_answers(health_world):
    got = station_health(
        jurisdiction=jurisdiction_of(health_world["leader"]),
        station_id=health_world["station"].id,
        start=START,
        end=END,
        today=TODAY,
    )
    assert got["station"]["address"] == "星沙大道1号" and got["station"]["kind"] == "station"
    assert got["duty_rule"] and got["next_duty_date"] == "2026-12-06"
    assert got["duty_days"] == {"scheduled": 3, "held": 2}
    # five deputies on three days: two present (the 26th's check-in is after hours)
    assert got["attendance"] == {
        "scheduled": 15,
        "present": 2,
        "excused": 0,
        "absent": 13,
        "open": 0,
        "ahead": 0,
        "rate": 0.133,
    }
    assert got["opinions"] == {
        "received": 3,
        "median_hours_to_forward": 15.0,  # 10 h and 20 h
        "median_hours_to_answer": 5.0,  # the one solved on the spot
        "rated": 2,
        "satisfaction": 4.5,
    }
    assert (got["deputies"], got["active_deputies"], got["inactive"]) == (5, 3, False)
    assert got["six_haves_met"] == 2 and got["six_haves"]["sign"] is True
    assert got["registers_kept"] == 1 and got["registers"]["duty_form"] is True


def test_league_ranks_and_flags_the_inactive_within_budget(health_world):
    leader = jurisdiction_of(health_world["leader"])

    def league():
        with CaptureQueriesContext(connection) as queries:
            got = station_league(jurisdiction=leader, start=START, end=END, today=TODAY)
        return got, len(queries)

    got, before = league()
    assert [(r["rank"], r["station"]["name"], r["inactive"]) for r in got["results"]] == [
        (1, "星沙联络站", False),
        (2, "闲置联络点", True),
    ]
    assert got["inactive"] == 1 and got["count"] == 2
    for n in range(3):
        extra = StationFactory(region=health_world["township"], name=f"新站{n}")
        members(extra, health_world["township"], 2, f"新站{n}代表")
    got, after = league()
    assert got["count"] == 5 and after == before
    assert station_league(jurisdiction=jurisdiction_of(health_world["staff_x"]))["count"] == 0
