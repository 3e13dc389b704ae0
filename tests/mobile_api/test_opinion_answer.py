"""POST opinions/{id}/answer: the deputy's own step in the closed loop, through its service."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import Role
from backend.opinions.models import Opinion, OpinionTransition
from backend.opinions.services import opinion_transition
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ANSWER = "已联系镇交通办，本周内修补路面。"


@pytest.fixture
def staff(county):
    return UserFactory(role=Role.STAFF, jurisdiction=county)


def take_down(api) -> int:
    response = api.post(
        "opinions",
        {
            "client_uuid": str(uuid.uuid4()),
            "category": "roads",
            "text": "村口道路破损",
            "recorded_at": (timezone.now() - dt.timedelta(minutes=3)).isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def in_handling(api, staff) -> int:
    opinion_id = take_down(api)
    opinion_transition(
        jurisdiction=jurisdiction_of(staff),
        actor=staff,
        opinion_id=opinion_id,
        action="forward",
        handler="镇交通办",
    )
    opinion_transition(
        jurisdiction=jurisdiction_of(staff), actor=staff, opinion_id=opinion_id, action="start"
    )
    return opinion_id


def test_registered_opinion_cannot_be_answered_yet(api):
    opinion_id = take_down(api)
    shown = api.get(f"opinions/{opinion_id}").json()
    assert shown["can_answer"] is False
    assert shown["answer"] is None and shown["rating"] is None and shown["handler"] == ""
    response = api.post(f"opinions/{opinion_id}/answer", {"answer": ANSWER})
    assert response.status_code == 409
    assert response.json()["code"] == "opinion.invalid_transition"
    assert Opinion.objects.get(id=opinion_id).status == "registered"
    assert OpinionTransition.objects.filter(opinion_id=opinion_id).count() == 1


def test_answer_in_handling(api, staff):
    opinion_id = in_handling(api, staff)
    listed = api.get("opinions").json()["results"][0]
    assert listed["id"] == opinion_id and listed["status"] == "handling"
    assert listed["can_answer"] is True and listed["handler"] == "镇交通办"
    response = api.post(f"opinions/{opinion_id}/answer", {"answer": f"  {ANSWER} "})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "answered" and body["answer"] == ANSWER
    assert body["can_answer"] is False
    stored = Opinion.objects.get(id=opinion_id)
    assert stored.status == "answered" and stored.answer == ANSWER
    last = OpinionTransition.objects.filter(opinion_id=opinion_id).order_by("-id").first()
    assert (last.action, last.from_status, last.to_status) == ("answer", "handling", "answered")
    assert last.by_id == stored.deputy.user_id
    # A second answer (a retry included) is refused by the loop, not stored twice.
    again = api.post(f"opinions/{opinion_id}/answer", {"answer": "另一个答复"})
    assert again.status_code == 409 and again.json()["code"] == "opinion.invalid_transition"
    assert Opinion.objects.get(id=opinion_id).answer == ANSWER


def test_rating_shows_and_rehandling_can_be_answered_again(api, staff):
    opinion_id = in_handling(api, staff)
    assert api.post(f"opinions/{opinion_id}/answer", {"answer": ANSWER}).status_code == 200
    opinion_transition(
        jurisdiction=jurisdiction_of(staff),
        actor=staff,
        opinion_id=opinion_id,
        action="rate",
        rating=2,
    )
    shown = api.get(f"opinions/{opinion_id}").json()
    assert (shown["status"], shown["rating"], shown["can_answer"]) == ("rehandling", 2, True)
    second = api.post(f"opinions/{opinion_id}/answer", {"answer": "第二次答复：已修好。"})
    assert second.status_code == 200 and second.json()["answer"] == "第二次答复：已修好。"


def test_another_deputys_opinion_is_404_like_a_missing_one(api, other_api, staff):
    opinion_id = in_handling(api, staff)
    response = other_api.post(f"opinions/{opinion_id}/answer", {"answer": ANSWER})
    missing = other_api.post("opinions/987654321/answer", {"answer": ANSWER})
    assert response.status_code == missing.status_code == 404
    assert response.json()["code"] == "opinion.not_found"
    assert response.content == missing.content
    assert Opinion.objects.get(id=opinion_id).status == "handling"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"answer": ""}, "field.blank"),
        ({}, "field.required"),
        ({"answer": 12}, "string.invalid"),
        ({"answer": "修好\x00了"}, "string.invalid_character"),
        ({"answer": "x" * 2001}, "field.max_length"),
    ],
)
def test_bad_answers_are_400(api, staff, body, code):
    opinion_id = in_handling(api, staff)
    response = api.post(f"opinions/{opinion_id}/answer", body)
    assert response.status_code == 400, response.content
    assert response.json()["errors"]["answer"]["code"] == code
    assert Opinion.objects.get(id=opinion_id).status == "handling"


def test_whitespace_only_answer_is_refused(api, staff):
    opinion_id = in_handling(api, staff)
    response = api.post(f"opinions/{opinion_id}/answer", {"answer": " \n  "})
    assert response.status_code == 400
    assert response.json()["errors"]["answer"]["code"] == "field.blank"
    assert Opinion.objects.get(id=opinion_id).status == "handling"
