"""The record and points of a deputy's year on a hand-built event set with known totals."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import Role
from backend.core import error_codes as codes
from backend.core.errors import DomainError, NotFound
from backend.opinions.services import opinion_create
from backend.performance import selectors, services
from backend.performance.access import access_deputy_record_by_id
from backend.performance.sources import SOURCES, event_source
from backend.reporting.selectors import deputy_year_progress
from backend.visits.services import checkin_record, visits_ingest
from tests.factories import DeputyFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

YEAR = 2026
NOON = timezone.make_aware(dt.datetime(YEAR, 6, 1, 12, 0))


def _by_item(record):
    return {r["item"]: (r["verified"], r["pending"], r["target"], r["met"]) for r in record}


@pytest.fixture
def world(make_row, assigned, deputy, station, staff_users, staff):
    """3 verified household visits (refs A, B, A), 1 mock-location one (C), 1 check-in inside
    the fence, 1 opinion, a verified speech and an entered (pending) suggestion."""
    visits_ingest(
        rows=[
            make_row(recorded_at=NOON, household_ref="A"),
            make_row(recorded_at=NOON + dt.timedelta(hours=1), household_ref="B"),
            make_row(recorded_at=NOON + dt.timedelta(hours=2), household_ref="A"),
            make_row(
                recorded_at=NOON + dt.timedelta(hours=3), household_ref="C", mock_location=True
            ),
        ],
        received_at=NOON + dt.timedelta(hours=4),
    )
    checkin_record(
        deputy=deputy,
        station=station,
        client_uuid=uuid.uuid4(),
        lon=station.location.x,
        lat=station.location.y,
        accuracy_m=10,
        recorded_at=NOON + dt.timedelta(days=1),
        received_at=NOON + dt.timedelta(days=1),
    )
    opinion_create(
        deputy=deputy,
        client_uuid=uuid.uuid4(),
        category="roads",
        text="路灯坏了",
        recorded_at=NOON + dt.timedelta(days=2),
        received_at=NOON + dt.timedelta(days=2),
    )
    fields = {"occurred_on": "2026-03-05", "description": "大会发言", "evidence": "会议纪要"}
    speech = services.entry_create(
        jurisdiction=staff,
        actor=staff_users[0],
        deputy_id=deputy.id,
        fields={**fields, "item": "speech"},
    )
    services.entry_transition(
        jurisdiction=jurisdiction_of(staff_users[1]),
        actor=staff_users[1],
        entry_id=speech.id,
        action="verify",
    )
    services.entry_create(
        jurisdiction=staff,
        actor=staff_users[0],
        deputy_id=deputy.id,
        fields={**fields, "item": "suggestion", "quantity": 2},
    )
    return deputy


def test_record_counts_verified_and_pending_against_the_12345_targets(world):
    data = selectors.deputy_record(deputy=world, year=YEAR)
    got = _by_item(data["record"])
    assert got["households"] == (2, 1, 50, False)
    assert got["visit"] == (3, 1, None, None)
    assert got["checkin"] == (1, 0, None, None)
    assert got["opinion"] == (1, 0, None, None)
    assert got["opinion_closed"] == (0, 0, None, None)
    assert got["speech"] == (1, 0, 1, True)
    assert got["suggestion"] == (0, 2, 2, False)
    assert got["welfare"] == (0, 0, 3, False)
    assert got["group_activity"] == (0, 0, 4, False)
    progress = deputy_year_progress(deputy=world, year=YEAR)
    assert (progress["households_visited"], progress["households_pending"]) == (2, 1)


def test_every_point_traces_to_its_event(world):
    points = selectors.deputy_record(deputy=world, year=YEAR)["points"]
    assert points["total"] == 3 * 1 + 2 + 2 + 10
    assert points["by_category"] == {"contact": 5, "duty": 2, "congress": 10}
    lines = points["lines"]
    assert [(x["source"], x["item"], x["points"]) for x in lines] == [
        ("entry", "speech", 10),
        ("visit", "visit", 1),
        ("visit", "visit", 1),
        ("visit", "visit", 1),
        ("checkin", "checkin", 2),
        ("opinion", "opinion", 2),
    ]
    assert all(x["rule"]["id"] is None for x in lines)  # the built-in defaults
    assert sum(x["points"] for x in lines) == points["total"]


def test_a_cap_per_period_limits_the_points(world, staff, staff_users):
    today = timezone.localdate()
    services.point_rule_add(
        jurisdiction=staff,
        actor=staff_users[0],
        county_adcode=world.county_adcode,
        fields={"item": "visit", "points": 1, "cap": 2, "effective_from": today.isoformat()},
    )
    # Today's rule does not reach June's visits: their default cap (50) still applies.
    lines = selectors.deputy_record(deputy=world, year=YEAR)["points"]["lines"]
    assert [x["points"] for x in lines if x["item"] == "visit"] == [1, 1, 1]
    versions = selectors.rule_versions(county_adcode=world.county_adcode)["visit"]
    terms = selectors.rule_in_force(versions, today)
    events = list(selectors.events_of([world.id], *selectors.year_span(YEAR)))
    moved = [
        type(e)(e.source, e.ref, e.deputy_id, e.item, today, e.quantity, e.verified)
        for e in events
        if e.item == "visit" and e.verified
    ]
    priced = selectors.point_lines(moved, {"visit": [terms]}, {})
    assert [(x["points"], x["capped"]) for x in priced] == [(1, False), (1, False), (0, True)]


def test_a_rule_change_from_a_date_leaves_earlier_totals_unchanged(world, staff, staff_users):
    before = selectors.deputy_record(deputy=world, year=YEAR)["points"]["total"]
    today = timezone.localdate()
    with pytest.raises(DomainError) as exc:
        services.point_rule_add(
            jurisdiction=staff,
            actor=staff_users[0],
            county_adcode=world.county_adcode,
            fields={"item": "speech", "points": 30, "effective_from": "2026-01-01"},
        )
    assert exc.value.code == codes.POINT_RULE_BACKDATED.code
    rule = services.point_rule_add(
        jurisdiction=staff,
        actor=staff_users[0],
        county_adcode=world.county_adcode,
        fields={"item": "speech", "points": 30, "effective_from": today.isoformat()},
    )
    assert selectors.deputy_record(deputy=world, year=YEAR)["points"]["total"] == before
    entry = services.entry_create(
        jurisdiction=staff,
        actor=staff_users[0],
        deputy_id=world.id,
        fields={
            "item": "speech",
            "occurred_on": today.isoformat(),
            "description": "今天的发言",
            "evidence": "视频",
        },
    )
    services.entry_transition(
        jurisdiction=jurisdiction_of(staff_users[1]),
        actor=staff_users[1],
        entry_id=entry.id,
        action="verify",
    )
    lines = selectors.deputy_record(deputy=world, year=YEAR)["points"]["lines"]
    speeches = [(x["day"], x["points"], x["rule"]["id"]) for x in lines if x["item"] == "speech"]
    assert speeches == [("2026-03-05", 10, None), (today.isoformat(), 30, rule.id)]


def test_entries_need_a_second_and_third_person(world, staff_users):
    entered, verifier, auditor = staff_users
    j = [jurisdiction_of(u) for u in staff_users]
    entry = services.entry_create(
        jurisdiction=j[0],
        actor=entered,
        deputy_id=world.id,
        fields={
            "item": "welfare",
            "occurred_on": "2026-04-01",
            "description": "义诊",
            "evidence": "照片 3 张",
        },
    )
    with pytest.raises(DomainError) as exc:
        services.entry_transition(
            jurisdiction=j[0], actor=entered, entry_id=entry.id, action="verify"
        )
    assert exc.value.code == codes.RECORD_SELF_REVIEW.code
    with pytest.raises(DomainError) as exc:
        services.entry_transition(
            jurisdiction=j[1], actor=verifier, entry_id=entry.id, action="audit"
        )
    assert exc.value.code == codes.RECORD_INVALID_TRANSITION.code
    services.entry_transition(jurisdiction=j[1], actor=verifier, entry_id=entry.id, action="verify")
    with pytest.raises(DomainError) as exc:
        services.entry_transition(
            jurisdiction=j[1], actor=verifier, entry_id=entry.id, action="audit"
        )
    assert exc.value.code == codes.RECORD_SELF_REVIEW.code
    services.entry_transition(
        jurisdiction=j[2], actor=auditor, entry_id=entry.id, action="audit", note="已审"
    )
    row = selectors.entry_list(jurisdiction=j[2], status="audited")[0]
    assert [(h["from_status"], h["to_status"], h["by"]) for h in row["history"]] == [
        ("", "entered", entered.username),
        ("entered", "verified", verifier.username),
        ("verified", "audited", auditor.username),
    ]
    got = _by_item(selectors.deputy_record(deputy=world, year=YEAR)["record"])
    assert got["welfare"] == (1, 0, 3, False)


def test_a_leader_may_read_but_not_enter(world, county):
    leader = jurisdiction_of(UserFactory(role=Role.LEADER, jurisdiction=county))
    assert access_deputy_record_by_id(jurisdiction=leader, deputy_id=world.id) == world
    with pytest.raises(DomainError) as exc:
        services.entry_create(
            jurisdiction=leader,
            actor=None,
            deputy_id=world.id,
            fields={
                "item": "speech",
                "occurred_on": "2026-01-02",
                "description": "x",
                "evidence": "y",
            },
        )
    assert exc.value.code == codes.RECORD_NOT_ALLOWED.code


def test_a_contested_line_and_its_history(world, staff_users):
    lines = selectors.deputy_record(deputy=world, year=YEAR)["points"]["lines"]
    checkin = next(x for x in lines if x["item"] == "checkin")
    fields = {
        "source": "checkin",
        "ref": checkin["ref"],
        "item": "checkin",
        "reason": "那天值班两次",
    }
    dispute = services.dispute_open(deputy=world, actor=world.user, year=YEAR, fields=fields)
    with pytest.raises(DomainError) as exc:
        services.dispute_open(deputy=world, actor=world.user, year=YEAR, fields=fields)
    assert exc.value.code == codes.POINT_DISPUTE_OPEN.code
    with pytest.raises(NotFound):
        services.dispute_open(
            deputy=world, actor=world.user, year=YEAR, fields={**fields, "ref": checkin["ref"] + 99}
        )
    staff = jurisdiction_of(staff_users[1])
    services.dispute_resolve(
        jurisdiction=staff,
        actor=staff_users[1],
        dispute_id=dispute.id,
        outcome="upheld",
        note="核实：两次值班",
        adjusted_points=4,
    )
    with pytest.raises(DomainError) as exc:
        services.dispute_resolve(
            jurisdiction=staff,
            actor=staff_users[1],
            dispute_id=dispute.id,
            outcome="rejected",
            note="x",
        )
    assert exc.value.code == codes.POINT_DISPUTE_CLOSED.code
    points = selectors.deputy_record(deputy=world, year=YEAR)["points"]
    line = next(x for x in points["lines"] if x["item"] == "checkin")
    assert (line["points"], line["dispute"]["status"]) == (4, "upheld")
    assert points["total"] == 17 + 2
    [row] = selectors.dispute_list(jurisdiction=world_own(world))
    assert [(h["from_status"], h["to_status"], h["note"]) for h in row["history"]] == [
        ("", "open", "那天值班两次"),
        ("open", "upheld", "核实：两次值班"),
    ]


def world_own(deputy):
    return jurisdiction_of(deputy.user).own_records()


def test_league_ranks_by_points_and_stays_in_its_county(world, county):
    other = DeputyFactory(region=county, name="甲代表")
    league = selectors.record_league(
        jurisdiction=jurisdiction_of(UserFactory(role=Role.LEADER, jurisdiction=county)), year=YEAR
    )
    assert [(r["rank"], r["deputy"]["id"], r["points"]) for r in league] == [
        (1, world.id, 17),
        (2, other.id, 0),
    ]
    assert league[0]["targets_met"] == 1 and league[0]["targets"] == 5
    assert league[0]["completion"] == pytest.approx((2 / 50 + 1 + 0 + 0 + 0) / 5, abs=1e-4)
    elsewhere = RegionFactory(adcode="440784", name="鹤山市")
    leader = jurisdiction_of(UserFactory(role=Role.LEADER, jurisdiction=elsewhere))
    assert selectors.record_league(jurisdiction=leader, year=YEAR) == []
    with pytest.raises(NotFound):
        access_deputy_record_by_id(jurisdiction=leader, deputy_id=world.id)


def test_a_new_event_source_plugs_in(world):
    """A source registered later (duty attendance, receptions) is counted and priced."""

    @event_source("test_reception")
    def receptions(deputy_ids, start, end):
        yield selectors.Event("test_reception", 1, world.id, "deliberation", start, 2, True, "接待")

    try:
        got = _by_item(selectors.deputy_record(deputy=world, year=YEAR)["record"])
        assert got["deliberation"] == (2, 0, None, None)
        total = selectors.deputy_record(deputy=world, year=YEAR)["points"]["total"]
        assert total == 17 + 2 * 5
    finally:
        del SOURCES["test_reception"]


def test_targets_per_county_and_year(world, staff):
    services.target_set(
        jurisdiction=staff, county_adcode=world.county_adcode, year=YEAR, targets={"households": 2}
    )
    got = _by_item(selectors.deputy_record(deputy=world, year=YEAR)["record"])
    assert got["households"] == (2, 1, 2, True)
    assert got["speech"][2] is None
    assert selectors.county_targets(county_adcode=world.county_adcode, year=YEAR + 1)["speech"] == 1


def test_has_point_line_answers_as_the_whole_record_does(world):
    """A dispute's check reads one event source; it must find exactly the record's lines."""
    lines = selectors.deputy_record(deputy=world, year=YEAR)["points"]["lines"]
    keys = {(x["source"], x["ref"], x["item"]) for x in lines}
    events = list(selectors.events_of([world.id], *selectors.year_span(YEAR)))
    pending = {(e.source, e.ref, e.item) for e in events if not e.verified}
    assert keys and pending and not keys & pending
    for source, ref, item in keys | pending:
        found = selectors.has_point_line(deputy=world, year=YEAR, source=source, ref=ref, item=item)
        assert found == ((source, ref, item) in keys), (source, ref, item)
    ref = min(r for _, r, _ in keys)
    assert not selectors.has_point_line(
        deputy=world, year=YEAR, source="nosuch", ref=ref, item="visit"
    )
    assert not selectors.has_point_line(
        deputy=world,
        year=YEAR - 1,
        source=lines[0]["source"],
        ref=lines[0]["ref"],
        item=lines[0]["item"],
    )
