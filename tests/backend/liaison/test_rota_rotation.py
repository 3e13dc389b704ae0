"""Rota rotation (DutyRule.deputies_per_day): known answers on a hand-built station of five
members, two a day, on 逢六 (held days of 2026: Jan 6 = index 0, Jan 16 = 1, Jan 26 = 2,
Feb 6 = 3, …): the members ordered by id, each day's two taken from (index * 2) mod n on. A
member joining mid-year, a staff removal, leave, attendance of rostered days only, the
validation of the field, the old behaviour when it is empty."""

import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import Role
from backend.core.errors import DomainError
from backend.liaison.models import DutyRule, RuleKind
from backend.liaison.rhythm import DutyRuleSpec, spec_from_data
from backend.liaison.selectors import rota_slots, rule_json, station_rota
from backend.liaison.services import (
    duty_request_create,
    duty_request_decide,
    duty_rule_set,
    rota_change,
)
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

LON, LAT = 113.005, 28.005
D = dt.date
JAN6, JAN16, JAN26, FEB6 = D(2026, 1, 6), D(2026, 1, 16), D(2026, 1, 26), D(2026, 2, 6)
TWO_A_DAY = DutyRuleSpec(kind=RuleKind.DAY_DIGIT, digit=6, deputies_per_day=2)


@pytest.fixture
def scene():
    county = RegionFactory(adcode="430121", name="长沙县")
    station = StationFactory(region=county, name="星沙联络站", duty_rule=None)  # at LON, LAT
    duty_rule_set(station=station, spec=TWO_A_DAY)
    members = [DeputyFactory(region=county, name=f"代表{n}") for n in "甲乙丙丁戊"]
    members.sort(key=lambda d: d.id)
    for deputy in members:
        StationMembershipFactory(deputy=deputy, station=station, since=D(2025, 12, 1))
    staff = UserFactory(role=Role.STAFF, jurisdiction=county)
    return {"county": county, "station": station, "m": members, "staff": staff}


def on_duty(station, start, end=None, **scope):
    """{day: [deputy ids]} of the station's rota in [start, end]."""
    scope = scope or {"station_ids": [station.id]}
    slots, _stations = rota_slots(start=start, end=end or start, **scope)
    days: dict[dt.date, list[int]] = {}
    for slot in slots:
        days.setdefault(slot.day, []).append(slot.deputy_id)
    return days


def ids(members, *positions):
    """The deputies at those positions of the id order, in id order (as the rota lists them)."""
    return sorted(members[p].id for p in positions)


def check_in(deputy, station, day, hour=10):
    when = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    return checkin_record(
        deputy=deputy,
        station=station,
        client_uuid=uuid.uuid4(),
        lon=LON,
        lat=LAT,
        accuracy_m=5.0,
        recorded_at=when,
        received_at=when + dt.timedelta(minutes=1),
    )


def test_first_four_held_days_two_of_five_in_turn(scene):
    station, m = scene["station"], scene["m"]
    assert on_duty(station, JAN6, FEB6) == {
        JAN6: ids(m, 0, 1),  # index 0: offset 0
        JAN16: ids(m, 2, 3),  # index 1: offset 2
        JAN26: ids(m, 4, 0),  # index 2: offset 4, wrapping
        FEB6: ids(m, 1, 2),  # index 3: offset 6 mod 5 = 1
    }
    # The index counts from 1 January whatever span is asked: February alone, one day alone.
    assert on_duty(station, FEB6, D(2026, 2, 28))[FEB6] == ids(m, 1, 2)
    assert on_duty(station, JAN26) == {JAN26: ids(m, 4, 0)}
    # Over a year end: 2025-12-26 is index 35 of 2025 (70 mod 5 = 0), 2027 starts again at 0.
    across = on_duty(station, D(2025, 12, 26), D(2027, 1, 6))
    assert across[D(2025, 12, 26)] == ids(m, 0, 1)
    assert across[D(2027, 1, 6)] == ids(m, 0, 1)
    assert {len(v) for v in across.values()} == {2}
    # Over the year every member serves about as often (36 held days x 2 / 5).
    year = on_duty(station, D(2026, 1, 1), D(2026, 12, 31))
    served = [sum(d.id in v for v in year.values()) for d in m]
    assert len(year) == 36 and sorted(served) == [14, 14, 14, 15, 15]


def test_one_deputys_rota_is_their_turns(scene):
    station, m = scene["station"], scene["m"]
    for deputy in m:
        mine = on_duty(station, JAN6, FEB6, deputy_id=deputy.id)
        everyone = on_duty(station, JAN6, FEB6)
        assert mine == {day: [deputy.id] for day, v in everyone.items() if deputy.id in v}
    assert sorted(on_duty(station, JAN6, FEB6, deputy_id=m[0].id)) == [JAN6, JAN26]


def test_a_member_joining_mid_year(scene):
    station, m = scene["station"], scene["m"]
    late = DeputyFactory(region=scene["county"], name="代表己")
    StationMembershipFactory(deputy=late, station=station, since=D(2026, 3, 1))
    six = [*m, late]  # the newest id orders last
    assert on_duty(station, D(2026, 2, 26), D(2026, 3, 26)) == {
        D(2026, 2, 26): ids(m, 0, 1),  # index 5, five members: offset 10 mod 5 = 0
        D(2026, 3, 6): ids(six, 0, 1),  # index 6, six members: offset 12 mod 6 = 0
        D(2026, 3, 16): ids(six, 2, 3),  # index 7: 14 mod 6 = 2
        D(2026, 3, 26): ids(six, 4, 5),  # index 8: 16 mod 6 = 4, the newcomer
    }


def test_staff_remove_a_rotated_deputy_and_add_another(scene):
    station, m, staff = scene["station"], scene["m"], scene["staff"]
    j = jurisdiction_of(staff)
    for body in (
        {"date": "2026-01-16", "deputy_id": m[2].id, "action": "remove"},
        {"date": "2026-01-16", "deputy_id": m[0].id, "action": "add"},  # not their turn
    ):
        rota_change(jurisdiction=j, actor=staff, station_id=station.id, body=body)
    assert on_duty(station, JAN16) == {JAN16: ids(m, 0, 3)}
    month = station_rota(jurisdiction=j, station_id=station.id, month=JAN6)
    day16 = next(d for d in month["days"] if d["date"] == "2026-01-16")
    assert {(p["id"], p["added"]) for p in day16["deputies"]} == {(m[0].id, True), (m[3].id, False)}
    assert len(month["members"]) == 5  # staff may add any member, on turn or not
    assert month["rule"]["deputies_per_day"] == 2


def test_leave_only_for_a_turn_and_excused(scene):
    station, m, staff = scene["station"], scene["m"], scene["staff"]
    body = {"kind": "leave", "station_id": station.id, "date": "2026-02-06", "reason": "出差"}
    with pytest.raises(DomainError) as refused:  # Feb 6 is 乙 and 丙's turn, not 甲's
        duty_request_create(deputy=m[0], body=body, today=D(2026, 2, 1))
    assert refused.value.code == "rota.not_rostered"
    leave = duty_request_create(deputy=m[1], body=body, today=D(2026, 2, 1))
    duty_request_decide(
        jurisdiction=jurisdiction_of(staff),
        actor=staff,
        request_id=leave.id,
        body={"decision": "approve"},
    )
    slots, _ = rota_slots(start=FEB6, end=FEB6, station_ids=[station.id])
    assert [(s.deputy_id, s.leave) for s in slots] == [(m[1].id, True), (m[2].id, False)]
    month = station_attendance(
        jurisdiction=jurisdiction_of(staff), station_id=station.id, month=FEB6, today=D(2026, 2, 7)
    )
    feb6 = {
        row["id"]: row["statuses"]["2026-02-06"]
        for row in month["deputies"]
        if "2026-02-06" in row["statuses"]
    }
    assert feb6 == {m[1].id: "excused", m[2].id: "absent"}


def test_attendance_counts_only_rostered_days(scene):
    station, m = scene["station"], scene["m"]
    check_in(m[0], station, JAN6)  # their turn: present
    check_in(m[0], station, JAN16)  # not their turn: not counted, neither present nor absent
    check_in(m[2], station, JAN16)  # their turn: present
    month = station_attendance(
        jurisdiction=jurisdiction_of(scene["staff"]),
        station_id=station.id,
        month=JAN6,
        today=D(2026, 2, 1),
    )
    statuses = {row["id"]: row["statuses"] for row in month["deputies"]}
    assert statuses == {
        m[0].id: {"2026-01-06": "present", "2026-01-26": "absent"},
        m[1].id: {"2026-01-06": "absent"},
        m[2].id: {"2026-01-16": "present"},
        m[3].id: {"2026-01-16": "absent"},
        m[4].id: {"2026-01-26": "absent"},
    }
    assert (month["scheduled"], month["present"], month["absent"]) == (6, 2, 4)
    year = deputy_attendance(deputy=m[0], year=2026, today=D(2026, 2, 1), with_days=True)
    january = [(d["date"], d["status"]) for d in year["days"] if d["date"].month == 1]
    assert january == [(JAN6, "present"), (JAN26, "absent")]
    assert (year["present"], year["absent"], year["rate"]) == (1, 1, 0.5)
    assert year["upcoming"][0]["date"] == D(2026, 2, 26)  # index 5: offset 0, 甲 and 乙


def test_empty_keeps_every_member_every_day(scene):
    station, m = scene["station"], scene["m"]
    duty_rule_set(station=station, spec=DutyRuleSpec(kind=RuleKind.DAY_DIGIT, digit=6))
    assert DutyRule.objects.get(station=station).deputies_per_day is None
    assert on_duty(station, JAN6, JAN16) == {
        JAN6: ids(m, 0, 1, 2, 3, 4),
        JAN16: ids(m, 0, 1, 2, 3, 4),
    }
    # more a day than members: each member once
    duty_rule_set(
        station=station, spec=DutyRuleSpec(kind=RuleKind.DAY_DIGIT, digit=6, deputies_per_day=9)
    )
    assert on_duty(station, JAN6) == {JAN6: ids(m, 0, 1, 2, 3, 4)}


@pytest.mark.parametrize("value", [0, 51, -1, True, 1.5, "x", "2a", "--3", [2], {"n": 2}])
def test_deputies_per_day_refused_with_its_code(value):
    with pytest.raises(DomainError) as refused:
        spec_from_data({"kind": "day_digit", "digit": 6, "deputies_per_day": value})
    assert refused.value.code == "station.invalid_deputies_per_day"


def test_deputies_per_day_parsed_saved_and_shown(scene):
    base = {"kind": "day_digit", "digit": 6}
    assert spec_from_data(base | {"deputies_per_day": "3"}).deputies_per_day == 3
    assert spec_from_data(base | {"deputies_per_day": 50}).deputies_per_day == 50
    assert spec_from_data(base | {"deputies_per_day": ""}).deputies_per_day is None
    assert spec_from_data(base).deputies_per_day is None
    with pytest.raises(DomainError) as refused:
        duty_rule_set(
            station=scene["station"],
            spec=DutyRuleSpec(kind="day_digit", digit=6, deputies_per_day=0),
        )
    assert refused.value.code == "station.invalid_deputies_per_day"
    client = Client()
    client.force_login(scene["staff"])
    url = f"/api/map/v1/stations/{scene['station'].id}/rhythm"
    saved = client.post(
        url, json.dumps({"rule": base | {"deputies_per_day": 3}}), content_type="application/json"
    )
    assert saved.status_code == 200 and saved.json()["rule"]["deputies_per_day"] == 3
    bad = client.post(
        url, json.dumps({"rule": base | {"deputies_per_day": 99}}), content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["code"] == "station.invalid_deputies_per_day"
    preview = client.get(url, base | {"deputies_per_day": "0"})
    assert preview.status_code == 400
    assert preview.json()["code"] == "station.invalid_deputies_per_day"
    assert rule_json(DutyRule.objects.get(station=scene["station"]))["deputies_per_day"] == 3


def test_queries_do_not_grow_with_members_or_span(scene):
    """One more query than without rotation (the other members, for one deputy's turns), the
    same whatever the number of members or days."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    station, m = scene["station"], scene["m"]

    def count(fn) -> int:
        with CaptureQueriesContext(connection) as queries:
            fn()
        return len(queries)

    def deputy_year():
        deputy_attendance(deputy=m[0], year=2026, today=D(2026, 6, 1))

    def station_month():
        station_attendance(
            jurisdiction=jurisdiction_of(scene["staff"]),
            station_id=station.id,
            month=JAN6,
            today=D(2026, 6, 1),
        )

    small = (count(deputy_year), count(station_month))
    for n in range(10):
        late = DeputyFactory(region=scene["county"], name=f"新代表{n}")
        StationMembershipFactory(deputy=late, station=station, since=D(2026, 1, 10 + n))
    assert (count(deputy_year), count(station_month)) == small
    duty_rule_set(station=station, spec=DutyRuleSpec(kind=RuleKind.DAY_DIGIT, digit=6))
    assert count(deputy_year) == small[0] - 1
