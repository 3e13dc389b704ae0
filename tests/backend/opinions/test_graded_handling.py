"""Graded handling (Heshan) and departments with accounts (Puning): solve on the spot, forward
to a Department record, a department account sees and answers only its own, the station's
review (approve / return) before the citizen sees the answer, refer to another level, and the
department hears about re-handling (FixMyStreet #897)."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import TestCase

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import Role
from backend.core.errors import DomainError, NotFound
from backend.opinions.models import Department, HandlingLevel, Opinion
from backend.opinions.selectors import opinion_status_counts, opinion_work_list
from backend.opinions.services import opinion_create, opinion_transition
from tests.factories import DeputyFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9AM = dt.datetime(2026, 6, 8, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def world(county):
    township = RegionFactory(adcode="430121001", parent=county)
    other_county = RegionFactory(adcode="430182")
    transport = Department.objects.create(county_adcode="430121", name="县交通运输局")
    presidium = Department.objects.create(
        county_adcode="430121", name="某镇人大主席团", level=HandlingLevel.TOWNSHIP
    )
    elsewhere = Department.objects.create(county_adcode="430182", name="市交通运输局")
    return {
        "deputy": DeputyFactory(region=township),
        "staff": UserFactory(role=Role.STAFF, jurisdiction=county),
        "staff_b": UserFactory(role=Role.STAFF, jurisdiction=other_county),
        "transport": transport,
        "presidium": presidium,
        "elsewhere": elsewhere,
        "transport_user": UserFactory(role=Role.DEPARTMENT, department=transport),
        "presidium_user": UserFactory(role=Role.DEPARTMENT, department=presidium),
    }


def new_opinion(world, text="路灯坏了"):
    return opinion_create(
        deputy=world["deputy"],
        client_uuid=uuid.uuid4(),
        category="roads",
        text=text,
        recorded_at=MONDAY_9AM,
        received_at=MONDAY_9AM,
        contact_consent=True,
        citizen_contact="13812341234",
    ).opinion


def act(actor, opinion, action, **fields):
    """One transition as if committed: its on-commit notifications run."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return opinion_transition(
            jurisdiction=jurisdiction_of(actor),
            actor=actor,
            opinion_id=opinion.id,
            action=action,
            at=MONDAY_9AM + dt.timedelta(hours=1),
            **fields,
        )


def test_department_account_needs_its_department_and_no_jurisdiction(world, county):
    user = UserFactory.build(role=Role.DEPARTMENT, department=None)
    with pytest.raises(ValidationError):
        user.clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(role=Role.STAFF, jurisdiction=county, department=world["transport"])


def test_the_deputy_solves_it_on_the_spot(world):
    opinion = act(world["deputy"].user, new_opinion(world), "solve", answer="当场修好了")
    assert (opinion.status, opinion.level, opinion.answer) == ("answered", "deputy", "当场修好了")


def test_forward_to_a_department_its_account_sees_answers_and_the_station_reviews(world, outbox):
    mine, other = new_opinion(world), new_opinion(world, "另一件")
    act(world["staff"], mine, "forward", department=world["transport"].id)
    act(world["staff"], other, "forward", department=world["presidium"].id)
    stored = Opinion.objects.get(id=mine.id)
    assert (stored.level, stored.handler, stored.department_id) == (
        "county",
        "县交通运输局",
        world["transport"].id,
    )
    dept = world["transport_user"]
    count, rows = opinion_work_list(jurisdiction=jurisdiction_of(dept))
    assert count == 1 and rows[0]["id"] == mine.id
    assert opinion_status_counts(jurisdiction=jurisdiction_of(dept))["forwarded"] == 1
    with pytest.raises(NotFound):
        act(dept, other, "start")
    with pytest.raises(DomainError) as refused:
        act(dept, mine, "forward", department=world["presidium"].id)
    assert refused.value.code == "opinion.not_allowed"
    act(dept, mine, "start")
    answered = act(dept, mine, "answer", answer="已安排维修")
    assert answered.status == "reviewing"  # the citizen does not see it yet
    assert not [m for m in outbox if m.kind == "answered"]
    returned = act(world["staff"], mine, "return", reason="写明维修时间")
    assert returned.status == "handling"
    act(dept, mine, "answer", answer="6月10日前修好")
    approved = act(world["staff"], mine, "approve", answer="")
    assert (approved.status, approved.answer) == ("answered", "6月10日前修好")
    assert [m.recipient for m in outbox if m.kind == "forwarded"] == [
        f"department:{world['transport'].id}",
        f"department:{world['presidium'].id}",
    ]
    assert [m.kind for m in outbox if m.recipient == "13812341234"] == ["answered"]


def test_refer_moves_it_to_another_level_with_a_reason_and_keeps_the_deadline(world):
    opinion = new_opinion(world)
    forwarded = act(world["staff"], opinion, "forward", department=world["presidium"].id)
    with pytest.raises(DomainError) as no_reason:
        act(world["staff"], opinion, "refer", department=world["transport"].id)
    assert no_reason.value.code == "opinion.reason_required"
    referred = act(
        world["staff"], opinion, "refer", department=world["transport"].id, reason="镇里解决不了"
    )
    assert (referred.status, referred.level, referred.due_at) == (
        "forwarded",
        "county",
        forwarded.due_at,
    )
    step = referred.transitions.get(action="refer")
    assert "镇里解决不了" in step.note and "县交通运输局" in step.note
    # the township's account no longer sees it; the county department's does
    with pytest.raises(NotFound):
        act(world["presidium_user"], opinion, "start")
    assert act(world["transport_user"], opinion, "start").status == "handling"


@pytest.mark.parametrize("department", ["elsewhere", "inactive", "text", "bool", "missing"])
def test_only_an_active_department_of_the_opinions_county(world, department):
    inactive = Department.objects.create(county_adcode="430121", name="撤销的局", active=False)
    value = {
        "elsewhere": world["elsewhere"].id,
        "inactive": inactive.id,
        "text": "1",
        "bool": True,
        "missing": 10**9,
    }[department]
    with pytest.raises(NotFound) as error:
        act(world["staff"], new_opinion(world), "forward", department=value)
    assert error.value.code == "opinion.department_not_found"


def test_free_text_department_still_works_at_county_level(world):
    opinion = act(world["staff"], new_opinion(world), "forward", handler="县水利局")
    assert (opinion.level, opinion.department_id, opinion.handler) == ("county", None, "县水利局")


def test_rehandling_reaches_the_department(world, outbox):
    opinion = new_opinion(world)
    act(world["staff"], opinion, "forward", department=world["transport"].id)
    act(world["transport_user"], opinion, "start")
    act(world["transport_user"], opinion, "answer", answer="修好了")
    act(world["staff"], opinion, "approve")
    outbox.clear()
    rehandled = act(world["staff"], opinion, "rate", rating=2)
    assert rehandled.status == "rehandling"
    assert [(m.recipient, m.kind) for m in outbox] == [
        ("13812341234", "rehandling"),
        (f"department:{world['transport'].id}", "rehandling"),
    ]
    # the department answers again, through the review
    assert act(world["transport_user"], opinion, "answer", answer="重新修").status == "reviewing"
    assert act(world["staff"], opinion, "return", reason="还没修").status == "rehandling"


def test_staff_of_another_county_cannot_see_it(world):
    opinion = new_opinion(world)
    with pytest.raises(NotFound):
        act(world["staff_b"], opinion, "forward", department=world["elsewhere"].id)


def test_department_account_on_the_map_api_and_page(world, client):
    """Through HTTP: the department's list is what is referred to it (no region parameter
    needed), a transition by id works, another opinion is the same 404 as a missing one, and
    its page offers start and answer only."""
    mine, other = new_opinion(world), new_opinion(world, "另一件")
    act(world["staff"], mine, "forward", department=world["transport"].id)
    client.force_login(world["transport_user"])
    listed = client.get("/api/map/v1/opinions").json()
    assert [r["id"] for r in listed["results"]] == [mine.id]
    assert listed["results"][0]["citizen_contact"] == "*******1234"
    started = client.post(
        f"/api/map/v1/opinions/{mine.id}/transitions",
        {"action": "start"},
        content_type="application/json",
    )
    assert started.status_code == 200 and started.json()["status"] == "handling"
    hidden = client.get(f"/api/map/v1/opinions/{other.id}")
    missing = client.get("/api/map/v1/opinions/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["code"] == missing.json()["code"] == "opinion.not_found"
    page = client.get("/opinions/")
    assert page.status_code == 200
    config = page.context["config"]
    assert (config["actions"], config["isDepartment"], config["departments"]) == (
        ["answer", "start"],
        True,
        [],
    )


def test_staff_page_lists_the_countys_departments(world, client):
    client.force_login(world["staff"])
    config = client.get("/opinions/").context["config"]
    assert {d["name"] for d in config["departments"]} == {"县交通运输局", "某镇人大主席团"}
