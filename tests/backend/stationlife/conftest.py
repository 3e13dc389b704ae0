"""Fixtures of the station-life tests: a county with a township station (逢六进站, 逢四议事:
the fourth Thursday), its deputies, staff, a leader and a department; the notification outbox."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point

from backend.accounts.models import Role
from backend.core import notify
from backend.liaison.models import DutyRule, RuleKind, RulePurpose, StationLink
from backend.opinions.models import Department, HandlingLevel
from tests.factories import (
    DeputyFactory,
    RegionFactory,
    StationFactory,
    StationMembershipFactory,
    UserFactory,
    square,
)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def outbox(settings):
    settings.NOTIFY_BACKEND = "backend.core.notify.LocmemBackend"
    notify.outbox.clear()
    return notify.outbox


@pytest.fixture
def place(county):
    township = RegionFactory(adcode="430121001", parent=county, name="星沙街道")
    other_county = RegionFactory(adcode="430182", name="宁乡市")
    station = StationFactory(region=township, name="星沙联络站", address="星沙大道1号")
    DutyRule.objects.create(
        station=station,
        purpose=RulePurpose.DELIBERATION,
        kind=RuleKind.NTH_WEEKDAY,
        nth=4,
        weekday=3,
        opens_at=dt.time(14, 30),
        closes_at=dt.time(17, 0),
    )
    since = dt.date(2025, 1, 1)
    deputies = [DeputyFactory(region=township, name=f"代表{i}") for i in range(3)]
    no_account = DeputyFactory(region=township, name="无账号代表", user=None)
    for d in [*deputies, no_account]:
        StationMembershipFactory(deputy=d, station=station, since=since)
    left = DeputyFactory(region=township, name="离任代表")
    StationMembershipFactory(deputy=left, station=station, since=since, until=dt.date(2025, 6, 1))
    department = Department.objects.create(
        county_adcode="430121", name="县住建局", level=HandlingLevel.COUNTY
    )
    elsewhere = Department.objects.create(
        county_adcode="430182", name="市住建局", level=HandlingLevel.COUNTY
    )
    return {
        "county": county,
        "township": township,
        "station": station,
        "deputies": deputies,
        "no_account": no_account,
        "left": left,
        "department": department,
        "elsewhere": elsewhere,
        "staff": UserFactory(username="staff", role=Role.STAFF, jurisdiction=county),
        "leader": UserFactory(username="leader", role=Role.LEADER, jurisdiction=county),
        "staff_x": UserFactory(username="staff_x", role=Role.STAFF, jurisdiction=other_county),
    }


@pytest.fixture
def link(db):
    gd = RegionFactory(adcode="440881", name="廉江市", boundary=square(110.0, 21.5, 0.5))
    gd_town = RegionFactory(
        adcode="440881120", name="石角镇", parent=gd, boundary=square(110.0, 21.5, 0.1)
    )
    gx = RegionFactory(adcode="450981", name="北流市", boundary=square(110.3, 22.0, 0.5))
    gx_town = RegionFactory(adcode="450923113", name="文地镇", boundary=square(110.1, 21.7, 0.1))
    gx_other = RegionFactory(adcode="450923", name="博白县", boundary=square(110.0, 21.7, 0.5))
    shijiao = StationFactory(region=gd_town, name="石角镇联络站", location=Point(110.05, 21.55))
    wendi = StationFactory(region=gx_town, name="文地镇联络站", location=Point(110.15, 21.75))
    elsewhere = StationFactory(region=gx, name="北流联络站", location=Point(110.4, 22.1))
    link = StationLink.objects.create(
        station_a=shijiao,
        station_b=wendi,
        agreement_date=dt.date(2026, 1, 1),
        cadences=["weekly_reception", "monthly_exchange", "quarterly_interaction"],
        rules="十二项制度",
    )
    return {
        "link": link,
        "shijiao": shijiao,
        "wendi": wendi,
        "elsewhere": elsewhere,
        "gd_staff": UserFactory(username="gd", role=Role.STAFF, jurisdiction=gd),
        "gx_staff": UserFactory(username="gx", role=Role.STAFF, jurisdiction=gx_town),
        "gx_leader": UserFactory(username="gxl", role=Role.LEADER, jurisdiction=gx_other),
        "outsider": UserFactory(username="bl", role=Role.STAFF, jurisdiction=gx),
        "admin": UserFactory(username="root", role=Role.ADMIN, is_superuser=True),
    }
