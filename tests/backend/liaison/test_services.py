"""The liaison services: stations, cross-province links, mandates, memberships, bulk rosters."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point

from backend.core.errors import DomainError
from backend.liaison.models import (
    CongressLevel,
    LinkCadence,
    MandateStatus,
    MembershipRole,
    StationKind,
    StationLink,
    StationMembership,
)
from backend.liaison.rhythm import DutyRuleSpec
from backend.liaison.services import (
    DeputySpec,
    MandateSpec,
    deputy_create,
    mandate_create,
    membership_add,
    membership_end,
    roster_import,
    station_create,
    station_link_create,
)
from tests.factories import (
    DeputyFactory,
    GridCellFactory,
    RegionFactory,
    StationFactory,
    square,
)

pytestmark = pytest.mark.django_db

TERM = {"term_number": 18, "term_start": dt.date(2021, 10, 1), "term_end": dt.date(2026, 9, 30)}


@pytest.fixture
def township(county):
    return RegionFactory(
        adcode="430121001", name="星沙街道", parent=county, boundary=square(113.0, 28.0, 0.05)
    )


@pytest.fixture
def guangxi_town():
    return RegionFactory(adcode="450922104", name="温地镇", boundary=square(110.3, 22.0, 0.05))


class raises:
    """Expect a DomainError with exactly this code."""

    def __init__(self, code):
        self.code = code

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        assert exc_type is DomainError, f"expected DomainError {self.code}, got {exc_type}"
        assert exc.code == self.code
        return True


# --- stations ---------------------------------------------------------------------------------


def test_station_create_takes_adcodes_from_region(township):
    station = station_create(
        kind=StationKind.STATION,
        name="星沙街道人大代表联络站",
        location=Point(113.01, 28.01, srid=4326),
        region=township,
        six_haves={
            "sign": True,
            "premises": True,
            "rules": True,
            "boards": True,
            "plan": False,
            "records": True,
        },
        duty_rule=DutyRuleSpec(kind="day_digit", digit=6),
    )
    assert (station.adcode, station.county_adcode) == ("430121001", "430121")
    rule = station.rules.get()
    assert (rule.purpose, rule.kind, rule.digit, rule.holiday_policy) == (
        "duty",
        "day_digit",
        6,
        "held",
    )
    assert station.six_haves["plan"] is False and station.geofence_radius_m == 200


def test_station_create_defaults_six_haves_to_unchecked(township):
    station = station_create(
        kind=StationKind.POINT,
        name="某村联络点",
        location=Point(113.01, 28.01, srid=4326),
        region=township,
    )
    assert station.six_haves == dict.fromkeys(
        ("sign", "premises", "rules", "boards", "plan", "records"), False
    )


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"location": Point(114.0, 29.0, srid=4326)}, "station.outside_region"),
        ({"kind": "industry"}, "station.sector_required"),
        ({"kind": "tower"}, "station.invalid_kind"),
        ({"duty_rule": DutyRuleSpec(kind="day_digit", digit=16)}, "station.invalid_duty_rule"),
        (
            {"duty_rule": DutyRuleSpec(kind="nth_weekday", nth=4, weekday=9)},
            "station.invalid_duty_rule",
        ),
        ({"six_haves": {"sign": True}}, "station.invalid_six_haves"),
        ({"geofence_radius_m": 0}, "station.invalid_geofence"),
    ],
)
def test_station_create_refuses(township, kwargs, code):
    args = {
        "kind": StationKind.POINT,
        "name": "x",
        "region": township,
        "location": Point(113.01, 28.01, srid=4326),
        **kwargs,
    }
    with raises(code):
        station_create(**args)


def test_station_needs_county_level_region_and_same_county_parent(township):
    province = RegionFactory(adcode="43", name="湖南省", boundary=None)
    with raises("station.region_too_large"):
        station_create(
            kind=StationKind.STATION,
            name="x",
            region=province,
            location=Point(113.01, 28.01, srid=4326),
        )
    elsewhere = StationFactory(region=RegionFactory(adcode="440784", name="鹤山市"))
    with raises("station.parent_other_county"):
        station_create(
            kind=StationKind.POINT,
            name="x",
            region=township,
            parent=elsewhere,
            location=Point(113.01, 28.01, srid=4326),
        )


def test_industry_point_and_nth_weekday_rule(township):
    station = station_create(
        kind=StationKind.INDUSTRY,
        name="花卉产业联系点",
        sector=" 花卉苗木 ",
        region=township,
        location=Point(113.02, 28.02, srid=4326),
        duty_rule=DutyRuleSpec(kind="nth_weekday", nth=4, weekday=3),
    )
    assert station.sector == "花卉苗木"
    assert station.rules.values_list("kind", "nth", "weekday").get() == ("nth_weekday", 4, 3)


# --- cross-province links ---------------------------------------------------------------------


def test_link_across_provinces_with_cadences_in_choice_order(township, guangxi_town):
    shijiao = StationFactory(region=township, name="石角镇联络站")
    wendi = StationFactory(
        region=guangxi_town, name="温地镇联络站", location=Point(110.31, 22.01, srid=4326)
    )
    link = station_link_create(
        station_a=shijiao,
        station_b=wendi,
        agreement_date=dt.date(2023, 6, 1),
        cadences=[
            LinkCadence.QUARTERLY_INTERACTION,
            "weekly_reception",
            LinkCadence.MONTHLY_EXCHANGE,
            "weekly_reception",
        ],
    )
    assert link.cadences == ["weekly_reception", "monthly_exchange", "quarterly_interaction"]
    assert link.history.count() == 1
    with raises("station_link.duplicate"):
        station_link_create(
            station_a=wendi,
            station_b=shijiao,
            agreement_date=dt.date(2023, 6, 1),
            cadences=["weekly_reception"],
        )


def test_link_refuses_same_province_same_station_and_bad_cadences(township, guangxi_town):
    a = StationFactory(region=township)
    b = StationFactory(region=RegionFactory(adcode="430182", name="宁乡市"))
    c = StationFactory(region=guangxi_town, location=Point(110.31, 22.01, srid=4326))
    with raises("station_link.same_province"):
        station_link_create(
            station_a=a,
            station_b=b,
            agreement_date=dt.date(2023, 6, 1),
            cadences=["weekly_reception"],
        )
    with raises("station_link.same_station"):
        station_link_create(
            station_a=a,
            station_b=a,
            agreement_date=dt.date(2023, 6, 1),
            cadences=["weekly_reception"],
        )
    for bad in ([], ["daily_tea"]):
        with raises("station_link.invalid_cadences"):
            station_link_create(
                station_a=a, station_b=c, agreement_date=dt.date(2023, 6, 1), cadences=bad
            )
    assert StationLink.objects.count() == 0


# --- deputies and mandates --------------------------------------------------------------------


def test_person_with_two_mandates_and_district_cells(county, township):
    cells = [GridCellFactory(region=township, col=c) for c in range(2)]
    deputy = deputy_create(name=" 李四 ", region=township, gender="F", birth_year=1975)
    assert (deputy.name, deputy.county_adcode) == ("李四", "430121")
    county_seat = mandate_create(
        deputy=deputy,
        level=CongressLevel.COUNTY,
        congress_region=county,
        district_region=township,
        district_cells=cells,
        **TERM,
    )
    mandate_create(
        deputy=deputy,
        level=CongressLevel.TOWNSHIP,
        congress_region=township,
        district_region=township,
        district_cells=cells[:1],
        **TERM,
    )
    assert set(county_seat.district_cells.values_list("pk", flat=True)) == {c.pk for c in cells}
    assert deputy.mandates.count() == 2
    with raises("mandate.duplicate"):
        mandate_create(deputy=deputy, level=CongressLevel.COUNTY, congress_region=county, **TERM)


def test_national_deputy_sits_for_a_province_and_former_deputy_is_special_liaison(township):
    hunan = RegionFactory(adcode="43", name="湖南省", boundary=None)
    deputy = DeputyFactory(region=township)
    mandate = mandate_create(
        deputy=deputy,
        level=CongressLevel.NATIONAL,
        congress_region=hunan,
        district_region=township,
        status=MandateStatus.FORMER,
        term_number=13,
        term_start=dt.date(2018, 3, 1),
        term_end=dt.date(2023, 3, 1),
    )
    assert mandate.get_status_display()


@pytest.mark.parametrize("case", ["level", "district", "cells", "term", "status"])
def test_mandate_refuses_inconsistent_regions_and_terms(county, township, case):
    other_county = RegionFactory(adcode="440784", name="鹤山市")
    deputy = DeputyFactory(region=township)
    args = {
        "deputy": deputy,
        "level": CongressLevel.COUNTY,
        "congress_region": county,
        "district_region": township,
        **TERM,
    }
    code = {
        "level": "mandate.congress_level_mismatch",
        "district": "mandate.district_outside_congress",
        "cells": "mandate.cells_outside_district",
        "term": "mandate.invalid_term",
        "status": "mandate.invalid_status",
    }[case]
    if case == "level":
        args["congress_region"] = township
    elif case == "district":
        args["district_region"] = other_county
    elif case == "cells":
        args["district_cells"] = [GridCellFactory(region=other_county)]
    elif case == "term":
        args["term_end"] = args["term_start"]
    else:
        args["status"] = "retired"
    with raises(code):
        mandate_create(**args)


# --- memberships ------------------------------------------------------------------------------


def test_membership_one_open_per_station_and_ending(township):
    deputy, station = DeputyFactory(region=township), StationFactory(region=township)
    membership = membership_add(
        deputy=deputy, station=station, since=dt.date(2022, 1, 1), role=MembershipRole.HEAD
    )
    with raises("membership.duplicate"):
        membership_add(deputy=deputy, station=station, since=dt.date(2022, 2, 1))
    with raises("membership.invalid_until"):
        membership_end(membership=membership, until=dt.date(2021, 1, 1))
    membership_end(membership=membership, until=dt.date(2023, 1, 1))
    with raises("membership.already_ended"):
        membership_end(membership=membership, until=dt.date(2023, 2, 1))
    again = membership_add(deputy=deputy, station=station, since=dt.date(2024, 1, 1))
    assert StationMembership.objects.filter(deputy=deputy).count() == 2
    assert again.role == MembershipRole.MEMBER


# --- bulk roster ------------------------------------------------------------------------------


def test_roster_import_creates_everything_or_nothing(county, township):
    cells = [GridCellFactory(region=township, col=c) for c in range(3)]
    station, point = StationFactory(region=township), StationFactory(region=township)
    good = DeputySpec(
        name="王五",
        region=township,
        since=dt.date(2022, 1, 1),
        gender="M",
        station_ids=[station.pk, point.pk],
        head_of_station_ids=[station.pk],
        mandates=[
            MandateSpec(
                level=CongressLevel.COUNTY,
                congress_region=county,
                district_region=township,
                district_cell_ids=[c.pk for c in cells],
                **TERM,
            ),
            MandateSpec(
                level=CongressLevel.TOWNSHIP,
                congress_region=township,
                district_region=township,
                district_cell_ids=[cells[0].pk],
                **TERM,
            ),
        ],
    )
    [deputy] = roster_import(specs=[good])
    assert deputy.mandates.count() == 2
    assert {m.role for m in deputy.memberships.all()} == {"head", "member"}
    assert deputy.mandates.get(level="county").district_cells.count() == 3

    no_station = DeputySpec(
        name="赵六", region=township, since=dt.date(2022, 1, 1), station_ids=[], mandates=[]
    )
    with raises("membership.required"):
        roster_import(specs=[good, no_station])
    twice = DeputySpec(
        name="孙七",
        region=township,
        since=dt.date(2022, 1, 1),
        station_ids=[station.pk],
        mandates=[MandateSpec(level="county", congress_region=county, **TERM)] * 2,
    )
    with raises("mandate.duplicate"):
        roster_import(specs=[twice])
    assert deputy.__class__.objects.count() == 1
