"""Deadlines on the official calendar (chinese-calendar, pinned): 春节 2026 with its make-up
Saturday, admin entries overriding it, and a year it does not cover said so on the opinion and
in the admin. Time is moved with time-machine, not sleeps."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import Role
from backend.opinions.admin import deadline_calendar_text
from backend.opinions.deadlines import (
    add_working_days,
    calendar_covers,
    is_working_day,
    official_years,
)
from backend.opinions.models import CalendarDay, Opinion
from backend.opinions.selectors import opinion_detail
from backend.opinions.services import opinion_create, opinion_transition
from tests.factories import DeputyFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language_after():
    """The admin requests below ask for English; LocaleMiddleware leaves it active in the thread."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def loop(county):
    township = RegionFactory(adcode="430121001", parent=county)
    return {
        "deputy": DeputyFactory(region=township),
        "staff": UserFactory(role=Role.STAFF, jurisdiction=county),
    }


def _register(deputy) -> Opinion:
    now = timezone.now()
    return opinion_create(
        deputy=deputy,
        client_uuid=uuid.uuid4(),
        category="roads",
        text="村口的桥栏杆断了",
        recorded_at=now,
    ).opinion


def test_the_official_calendar_is_built_in(db):
    first, last = official_years()
    assert first <= 2020 and last >= 2026
    # 春节 2026: Saturday 14 February worked (调休), 15-23 February off.
    assert is_working_day(dt.date(2026, 2, 14)) is True
    assert not any(is_working_day(dt.date(2026, 2, d)) for d in range(15, 24))
    assert is_working_day(dt.date(2026, 2, 24)) is True
    assert CalendarDay.objects.count() == 0  # nothing typed in by anyone


def test_a_deadline_across_spring_festival_counts_the_make_up_saturday(loop):
    # Thursday 12 February 2026, 10:00 in Shanghai: the station forwards it.
    with time_machine.travel(dt.datetime(2026, 2, 12, 10, 0, tzinfo=SHANGHAI), tick=False):
        opinion = _register(loop["deputy"])
        forwarded = opinion_transition(
            jurisdiction=jurisdiction_of(loop["staff"]),
            actor=loop["staff"],
            opinion_id=opinion.id,
            action="forward",
            handler="县交通运输局",
        )
    # Friday 13, Saturday 14 (调休), then the holiday to Monday 23: due Tuesday 24 at 10:00.
    assert timezone.localtime(forwarded.due_at) == dt.datetime(2026, 2, 24, 10, tzinfo=SHANGHAI)
    with time_machine.travel(dt.datetime(2026, 2, 13, 9, 0, tzinfo=SHANGHAI), tick=False):
        extended = opinion_transition(
            jurisdiction=jurisdiction_of(loop["staff"]),
            actor=loop["staff"],
            opinion_id=opinion.id,
            action="extend",
            reason="需现场勘查",
        )
    # + 2 working days from the deadline: Wednesday 25, Thursday 26.
    assert timezone.localtime(extended.due_at) == dt.datetime(2026, 2, 26, 10, tzinfo=SHANGHAI)
    assert opinion_detail(opinion=extended)["calendar_covered"] is True


def test_an_admin_entry_overrides_the_official_calendar(db):
    start = dt.datetime(2026, 2, 12, 10, 0, tzinfo=SHANGHAI)
    assert add_working_days(start, 2) == dt.datetime(2026, 2, 14, 10, tzinfo=SHANGHAI)
    # A county that did not work the make-up Saturday enters it as a day off ...
    CalendarDay.objects.create(day=dt.date(2026, 2, 14), workday=False, name="本县不调休")
    # ... and one that worked Monday 23 enters that as a working day.
    CalendarDay.objects.create(day=dt.date(2026, 2, 23), workday=True, name="本县上班")
    assert add_working_days(start, 2) == dt.datetime(2026, 2, 23, 10, tzinfo=SHANGHAI)


def test_a_year_the_calendar_does_not_cover_is_said_so(loop, client):
    last = official_years()[1]
    # Wednesday 30 December of the last covered year (2026: a Wednesday), forwarded at 15:00.
    with time_machine.travel(dt.datetime(last, 12, 30, 15, 0, tzinfo=SHANGHAI), tick=False):
        opinion = _register(loop["deputy"])
        forwarded = opinion_transition(
            jurisdiction=jurisdiction_of(loop["staff"]),
            actor=loop["staff"],
            opinion_id=opinion.id,
            action="forward",
            handler="县水利局",
        )
    due = timezone.localtime(forwarded.due_at)
    assert due.year == last + 1
    assert not calendar_covers(forwarded.due_at)
    assert opinion_detail(opinion=forwarded)["calendar_covered"] is False
    assert str(last + 1) in deadline_calendar_text(forwarded)

    admin = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(
        reverse("admin:opinions_opinion_change", args=[forwarded.id]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    assert f"does not cover {last + 1}" in page.content.decode()
    listing = client.get(
        reverse("admin:opinions_calendarday_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert f"deadlines in {last + 1}" in listing.content.decode()

    # Once staff enter that year's 元旦, the year counts as covered and the notes go away.
    CalendarDay.objects.create(day=dt.date(last + 1, 1, 1), workday=False, name="元旦")
    assert calendar_covers(forwarded.due_at)
    listing = client.get(
        reverse("admin:opinions_calendarday_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert f"deadlines in {last + 1}" not in listing.content.decode()
