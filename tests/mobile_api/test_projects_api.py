"""The phone API of livelihood projects: calls, a proposal from the field, the secret vote and
its published result, supervision and evaluation; nothing served names a stored ballot."""

from __future__ import annotations

import json
import uuid

import pytest
from django.utils import timezone

from backend.projects import services
from backend.projects.models import AnonymousBallot, BallotParticipation
from tests.backend.projects.world import build_world, candidates

from .conftest import Api


@pytest.fixture
def world(db):
    return build_world()


def _phone(username: str) -> Api:
    client = Api()
    client.login(username, device_id=f"phone-{username}")
    return client


def _open(world, n=3, seats=2):
    return services.ballot_open(
        jurisdiction=world.staff_j(),
        actor=world.staff,
        call=world.call,
        title="票决",
        proposal_ids=[p.pk for p in candidates(world, n)],
        max_choices=seats,
    )


def test_a_deputy_proposes_from_the_field_once(world):
    api = _phone("pdep0")
    calls = api.get("project-calls").json()["results"]
    assert [c["id"] for c in calls] == [world.call.pk]
    body = {
        "client_uuid": str(uuid.uuid4()),
        "title": "村口道路硬化",
        "description": "雨天积水",
        "estimated_cost_yuan": 800000,
        "location": {"type": "Point", "coordinates": [113.01, 28.01]},
    }
    first = api.post(f"project-calls/{world.call.pk}/proposals", body)
    assert first.status_code == 201, first.content
    assert first.json()["stage"] == "collected" and first.json()["result"] == "created"
    assert first.json()["location"] == {"type": "Point", "coordinates": [113.01, 28.01]}
    again = api.post(f"project-calls/{world.call.pk}/proposals", body)
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    changed = api.post(f"project-calls/{world.call.pk}/proposals", {**body, "title": "别的"})
    assert (changed.status_code, changed.json()["code"]) == (409, "project.conflict")
    outsider = _phone("pcounty")
    assert outsider.get("project-calls").json()["results"] == []
    refused = outsider.post(f"project-calls/{world.call.pk}/proposals", body)
    assert (refused.status_code, refused.json()["code"]) == (404, "project.call_not_found")


def test_the_vote_on_the_phone_and_the_published_result(world):
    session = _open(world)
    c = list(session.candidates.order_by("position").values_list("id", flat=True))
    phones = [_phone(f"pdep{i}") for i in range(6)]
    listed = phones[0].get("ballots").json()["results"]
    assert [(b["id"], b["status"], b["has_voted"]) for b in listed] == [(session.pk, "open", False)]
    too_many = phones[0].post(f"ballots/{session.pk}/vote", {"choices": c})
    assert (too_many.status_code, too_many.json()["code"]) == (400, "ballot.too_many_choices")
    responses = []
    for i, choices in enumerate([[c[0], c[1]], [c[0]], [c[0], c[2]], [c[0]], []]):
        response = phones[i].post(f"ballots/{session.pk}/vote", {"choices": choices})
        assert response.status_code == 200, response.content
        assert response.json()["has_voted"] is True and response.json()["turnout"] is None
        responses.append(response.content.decode())
    twice = phones[0].post(f"ballots/{session.pk}/vote", {"choices": [c[2]]})
    assert (twice.status_code, twice.json()["code"]) == (409, "ballot.already_voted")
    outsider = _phone("pcounty")
    assert outsider.get(f"ballots/{session.pk}").status_code == 404
    assert outsider.post(f"ballots/{session.pk}/vote", {"choices": []}).status_code == 404
    for bad in ({"choices": "x"}, {"choices": [0]}, {"choices": [1.5]}, {}, {"choices": [None]}):
        response = phones[5].post(f"ballots/{session.pk}/vote", bad)
        assert response.status_code == 400 and "code" in response.json()
    services.ballot_close(jurisdiction=world.staff_j(), actor=world.staff, ballot_id=session.pk)
    result = phones[5].get(f"ballots/{session.pk}").json()
    assert (result["status"], result["turnout"], result["blank_count"]) == ("closed", 5, 1)
    assert [(x["votes"], x["result"]) for x in result["candidates"]] == [
        (4, "elected"),
        (1, "not_elected"),
        (1, "not_elected"),
    ]
    late = phones[5].post(f"ballots/{session.pk}/vote", {"choices": [c[0]]})
    assert (late.status_code, late.json()["code"]) == (409, "ballot.closed")
    # No answer names a stored ballot: neither its key nor anything per voter.
    keys = [str(k) for k in AnonymousBallot.objects.values_list("id", flat=True)]
    served = "".join(responses) + json.dumps(result) + phones[0].get("ballots").content.decode()
    assert keys and not any(k in served for k in keys)
    assert BallotParticipation.objects.filter(session=session).count() == 5


def test_supervision_and_evaluation_of_a_chosen_project(world):
    session = _open(world, n=2, seats=1)
    first = session.candidates.order_by("position").first()
    for i in range(4):
        services.ballot_cast(deputy=world.deputies[i], session=session, choices=[first.id])
    services.ballot_close(jurisdiction=world.staff_j(), actor=world.staff, ballot_id=session.pk)
    api = _phone("pdep0")
    body = {
        "client_uuid": str(uuid.uuid4()),
        "findings": "路基已完成",
        "visited_at": timezone.now().isoformat(),
    }
    visit = api.post(f"projects/{first.proposal_id}/supervisions", body)
    assert (visit.status_code, visit.json()["result"]) == (201, "created")
    assert api.post(f"projects/{first.proposal_id}/supervisions", body).status_code == 200
    rated = api.post(f"projects/{first.proposal_id}/evaluation", {"satisfied": True})
    assert rated.status_code == 200 and rated.json()["satisfied"] is True
    other = session.candidates.order_by("position").last()
    refused = api.post(
        f"projects/{other.proposal_id}/supervisions", body | {"client_uuid": str(uuid.uuid4())}
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "project.not_chosen")
