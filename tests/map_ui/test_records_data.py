"""/api/map/v1/records*, record-entries, point-disputes, point-rules, targets: jurisdiction-
scoped, staff write, leaders read, JSON errors."""

import json

import pytest
from django.test import Client
from django.utils import timezone

from backend.accounts.models import Role
from backend.performance.models import RecordEntry
from tests.factories import DeputyFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db
BASE = "/api/map/v1/"


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _post(client, path, body):
    return client.post(BASE + path, json.dumps(body), content_type="application/json")


@pytest.fixture
def people(county):
    return {
        "staff": UserFactory(role=Role.STAFF, jurisdiction=county),
        "staff2": UserFactory(role=Role.STAFF, jurisdiction=county),
        "leader": UserFactory(role=Role.LEADER, jurisdiction=county),
        "deputy": DeputyFactory(region=county, name="王五"),
    }


def _entry(client, deputy, **extra):
    body = {
        "deputy_id": deputy.id,
        "item": "suggestion",
        "occurred_on": timezone.localdate().isoformat(),
        "description": "关于乡村道路的建议",
        "evidence": "建议第 12 号",
        **extra,
    }
    return _post(client, "record-entries", body)


def test_staff_enter_another_verifies_and_the_league_counts_it(people):
    staff, staff2, leader = (_client(people[k]) for k in ("staff", "staff2", "leader"))
    created = _entry(staff, people["deputy"])
    assert created.status_code == 201, created.content
    entry_id = created.json()["id"]
    self_review = _post(staff, f"record-entries/{entry_id}/transitions", {"action": "verify"})
    assert (self_review.status_code, self_review.json()["code"]) == (
        403,
        "record_entry.self_review",
    )
    ok = _post(staff2, f"record-entries/{entry_id}/transitions", {"action": "verify"})
    assert ok.json()["status"] == "verified"
    league = leader.get(BASE + "records").json()
    [row] = league["results"]
    assert (row["deputy"]["name"], row["points"], row["record"]["suggestion"]) == ("王五", 10, 1)
    detail = leader.get(BASE + f"records/{people['deputy'].id}").json()
    assert detail["points"]["lines"][0]["source"] == "entry"
    assert (
        leader.get(BASE + "record-entries?status=verified").json()["results"][0]["id"] == entry_id
    )


def test_leaders_read_only(people):
    leader = _client(people["leader"])
    for path, body in (
        ("record-entries", {"deputy_id": people["deputy"].id}),
        ("point-rules", {"item": "visit", "points": 2}),
        ("targets", {"targets": {"households": 40}}),
    ):
        response = _post(leader, path, body)
        assert (response.status_code, response.json()["code"]) == (403, "record.not_allowed")
    assert RecordEntry.objects.count() == 0


def test_another_county_sees_nothing(people):
    elsewhere = RegionFactory(adcode="440784", name="鹤山市")
    other = _client(UserFactory(role=Role.STAFF, jurisdiction=elsewhere))
    assert other.get(BASE + "records").json()["results"] == []
    missing = other.get(BASE + f"records/{people['deputy'].id}")
    assert (missing.status_code, missing.json()["code"]) == (404, "deputy.not_found")
    entry_id = _entry(_client(people["staff"]), people["deputy"]).json()["id"]
    step = _post(other, f"record-entries/{entry_id}/transitions", {"action": "verify"})
    assert (step.status_code, step.json()["code"]) == (404, "record_entry.not_found")
    entry = _entry(other, people["deputy"])
    assert (entry.status_code, entry.json()["code"]) == (404, "deputy.not_found")
    rules = other.get(BASE + "point-rules?county=430121")
    assert (rules.status_code, rules.json()["code"]) == (404, "region.not_found")


def test_rules_and_targets(people):
    staff = _client(people["staff"])
    today = timezone.localdate().isoformat()
    added = _post(
        staff, "point-rules", {"item": "visit", "points": 2, "cap": 10, "effective_from": today}
    )
    visits = [r for r in added.json()["results"] if r["item"] == "visit"]
    assert [(r["points"], r["cap"], r["effective_from"]) for r in visits] == [
        (1, 50, "2000-01-01"),
        (2, 10, today),
    ]
    back = _post(
        staff, "point-rules", {"item": "visit", "points": 3, "effective_from": "2020-01-01"}
    )
    assert (back.status_code, back.json()["code"]) == (400, "point_rule.backdated")
    assert staff.get(BASE + "targets").json()["targets"]["households"] == 50
    set_ = _post(staff, "targets", {"targets": {"households": 40, "speech": 2}})
    assert set_.json()["targets"] == {"households": 40, "speech": 2}


@pytest.mark.parametrize(
    "body",
    [
        {"deputy_id": "1"},
        {"deputy_id": True},
        {"item": "visit"},
        {"occurred_on": "2026-13-01"},
        {"occurred_on": "3000-01-01"},
        {"quantity": 0},
        {"quantity": 1.5},
        {"description": ""},
        {"evidence": ["x"]},
        {"description": "x" * 501},
        {"description": "a\x00b"},
        {"evidence": "\ud800"},
    ],
)
def test_bad_entries_are_400(people, body):
    response = _entry(_client(people["staff"]), people["deputy"], **body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] in ("record.invalid_field", "string.invalid_character")


def test_bad_parameters(people):
    leader = _client(people["leader"])
    assert leader.get(BASE + "records?year=20x6").json()["code"] == "record.invalid_year"
    assert leader.get(BASE + "record-entries?status=x").json()["code"] == "map.invalid_status"
    assert leader.get(BASE + "records?region=x").json()["code"] == "map.invalid_region"
    raw = _client(people["staff"]).post(
        BASE + "record-entries", b"[1]", content_type="application/json"
    )
    assert raw.json()["code"] == "request.malformed_json"
