"""The rota: generated from the duty rule across month ends, staff changes, leave and swaps,
attendance from it (excused, not rostered = not counted), receptions, query budgets."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import Role
from backend.core.errors import DomainError, NotFound
from backend.liaison.models import (
    CongressLevel,
    DutyRequest,
    DutyRequestStatus,
    HolidayPolicy,
    RuleKind,
)
from backend.liaison.rhythm import DutyRuleSpec
from backend.liaison.selectors import rota_slots, station_rota
from backend.liaison.services import (
    duty_request_create,
    duty_request_decide,
    duty_request_withdraw,
    duty_rule_set,
    reception_record,
    rota_change,
)
from backend.opinions.services import opinion_create_by_citizen
from backend.reporting.attendance import deputy_attendance, station_attendance
from backend.reporting.receptions import station_receptions
from backend.visits.services import checkin_record
from tests.factories import (
    DeputyFactory,
    MandateFactory,
    RegionFactory,
    StationFactory,
    StationMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LON, LAT = 113.005, 28.005
INSIDE_LAT = LAT + 0.00178  # ~197 m north: inside a 200 m fence with 5 m accuracy
OUTSIDE_LAT = LAT + 0.0019  # ~210 m: outside


def check_in(deputy, station, when, lat=INSIDE_LAT):
    return checkin_record(
        deputy=deputy,
        station=station,
        client_uuid=uuid.uuid4(),
        lon=LON,
        lat=lat,
        accuracy_m=5.0,
        recorded_at=when,
        received_at=when + dt.timedelta(minutes=1),
    )


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def scene():
    county = RegionFactory(adcode="430121", name="长沙县")
    other = RegionFactory(adcode="430182", name="宁乡市")
    station = StationFactory(region=county, name="星沙联络站")  # 逢六 09:00-17:00
    far = StationFactory(region=other, name="宁乡联络站")
    since = dt.date(2026, 1, 1)
    d1, d2, d3 = (DeputyFactory(region=county, name=n) for n in ("甲代表", "乙代表", "丙代表"))
    MandateFactory(deputy=d1, level=CongressLevel.COUNTY)
    for deputy in (d1, d2):
        StationMembershipFactory(deputy=deputy, station=station, since=since)
    outsider = DeputyFactory(region=other, name="外县代表")
    staff = UserFactory(role=Role.STAFF, jurisdiction=county)
    return {
        "county": county,
        "station": station,
        "far": far,
        "d": (d1, d2, d3),
        "outsider": outsider,
        "staff": staff,
        "staff_j": jurisdiction_of(staff),
        "other_staff_j": jurisdiction_of(UserFactory(role=Role.STAFF, jurisdiction=other)),
        "leader_j": jurisdiction_of(UserFactory(role=Role.LEADER, jurisdiction=county)),
    }


def days_of(slots, deputy=None):
    return sorted({s.day for s in slots if deputy is None or s.deputy_id == deputy.id})


def test_generated_across_month_and_year_ends(scene):
    station = scene["station"]
    d1, d2, _ = scene["d"]
    duty_rule_set(station=station, spec=DutyRuleSpec(kind=RuleKind.DAY_DIGIT, digit=1))
    slots, _ = rota_slots(
        start=dt.date(2026, 12, 25), end=dt.date(2027, 2, 2), station_ids=[station.id]
    )
    # 逢一: the 31st of December, then the 1st (every month has one), no 31st in January? It has.
    assert days_of(slots) == [
        dt.date(2026, 12, 31),
        dt.date(2027, 1, 1),
        dt.date(2027, 1, 11),
        dt.date(2027, 1, 21),
        dt.date(2027, 1, 31),
        dt.date(2027, 2, 1),
    ]
    assert {s.deputy_id for s in slots} == {d1.id, d2.id}
    # The last Friday: February 2027 ends on a Sunday, its last Friday is the 26th.
    duty_rule_set(station=station, spec=DutyRuleSpec(kind=RuleKind.NTH_WEEKDAY, nth=-1, weekday=4))
    slots, _ = rota_slots(
        start=dt.date(2027, 1, 20), end=dt.date(2027, 3, 5), station_ids=[station.id]
    )
    assert days_of(slots) == [dt.date(2027, 1, 29), dt.date(2027, 2, 26)]
    # Half-month from the 15th: February's second day is its last (28th), March's the 30th.
    duty_rule_set(station=station, spec=DutyRuleSpec(kind=RuleKind.HALF_MONTH, month_day=15))
    month = station_rota(
        jurisdiction=scene["staff_j"], station_id=station.id, month=dt.date(2027, 2, 1)
    )
    assert [d["date"] for d in month["days"]] == ["2027-02-15", "2027-02-28"]


def test_membership_bounds_and_staff_changes(scene):
    station = scene["station"]
    d1, _d2, d3 = scene["d"]
    StationMembershipFactory(
        deputy=d3, station=station, since=dt.date(2026, 11, 10), until=dt.date(2026, 11, 20)
    )
    staff_j, staff = scene["staff_j"], scene["staff"]
    slots, _ = rota_slots(
        start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30), station_ids=[station.id]
    )
    assert days_of(slots, d3) == [dt.date(2026, 11, 16)]
    body = {"date": "2026-11-26", "deputy_id": d1.id, "action": "remove"}
    rota_change(jurisdiction=staff_j, actor=staff, station_id=station.id, body=body)
    body = {"date": "2026-11-26", "deputy_id": d3.id, "action": "add", "note": "代班"}
    rota_change(jurisdiction=staff_j, actor=staff, station_id=station.id, body=body)
    month = station_rota(jurisdiction=staff_j, station_id=station.id, month=dt.date(2026, 11, 1))
    day26 = next(d for d in month["days"] if d["date"] == "2026-11-26")
    assert [(p["name"], p["added"]) for p in day26["deputies"]] == [
        ("丙代表", True),
        ("乙代表", False),
    ]
    d1_row = next(m for m in month["members"] if m["id"] == d1.id)
    assert d1_row["levels"] == ["county"]
    # Refusals: a day the rule does not hold, an outsider, a bad action, a leader, far staff.
    for bad, code in (
        ({"date": "2026-11-25", "deputy_id": d1.id, "action": "add"}, "rota.not_a_duty_day"),
        (
            {"date": "2026-11-26", "deputy_id": scene["outsider"].id, "action": "add"},
            "rota.deputy_not_eligible",
        ),
        ({"date": "2026-11-26", "deputy_id": 987654, "action": "add"}, "rota.deputy_not_eligible"),
        ({"date": "2026-11-26", "deputy_id": d1.id, "action": "swap"}, "rota.invalid_field"),
        ({"date": "2026-02-30", "deputy_id": d1.id, "action": "add"}, "rota.invalid_field"),
        ({"date": "2026-11-26", "deputy_id": True, "action": "add"}, "rota.invalid_field"),
    ):
        with pytest.raises(DomainError) as refused:
            rota_change(jurisdiction=staff_j, actor=staff, station_id=station.id, body=bad)
        assert refused.value.code == code
    good = {"date": "2026-11-26", "deputy_id": d1.id, "action": "add"}
    with pytest.raises(DomainError) as refused:
        rota_change(jurisdiction=scene["leader_j"], actor=None, station_id=station.id, body=good)
    assert refused.value.code == "rota.not_allowed"
    with pytest.raises(NotFound):
        rota_change(
            jurisdiction=scene["other_staff_j"], actor=None, station_id=station.id, body=good
        )


def test_attendance_edge_hours_non_duty_day_leave_and_not_rostered(scene):
    station = scene["station"]
    d1, d2, d3 = scene["d"]
    nov = lambda n: dt.date(2026, 11, n)  # noqa: E731
    assert check_in(d1, station, at(nov(6), 9, 0)).inside_geofence  # on the edge, at opening
    assert not check_in(d2, station, at(nov(6), 10), lat=OUTSIDE_LAT).inside_geofence
    check_in(d1, station, at(nov(15), 10))  # not a duty day: nothing
    check_in(d1, station, at(nov(16), 17, 1))  # a minute after closing: absent
    check_in(d3, station, at(nov(16), 10))  # not rostered: not counted
    # d2 asks leave for the 16th (before it), staff approve: excused, not absent.
    leave = duty_request_create(
        deputy=d2,
        body={"kind": "leave", "station_id": station.id, "date": "2026-11-16", "reason": "出差"},
        today=nov(10),
    )
    duty_request_decide(
        jurisdiction=scene["staff_j"],
        actor=scene["staff"],
        request_id=leave.id,
        body={"decision": "approve"},
    )
    month = station_attendance(
        jurisdiction=scene["leader_j"], station_id=station.id, month=nov(1), today=nov(20)
    )
    statuses = {row["name"]: row["statuses"] for row in month["deputies"]}
    assert statuses == {
        "甲代表": {"2026-11-06": "present", "2026-11-16": "absent", "2026-11-26": "upcoming"},
        "乙代表": {"2026-11-06": "absent", "2026-11-16": "excused", "2026-11-26": "upcoming"},
    }
    assert (month["present"], month["excused"], month["absent"], month["rate"]) == (1, 1, 2, 0.333)
    year = deputy_attendance(deputy=d2, year=2026, today=nov(20))
    assert year["excused"] == 1 and year["stations"][0]["station_name"] == "星沙联络站"


def test_leave_refusals_and_decisions(scene):
    station = scene["station"]
    d1, d2, d3 = scene["d"]
    today = dt.date(2026, 11, 10)

    def ask(deputy, **body):
        base = {"kind": "leave", "station_id": station.id, "date": "2026-11-16", "reason": "病假"}
        return duty_request_create(deputy=deputy, body=base | body, today=today)

    for deputy, body, code in (
        (d3, {}, "rota.not_rostered"),  # not on the rota
        (d1, {"date": "2026-11-15"}, "rota.not_rostered"),  # no duty that day
        (d1, {"station_id": scene["far"].id}, "rota.not_rostered"),
        (d1, {"date": "2026-11-06"}, "rota.day_passed"),
        (d1, {"reason": "  "}, "rota.invalid_field"),
        (d1, {"kind": "holiday"}, "rota.invalid_field"),
        (d1, {"substitute_id": d2.id}, "rota.invalid_field"),  # leave names no substitute
        (d1, {"kind": "swap", "substitute_id": d2.id}, "rota.already_rostered"),
        (d1, {"kind": "swap", "substitute_id": d1.id}, "rota.deputy_not_eligible"),
        (d1, {"kind": "swap", "substitute_id": scene["outsider"].id}, "rota.deputy_not_eligible"),
    ):
        with pytest.raises(DomainError) as refused:
            ask(deputy, **body)
        assert refused.value.code == code, body
    first = ask(d1)
    with pytest.raises(DomainError) as refused:
        ask(d1)
    assert refused.value.code == "rota.request_exists"
    # Other county's staff: 404; a leader: 403; a deputy (no region reads): 404.
    with pytest.raises(NotFound):
        duty_request_decide(
            jurisdiction=scene["other_staff_j"], actor=None, request_id=first.id, body={}
        )
    with pytest.raises(DomainError) as refused:
        duty_request_decide(
            jurisdiction=scene["leader_j"], actor=None, request_id=first.id, body={}
        )
    assert refused.value.code == "rota.not_allowed"
    deputy_j = jurisdiction_of(d1.user)
    with pytest.raises(NotFound):
        duty_request_decide(
            jurisdiction=deputy_j, actor=d1.user, request_id=first.id, body={"decision": "approve"}
        )
    refused_row = duty_request_decide(
        jurisdiction=scene["staff_j"],
        actor=scene["staff"],
        request_id=first.id,
        body={"decision": "refuse", "note": "人手不足"},
    )
    assert refused_row.status == DutyRequestStatus.REFUSED
    with pytest.raises(DomainError) as refused:
        duty_request_decide(
            jurisdiction=scene["staff_j"],
            actor=None,
            request_id=first.id,
            body={"decision": "approve"},
        )
    assert refused.value.code == "rota.request_decided"
    again = ask(d1)  # a refused request leaves room for another
    withdrawn = duty_request_withdraw(deputy=d1, request_id=again.id)
    assert withdrawn.status == DutyRequestStatus.WITHDRAWN
    with pytest.raises(NotFound):
        duty_request_withdraw(deputy=d2, request_id=again.id)  # not theirs
    with pytest.raises(DomainError):
        duty_request_withdraw(deputy=d1, request_id=again.id)  # already withdrawn


def test_swap_approved_rewrites_the_rota(scene):
    station = scene["station"]
    d1, d2, d3 = scene["d"]  # d3: same county, not a member
    swap = duty_request_create(
        deputy=d1,
        body={
            "kind": "swap",
            "station_id": station.id,
            "date": "2026-11-26",
            "reason": "开会",
            "substitute_id": d3.id,
        },
        today=dt.date(2026, 11, 20),
    )
    duty_request_decide(
        jurisdiction=scene["staff_j"],
        actor=scene["staff"],
        request_id=swap.id,
        body={"decision": "approve"},
    )
    slots, _ = rota_slots(
        start=dt.date(2026, 11, 26), end=dt.date(2026, 11, 26), station_ids=[station.id]
    )
    assert {(s.deputy_id, s.added) for s in slots} == {(d2.id, False), (d3.id, True)}
    assert DutyRequest.objects.get(id=swap.id).decided_by == scene["staff"]


def test_holiday_policy_moves_the_rota(scene):
    station = scene["station"]
    # 2026-10-06 lies in the National Day holiday: moved to the next working day.
    duty_rule_set(
        station=station,
        spec=DutyRuleSpec(kind=RuleKind.DAY_DIGIT, digit=6, holiday_policy=HolidayPolicy.MOVED),
    )
    slots, _ = rota_slots(
        start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31), station_ids=[station.id]
    )
    assert dt.date(2026, 10, 6) not in days_of(slots)
    assert len(days_of(slots)) == 3


def test_receptions_count_citizens_and_opinions(scene):
    station = scene["station"]
    d1, d2, _ = scene["d"]
    nov = lambda n: dt.date(2026, 11, n)  # noqa: E731
    check_in(d1, station, at(nov(6), 10))
    check_in(d2, station, at(nov(16), 10))
    staff_j, staff = scene["staff_j"], scene["staff"]
    reception_record(
        jurisdiction=staff_j,
        actor=staff,
        station_id=station.id,
        body={"date": "2026-11-06", "citizens_received": 12, "note": "路灯、停车"},
        today=nov(20),
    )
    for when in (at(nov(6), 11), at(nov(6), 15), at(nov(7), 10)):  # the 7th: no session
        opinion_create_by_citizen(
            station=station, category="roads", text="路灯不亮", lon=LON, lat=LAT, received_at=when
        )
    for bad, code in (
        ({"date": "2026-11-26", "citizens_received": 3}, "reception.in_future"),
        ({"date": "2026-11-07", "citizens_received": 3}, "rota.not_a_duty_day"),
        ({"date": "2026-11-06", "citizens_received": -1}, "rota.invalid_field"),
        ({"date": "2026-11-06", "citizens_received": 1.5}, "rota.invalid_field"),
    ):
        with pytest.raises(DomainError) as refused:
            reception_record(
                jurisdiction=staff_j, actor=staff, station_id=station.id, body=bad, today=nov(20)
            )
        assert refused.value.code == code
    month = station_receptions(
        jurisdiction=scene["leader_j"], station_id=station.id, month=nov(1), today=nov(20)
    )
    assert [(r["date"], r["held"], r["citizens_received"]) for r in month["receptions"]] == [
        ("2026-11-06", True, 12),
        ("2026-11-16", True, 0),
    ]
    assert (month["sessions"], month["held"], month["citizens_received"]) == (2, 2, 12)
    assert [r["opinions"] for r in month["receptions"]] == [2, 0]
    assert month["opinions"] == 2
    by_name = {d["name"]: d for d in month["deputies"]}
    assert by_name["甲代表"]["receptions"] == 1 and by_name["甲代表"]["citizens_received"] == 12
    assert by_name["乙代表"]["citizens_received"] == 0


def test_query_budgets_do_not_grow_with_the_rota(scene, django_assert_max_num_queries):
    station = scene["station"]
    county = scene["county"]
    for n in range(12):
        deputy = DeputyFactory(region=county, name=f"代表{n:02d}")
        StationMembershipFactory(deputy=deputy, station=station, since=dt.date(2026, 1, 1))
        MandateFactory(deputy=deputy, level=CongressLevel.TOWNSHIP)
        check_in(deputy, station, at(dt.date(2026, 11, 6), 10))
    staff_j = scene["staff_j"]
    with django_assert_max_num_queries(9):
        station_rota(jurisdiction=staff_j, station_id=station.id, month=dt.date(2026, 11, 1))
    with django_assert_max_num_queries(9):
        station_attendance(jurisdiction=staff_j, station_id=station.id, month=dt.date(2026, 11, 1))
    with django_assert_max_num_queries(11):
        station_receptions(
            jurisdiction=staff_j,
            station_id=station.id,
            month=dt.date(2026, 11, 1),
            today=dt.date(2026, 11, 30),
        )
