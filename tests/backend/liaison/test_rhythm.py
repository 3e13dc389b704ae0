"""Duty rhythms: each rule kind's days across month ends and leap years, the holiday policy on
the official calendar (chinese-calendar + the admin's CalendarDay), the JSON migration, the
preview API (scoping, errors, saving)."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps

from backend.accounts.models import Role
from backend.core.errors import DomainError
from backend.liaison.models import DutyRule
from backend.liaison.rhythm import (
    DayCalendar,
    DutyRuleSpec,
    held_days,
    occurrences,
    rule_check,
    rule_matches,
    rule_text,
    spec_from_data,
)
from backend.liaison.selectors import day_calendar, deputy_duty, next_duty_date
from backend.opinions.models import CalendarDay
from tests.factories import (
    DeputyFactory,
    DutyRuleFactory,
    RegionFactory,
    StationFactory,
    StationMembershipFactory,
    UserFactory,
)

D = dt.date


class raises:
    """Expect a DomainError with exactly this code."""

    def __init__(self, code):
        self.code = code

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        assert isinstance(error, DomainError), f"expected {self.code}, got {error!r}"
        assert error.code == self.code
        return True


PLAIN = DayCalendar(holiday=lambda day: None, working=lambda day: day.weekday() < 5)


def days(spec, start, end, cal=PLAIN):
    return held_days(spec, start=start, end=end, cal=cal)


# --- kinds ------------------------------------------------------------------------------------


def test_day_digit_across_month_ends():
    six = DutyRuleSpec(kind="day_digit", digit=6)
    assert days(six, D(2026, 1, 20), D(2026, 3, 7)) == [
        D(2026, 1, 26),
        D(2026, 2, 6),
        D(2026, 2, 16),
        D(2026, 2, 26),
        D(2026, 3, 6),
    ]
    zero = DutyRuleSpec(kind="day_digit", digit=0)  # 10th, 20th, 30th: February has no 30th
    assert days(zero, D(2026, 2, 1), D(2026, 3, 31)) == [
        D(2026, 2, 10),
        D(2026, 2, 20),
        D(2026, 3, 10),
        D(2026, 3, 20),
        D(2026, 3, 30),
    ]
    one = DutyRuleSpec(kind="day_digit", digit=1)  # the 31st counts
    assert days(one, D(2026, 1, 25), D(2026, 2, 2)) == [D(2026, 1, 31), D(2026, 2, 1)]


def test_nth_weekday_fourth_thursday_and_last_monday():
    fourth_thursday = DutyRuleSpec(kind="nth_weekday", nth=4, weekday=3)
    assert days(fourth_thursday, D(2026, 10, 1), D(2027, 1, 31)) == [
        D(2026, 10, 22),
        D(2026, 11, 26),
        D(2026, 12, 24),
        D(2027, 1, 28),
    ]
    last_monday = DutyRuleSpec(kind="nth_weekday", nth=-1, weekday=0)
    assert days(last_monday, D(2026, 11, 1), D(2026, 12, 31)) == [D(2026, 11, 30), D(2026, 12, 28)]
    fifth_sunday = DutyRuleSpec(kind="nth_weekday", nth=5, weekday=6)  # only some months
    assert days(fifth_sunday, D(2026, 1, 1), D(2026, 4, 30)) == [D(2026, 3, 29)]


def test_half_month_clamps_to_the_month_end_in_leap_and_common_years():
    fifteenth = DutyRuleSpec(kind="half_month", month_day=15)
    assert days(fifteenth, D(2028, 2, 1), D(2028, 3, 31)) == [
        D(2028, 2, 15),
        D(2028, 2, 29),  # leap year: 15 + 15 = 30 → the 29th
        D(2028, 3, 15),
        D(2028, 3, 30),
    ]
    assert days(fifteenth, D(2027, 2, 1), D(2027, 2, 28)) == [D(2027, 2, 15), D(2027, 2, 28)]
    first = DutyRuleSpec(kind="half_month", month_day=1)
    assert days(first, D(2026, 12, 1), D(2027, 1, 20)) == [
        D(2026, 12, 1),
        D(2026, 12, 16),
        D(2027, 1, 1),
        D(2027, 1, 16),
    ]


def test_fixed_weekdays_and_explicit_dates():
    tue_fri = DutyRuleSpec(kind="weekdays", weekdays=(1, 4))
    assert days(tue_fri, D(2026, 12, 28), D(2027, 1, 8)) == [
        D(2026, 12, 29),
        D(2027, 1, 1),
        D(2027, 1, 5),
        D(2027, 1, 8),
    ]
    listed = DutyRuleSpec(kind="dates", dates=(D(2027, 3, 1), D(2026, 12, 5), D(2024, 2, 29)))
    assert days(listed, D(2024, 1, 1), D(2027, 12, 31)) == [
        D(2024, 2, 29),
        D(2026, 12, 5),
        D(2027, 3, 1),
    ]
    assert rule_matches(listed, D(2024, 2, 29)) and not rule_matches(listed, D(2024, 3, 1))


# --- holiday policy ----------------------------------------------------------------------------


def official(policy):
    return DutyRuleSpec(kind="day_digit", digit=1, holiday_policy=policy)


@pytest.mark.django_db
def test_national_day_held_moved_or_skipped_on_the_official_calendar():
    """2026-10-01 is National Day (1-7 Oct off, 10 Oct a make-up working Saturday)."""
    start, end = D(2026, 9, 25), D(2026, 10, 12)
    cal = day_calendar(start, end)
    assert days(official("held"), start, end, cal) == [D(2026, 10, 1), D(2026, 10, 11)]
    moved = occurrences(official("moved"), start=start, end=end, cal=cal)
    assert [(o.scheduled, o.day, o.holiday, o.adjustment) for o in moved] == [
        (D(2026, 10, 1), D(2026, 10, 8), "National Day", "moved"),  # first working day after
        (D(2026, 10, 11), D(2026, 10, 11), None, ""),  # an ordinary Sunday is no holiday
    ]
    skipped = occurrences(official("skipped"), start=start, end=end, cal=cal)
    assert [(o.scheduled, o.day, o.adjustment) for o in skipped] == [
        (D(2026, 10, 1), None, "skipped"),
        (D(2026, 10, 11), D(2026, 10, 11), ""),
    ]


@pytest.mark.django_db
def test_staff_calendar_entries_override_the_official_one():
    CalendarDay.objects.create(day=D(2026, 11, 6), workday=False, name="县庆")
    CalendarDay.objects.create(day=D(2026, 11, 9), workday=False, name="县庆")
    spec = DutyRuleSpec(kind="day_digit", digit=6, holiday_policy="moved")
    cal = day_calendar(D(2026, 11, 1), D(2026, 11, 30))
    moved = occurrences(spec, start=D(2026, 11, 1), end=D(2026, 11, 30), cal=cal)
    # Friday 6th off → Monday 9th off too → Tuesday 10th.
    assert [(o.day, o.holiday) for o in moved] == [
        (D(2026, 11, 10), "县庆"),
        (D(2026, 11, 16), None),
        (D(2026, 11, 26), None),
    ]


def test_a_moved_day_landing_on_a_scheduled_day_is_held_once():
    cal = DayCalendar(
        holiday=lambda day: "holiday" if day == D(2026, 12, 1) else None,
        working=lambda day: day != D(2026, 12, 1),
    )
    spec = DutyRuleSpec(kind="weekdays", weekdays=(1, 2), holiday_policy="moved")  # Tue, Wed
    found = occurrences(spec, start=D(2026, 11, 30), end=D(2026, 12, 3), cal=cal)
    assert [(o.scheduled, o.day) for o in found] == [(D(2026, 12, 1), D(2026, 12, 2))]


def test_a_day_moved_from_before_the_window_is_in_it():
    cal = DayCalendar(
        holiday=lambda day: "holiday" if D(2026, 10, 1) <= day <= D(2026, 10, 7) else None,
        working=lambda day: not D(2026, 10, 1) <= day <= D(2026, 10, 7),
    )
    spec = DutyRuleSpec(kind="day_digit", digit=6, holiday_policy="moved")
    assert occurrences(spec, start=D(2026, 10, 7), count=2, cal=cal)[0].day == D(2026, 10, 8)


# --- checks, words, parsing ------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        DutyRuleSpec(kind="day_digit", digit=10),
        DutyRuleSpec(kind="day_digit"),
        DutyRuleSpec(kind="nth_weekday", nth=0, weekday=3),
        DutyRuleSpec(kind="nth_weekday", nth=4, weekday=7),
        DutyRuleSpec(kind="half_month", month_day=16),
        DutyRuleSpec(kind="weekdays", weekdays=()),
        DutyRuleSpec(kind="weekdays", weekdays=(1, 9)),
        DutyRuleSpec(kind="dates"),
        DutyRuleSpec(kind="moon_phase"),
        DutyRuleSpec(kind="day_digit", digit=6, holiday_policy="maybe"),
        DutyRuleSpec(kind="day_digit", digit=6, opens_at=dt.time(17), closes_at=dt.time(9)),
        DutyRuleSpec(kind="day_digit", digit=True),
    ],
)
def test_rule_check_refuses_malformed_rules(spec):
    with raises("station.invalid_duty_rule"):
        rule_check(spec)


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "day_digit", "digit": "x"},
        {"kind": "weekdays", "weekdays": "1,,x"},
        {"kind": "weekdays", "weekdays": [None]},
        {"kind": "dates", "dates": ["2026-02-30"]},
        {"kind": "day_digit", "digit": 6, "opens_at": "25:00"},
        {"kind": "weekdays", "weekdays": {"a": 1}},
        ["day_digit"],
        {"kind": ["day_digit"]},
    ],
)
def test_spec_from_data_refuses_with_the_code(data):
    with raises("station.invalid_duty_rule"):
        spec_from_data(data)


def test_spec_from_query_parameters():
    spec = spec_from_data(
        {"kind": "weekdays", "weekdays": "4,1", "opens_at": "08:30", "holiday_policy": "skipped"}
    )
    assert spec == DutyRuleSpec(
        kind="weekdays", weekdays=(4, 1), opens_at=dt.time(8, 30), holiday_policy="skipped"
    )


def test_rule_text_in_english_and_chinese(settings):
    from django.utils import translation

    with translation.override("en"):
        assert rule_text(DutyRuleSpec(kind="day_digit", digit=6)) == (
            "Days of the month ending in 6 (6, 16, 26)"
        )
        assert rule_text(DutyRuleSpec(kind="nth_weekday", nth=4, weekday=3)) == (
            "The 4th Thursday of each month"
        )
    with translation.override("zh-hans"):
        assert rule_text(DutyRuleSpec(kind="half_month", month_day=1)) == "每半月：1日和16日"
        assert rule_text(DutyRuleSpec(kind="weekdays", weekdays=(4, 1))) == "每星期二、星期五"


# --- the data migration ------------------------------------------------------------------------


@pytest.mark.django_db
def test_migration_copies_the_json_rules():
    """0003's functions on rows shaped as before (the JSON read through a stand-in Station)."""
    module = importlib.import_module("backend.liaison.migrations.0003_duty_rule_from_json")
    assert module._fields({"type": "day_digit", "digit": 6}) == {"kind": "day_digit", "digit": 6}
    assert module._fields({"type": "nth_weekday", "n": -1, "weekday": 0}) == {
        "kind": "nth_weekday",
        "nth": -1,
        "weekday": 0,
    }
    for bad in (
        None,
        [],
        {"type": "day_digit", "digit": "6"},
        {"type": "day_digit", "digit": 16},
        {"type": "nth_weekday", "n": 0, "weekday": 3},
        {"type": "moon"},
    ):
        assert module._fields(bad) is None
    station = StationFactory(duty_rule=None)

    class Rows:
        def exclude(self, **kwargs):
            return self

        def values_list(self, *names):
            return [(station.id, {"type": "nth_weekday", "n": 4, "weekday": 3}), (0, {"x": 1})]

    class FakeStation:
        objects = Rows()

    class Apps:
        def get_model(self, app, name):
            return FakeStation if name == "Station" else django_apps.get_model(app, name)

    module.forwards(Apps(), None)
    assert DutyRule.objects.values_list("station_id", "kind", "nth", "weekday").get() == (
        station.id,
        "nth_weekday",
        4,
        3,
    )


# --- selectors and the API -----------------------------------------------------------------


@pytest.mark.django_db
def test_next_duty_date_and_deputy_duty_share_one_calendar(django_assert_num_queries):
    station = StationFactory()  # 逢六
    deputy = DeputyFactory(region=station.region)
    StationMembershipFactory(deputy=deputy, station=station)
    other = StationFactory(region=station.region, duty_rule=None)
    DutyRuleFactory(station=other, kind="weekdays", digit=None, weekdays=[0])
    StationMembershipFactory(deputy=deputy, station=other)
    assert next_duty_date(None, D(2026, 11, 17)) is None
    with django_assert_num_queries(3):  # memberships, rules, calendar entries
        rows = deputy_duty(deputy=deputy, today=D(2026, 11, 17))
    by_station = {r["station_id"]: (r["on_duty_today"], r["next_duty_date"]) for r in rows}
    assert by_station == {station.id: (False, D(2026, 11, 26)), other.id: (False, D(2026, 11, 23))}


@pytest.fixture
def county(db):
    return RegionFactory(adcode="430121", name="长沙县")


@pytest.fixture
def rhythm_station(county):
    return StationFactory(region=county, name="星沙联络站")


def rhythm_url(station_id):
    return f"/api/map/v1/stations/{station_id}/rhythm"


@pytest.mark.django_db
def test_rhythm_preview_full_body(client, county, rhythm_station):
    client.force_login(UserFactory(role=Role.STAFF, jurisdiction=county))
    body = client.get(rhythm_url(rhythm_station.id), {"from": "2026-09-25"}).json()
    assert body["station"] == {"id": rhythm_station.id, "name": "星沙联络站"}
    assert body["saved"] is True and body["from"] == "2026-09-25"
    assert body["rule"]["kind"] == "day_digit" and body["rule"]["digit"] == 6
    assert [o["date"] for o in body["occurrences"]] == [
        "2026-09-26",
        "2026-10-06",
        "2026-10-16",
        "2026-10-26",
        "2026-11-06",
        "2026-11-16",
        "2026-11-26",
        "2026-12-06",
        "2026-12-16",
        "2026-12-26",
    ]
    assert body["occurrences"][1] == {
        "scheduled": "2026-10-06",
        "date": "2026-10-06",
        "holiday": "National Day",
        "adjustment": "",
    }
    preview = client.get(
        rhythm_url(rhythm_station.id),
        {"from": "2026-09-25", "kind": "day_digit", "digit": 6, "holiday_policy": "moved"},
    ).json()
    assert preview["saved"] is False and preview["occurrences"][1]["date"] == "2026-10-08"


@pytest.mark.django_db
def test_rhythm_save_by_staff_refused_to_leaders_and_other_counties(client, county, rhythm_station):
    url = rhythm_url(rhythm_station.id)
    rule = {"kind": "nth_weekday", "nth": 4, "weekday": 3, "closes_at": "12:00"}
    client.force_login(UserFactory(role=Role.LEADER, jurisdiction=county))
    refused = client.post(url, {"rule": rule}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "station.not_allowed"
    heshan = RegionFactory(adcode="440784", name="鹤山市")
    client.force_login(UserFactory(role=Role.STAFF, jurisdiction=heshan))
    for response in (client.get(url), client.post(url, {"rule": rule}, "application/json")):
        assert response.status_code == 404 and response.json()["code"] == "station.not_found"
    client.force_login(UserFactory(role=Role.STAFF, jurisdiction=county))
    bad = client.post(url, {"rule": {"kind": "half_month"}}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "station.invalid_duty_rule"
    missing = client.post(url, {}, content_type="application/json")
    assert missing.json()["code"] == "station.invalid_duty_rule"
    bad_date = client.get(url, {"from": "2026-13-01"})
    assert bad_date.status_code == 400 and bad_date.json()["code"] == "map.invalid_date"
    saved = client.post(url, {"rule": rule}, content_type="application/json").json()
    assert saved["rule"]["kind"] == "nth_weekday" and saved["rule"]["closes_at"] == "12:00"
    stored = DutyRule.objects.get(station=rhythm_station)
    assert (stored.digit, stored.nth, stored.weekday) == (None, 4, 3)
    removed = client.post(url, {"rule": None}, content_type="application/json").json()
    assert removed["rule"] is None and removed["occurrences"] == []
    assert not DutyRule.objects.filter(station=rhythm_station).exists()
