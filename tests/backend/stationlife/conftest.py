"""Fixtures of the station-life tests: a county with a township station (逢六进站, 逢四议事:
the fourth Thursday), its deputies, staff, a leader and a department; the notification outbox."""

import datetime as dt

import pytest

from backend.accounts.models import Role
from backend.core import notify
from backend.liaison.models import DutyRule, RuleKind, RulePurpose
from backend.opinions.models import Department, HandlingLevel
from tests.factories import (
    DeputyFactory,
    RegionFactory,
    StationFactory,
    StationMembershipFactory,
    UserFactory,
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
