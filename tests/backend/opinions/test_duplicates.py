"""Duplicate linking (FixMyStreet): similar open opinions offered to staff (≤ 200 m, same
category, 30 days, on a hand-built set), `link` closes one as a duplicate of the canonical case,
and the citizens following either see and hear the canonical case's outcome."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import TestCase

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import Role
from backend.core import notify
from backend.core.errors import NotFound
from backend.intake.models import CitizenSubmission
from backend.intake.selectors import tracking_view
from backend.intake.services import citizen_opinion_register
from backend.opinions.models import Opinion
from backend.opinions.selectors import opinion_similar
from backend.opinions.services import opinion_transition
from tests.factories import RegionFactory, StationFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 6, 8, 9, 0, tzinfo=SHANGHAI)
LON, LAT = 113.1, 28.2
METRE_LAT = 1 / 111_320  # degrees of latitude in a metre (near enough here)


@pytest.fixture(autouse=True)
def _outbox(outbox):
    return outbox


@pytest.fixture
def world(county):
    township = RegionFactory(adcode="430121001", parent=county)
    return {
        "station": StationFactory(region=township),
        "staff": UserFactory(role=Role.STAFF, jurisdiction=county),
        "staff_b": UserFactory(role=Role.STAFF, jurisdiction=RegionFactory(adcode="430182")),
    }


def submit(world, *, north_m=0.0, days=0, category="roads", phone=""):
    return citizen_opinion_register(
        station=world["station"],
        category=category,
        text=f"路灯不亮 {north_m} m {days} d",
        lon=LON,
        lat=LAT + north_m * METRE_LAT,
        phone=phone,
        received_at=T0 + dt.timedelta(days=days),
    )


def act(actor, opinion, action, **fields):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return opinion_transition(
            jurisdiction=jurisdiction_of(actor),
            actor=actor,
            opinion_id=opinion.id,
            action=action,
            at=T0 + dt.timedelta(days=1),
            **fields,
        )


def fresh(submission):
    return CitizenSubmission.objects.select_related("opinion").get(id=submission.id)


def set_created(submission, days):
    Opinion.objects.filter(id=submission.opinion_id).update(created_at=T0 + dt.timedelta(days=days))


def test_similar_opinions_on_a_hand_built_set(world):
    new = submit(world)
    near = submit(world, north_m=150)
    far = submit(world, north_m=260)
    other_category = submit(world, north_m=20, category="water")
    old = submit(world, north_m=30)
    set_created(old, -31)
    month = submit(world, north_m=60)
    set_created(month, -29)
    closed = submit(world, north_m=10)
    Opinion.objects.filter(id=closed.opinion_id).update(status="closed")
    for submission in (new, near, far, other_category, closed):
        set_created(submission, 0)
    found = opinion_similar(
        jurisdiction=jurisdiction_of(world["staff"]), opinion=Opinion.objects.get(id=new.opinion_id)
    )
    assert [(r["id"], r["distance_m"]) for r in found] == [
        (month.opinion_id, 60),
        (near.opinion_id, 150),
    ]
    assert far.opinion_id and other_category.opinion_id  # left out: 260 m, another category
    # another county's staff see none of it
    assert (
        opinion_similar(
            jurisdiction=jurisdiction_of(world["staff_b"]),
            opinion=Opinion.objects.get(id=new.opinion_id),
        )
        == []
    )


def test_link_closes_the_duplicate_and_its_citizen_follows_the_canonical_case(world):
    canonical = submit(world, phone="13800000001")
    duplicate = submit(world, north_m=50, phone="13800000002")
    linked = act(world["staff"], duplicate.opinion, "link", duplicate_of=canonical.opinion_id)
    assert (linked.status, linked.duplicate_of_id) == ("closed", canonical.opinion_id)
    assert linked.transitions.get(action="link").note == f"#{canonical.opinion_id}"

    act(world["staff"], canonical.opinion, "forward", handler="县路灯所")
    act(world["staff"], canonical.opinion, "start")
    act(world["staff"], canonical.opinion, "answer", answer="已更换灯泡")
    view = tracking_view(submission=fresh(duplicate))
    assert view["linked"] is True
    assert (view["status"], view["answer"], view["rateable"]) == ("answered", "已更换灯泡", False)
    assert view["text"] == duplicate.opinion.text  # its own words
    assert [(m.recipient, m.kind) for m in notify.outbox if ":" not in m.recipient] == [
        ("13800000001", "answered"),
        ("13800000002", "answered"),
    ]
    assert tracking_view(submission=fresh(canonical))["rateable"] is True


@pytest.mark.parametrize("target", ["itself", "duplicate", "other_county", "missing", "text"])
def test_link_only_to_a_visible_canonical_case(world, target):
    a, b = submit(world), submit(world, north_m=10)
    act(world["staff"], b.opinion, "link", duplicate_of=a.opinion_id)
    elsewhere = citizen_opinion_register(
        station=StationFactory(region=RegionFactory(adcode="430182001")),
        category="roads",
        text="别处",
    )
    c = submit(world, north_m=20)
    value = {
        "itself": c.opinion_id,
        "duplicate": b.opinion_id,
        "other_county": elsewhere.opinion_id,
        "missing": 10**9,
        "text": str(a.opinion_id),
    }[target]
    with pytest.raises(NotFound) as error:
        act(world["staff"], c.opinion, "link", duplicate_of=value)
    assert error.value.code == "opinion.duplicate_not_found"


def test_linking_a_case_with_duplicates_moves_them_to_the_new_canonical(world):
    a, b, c = submit(world), submit(world, north_m=10), submit(world, north_m=20)
    act(world["staff"], b.opinion, "link", duplicate_of=a.opinion_id)
    act(world["staff"], a.opinion, "link", duplicate_of=c.opinion_id)
    assert set(Opinion.objects.filter(duplicate_of=c.opinion_id).values_list("id", flat=True)) == {
        a.opinion_id,
        b.opinion_id,
    }


def test_the_tracking_page_of_a_duplicate_says_it_follows_the_case(world, client):
    canonical, duplicate = submit(world), submit(world, north_m=30)
    act(world["staff"], duplicate.opinion, "link", duplicate_of=canonical.opinion_id)
    page = client.get(f"/t/{duplicate.tracking_code}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert 'data-linked="1"' in page.content.decode()
    assert "合并为一件办理" in page.content.decode()
    assert 'data-linked="1"' not in client.get(f"/t/{canonical.tracking_code}/").content.decode()
