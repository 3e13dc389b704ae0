"""Regressions of issue 8 on the map data API's two POST endpoints: deeply nested JSON, NUL and
lone surrogates in text fields, and the role checked before the body is parsed."""

import json

import pytest
from django.test import Client

from backend.grid.models import GridAssignment
from backend.opinions.models import OpinionTransition

API = "/api/map/v1/"
DEEP = "[" * 100_000 + "]" * 100_000


def client_for(world, who: str) -> Client:
    client = Client()
    client.force_login(world.users[who])
    return client


def post(client: Client, path: str, body) -> tuple[int, dict]:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    response = client.post(API + path, data, content_type="application/json")
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.status_code, response.json()


def transitions(world) -> str:
    return f"opinions/{world.opinions['lone'].id}/transitions"


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_deeply_nested_json_is_a_400_not_a_500(world, who):
    client = client_for(world, who)
    for path in ("assignments", transitions(world)):
        for body in (DEEP, '{"cells": ' + DEEP[:-1] + "}"):
            status, data = post(client, path, body)
            assert (status, data["code"]) == (400, "request.malformed_json"), (path, data)


@pytest.mark.parametrize("who", ["leader", "deputy"])
def test_the_role_is_checked_before_the_body_is_parsed(world, who):
    client = client_for(world, who)
    status, data = post(client, "assignments", DEEP)
    assert (status, data["code"]) == (403, "assignment.not_allowed")
    status, data = post(client, "assignments", "not json at all")
    assert (status, data["code"]) == (403, "assignment.not_allowed")


def test_a_leader_may_not_transition_even_with_a_broken_body(world):
    status, data = post(client_for(world, "leader"), transitions(world), DEEP)
    assert (status, data["code"]) == (403, "opinion.not_allowed")


@pytest.mark.parametrize("bad", ["\u0000", "a\u0000b", "\ud800", "x\udfffy"])
def test_nul_and_lone_surrogates_in_assignment_reason(world, bad):
    body = {"cells": [world.cell("a21").id], "deputy": world.deputies["d1"].id, "reason": bad}
    status, data = post(client_for(world, "staff"), "assignments", body)
    assert (status, data["code"], data["field"]) == (400, "string.invalid_character", "reason")
    assert not GridAssignment.objects.filter(reason__contains="b").exists()


@pytest.mark.parametrize("field", ["handler", "note", "reason", "answer"])
@pytest.mark.parametrize("bad", ["\u0000", "税务\u0000局", "\ud800", "\udbff\u0041"])
def test_nul_and_lone_surrogates_in_transition_text(world, field, bad):
    before = OpinionTransition.objects.count()
    body = {"action": "forward", "handler": "县交通局", field: bad}
    status, data = post(client_for(world, "staff"), transitions(world), body)
    assert (status, data["code"], data["field"]) == (400, "string.invalid_character", field)
    assert "message" in data
    assert OpinionTransition.objects.count() == before


def test_nul_in_action_is_refused_cleanly(world):
    body = {"action": "forward\u0000", "handler": "县交通局"}
    status, data = post(client_for(world, "staff"), transitions(world), body)
    assert (status, data["code"], data["field"]) == (400, "string.invalid_character", "action")


def test_valid_text_with_unicode_still_works(world):
    body = {"action": "forward", "handler": "县交通局 🚧", "note": "Nan, Infinity"}
    status, data = post(client_for(world, "staff"), transitions(world), body)
    assert status == 200, data
    assert data["handler"] == "县交通局 🚧"
