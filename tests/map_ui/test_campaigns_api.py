"""The campaigns operations of the map data API (issue 14) on the hand-built world: create
(participants default to the region's current deputies), list, progress with one full body,
update (targets, period, participants), untouched cells as bounded GeoJSON; leaders read only,
another county sees nothing (the same 404 as a campaign that does not exist)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

MAP = "/api/map/v1/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, url, body):
    return client.post(MAP + url, json.dumps(body), content_type="application/json")


@pytest.fixture
def body():
    today = timezone.localdate()
    return {
        "name": "千名代表访万人",
        "region": "430121",
        "starts_on": (today - dt.timedelta(days=30)).isoformat(),
        "ends_on": (today + dt.timedelta(days=30)).isoformat(),
        "target_people": 300,
        "target_households": 150,
        "target_cells_pct": 90,
        "target_households_per_deputy": 50,
    }


@pytest.fixture
def created(world, body):
    response = _post(_client(world.users["staff"]), "campaigns", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_create_then_progress_full_body(world, body, created):
    d = world.deputies
    today = timezone.localdate()
    assert created["participants"] == 3
    response = _client(world.users["leader"]).get(f"{MAP}campaigns/{created['id']}")
    assert response.status_code == 200
    answer = response.json()
    assert answer == {
        "id": created["id"],
        "name": "千名代表访万人",
        "region": {"adcode": "430121", "name": "长沙县"},
        "starts_on": body["starts_on"],
        "ends_on": body["ends_on"],
        "status": "running",
        "elapsed_pct": 50.8,
        "participants": 3,
        "targets": {"people": 300, "households": 150, "cells_pct": 90, "households_per_deputy": 50},
        "overall": {
            "visits": 4,
            "people": 155,
            "households": 154,
            "cells_covered": 2,
            "cells_total": 8,
            "cells_pct": 25.0,
        },
        "targets_progress": [
            {"name": "people", "value": 155.0, "target": 300, "pct": 51.7, "band": "on_track"},
            {"name": "households", "value": 154.0, "target": 150, "pct": 102.7, "band": "met"},
            {"name": "cells_pct", "value": 25.0, "target": 90, "pct": 27.8, "band": "behind"},
        ],
        "townships": [
            {
                "adcode": "430121001",
                "name": "星沙街道",
                "cells": 4,
                "households_total": 230,
                "visits": 3,
                "people": 5,
                "households": 4,
                "cells_covered": 1,
                "cells_pct": 25.0,
                "target_cells_pct": 90,
                "band": "behind",
            },
            {
                "adcode": "430121002",
                "name": "泉塘街道",
                "cells": 4,
                "households_total": 420,
                "visits": 1,
                "people": 150,
                "households": 150,
                "cells_covered": 1,
                "cells_pct": 25.0,
                "target_cells_pct": 90,
                "band": "behind",
            },
        ],
        "deputies": [
            {
                "id": d["d1"].id,
                "name": "张代表",
                "adcode": "430121001",
                "township": "星沙街道",
                "visits": 3,
                "people": 5,
                "households": 4,
                "cells_covered": 1,
                "target_households": 50,
                "pct": 8.0,
                "band": "behind",
            },
            {
                "id": d["d2"].id,
                "name": "李代表",
                "adcode": "430121002",
                "township": "泉塘街道",
                "visits": 1,
                "people": 150,
                "households": 150,
                "cells_covered": 1,
                "target_households": 50,
                "pct": 300.0,
                "band": "met",
            },
            {
                "id": d["d3"].id,
                "name": "王代表",
                "adcode": "430121002",
                "township": "泉塘街道",
                "visits": 0,
                "people": 0,
                "households": 0,
                "cells_covered": 0,
                "target_households": 50,
                "pct": 0.0,
                "band": "behind",
            },
        ],
    }
    assert today.isoformat() <= body["ends_on"]


def test_list_is_scoped(world, created):
    rows = _client(world.users["leader"]).get(MAP + "campaigns").json()["results"]
    assert [r["id"] for r in rows] == [created["id"]]
    assert _client(world.users["leader_b"]).get(MAP + "campaigns").json() == {"results": []}


def test_missing_and_forbidden_look_the_same(world, created):
    other = _client(world.users["leader_b"])
    refused = other.get(f"{MAP}campaigns/{created['id']}")
    missing = other.get(f"{MAP}campaigns/987654321")
    assert refused.status_code == missing.status_code == 404
    assert refused.content == missing.content
    assert refused.json()["code"] == "campaign.not_found"
    untouched = other.get(f"{MAP}campaigns/{created['id']}/untouched.geojson")
    assert untouched.content == other.get(f"{MAP}campaigns/987654321/untouched.geojson").content
    staff_t1 = _client(world.users["staff_t1"])  # a township's staff: the county's is wider
    assert staff_t1.get(f"{MAP}campaigns/{created['id']}").content == missing.content


def test_a_deputy_gets_the_map_apis_404(world, created):
    response = _client(world.users["deputy"]).get(MAP + "campaigns")
    assert response.status_code == 404
    assert response.json()["code"] == "region.not_found"


def test_leader_reads_but_may_not_write(world, body, created):
    leader = _client(world.users["leader"])
    response = _post(leader, "campaigns", body)
    assert (response.status_code, response.json()["code"]) == (403, "campaign.not_allowed")
    response = _post(leader, f"campaigns/{created['id']}", {"name": "x"})
    assert (response.status_code, response.json()["code"]) == (403, "campaign.not_allowed")


def test_update_targets_period_and_participants(world, created):
    staff = _client(world.users["staff"])
    d3 = world.deputies["d3"].id
    response = _post(
        staff,
        f"campaigns/{created['id']}",
        {"name": "走访50户", "target_people": None, "remove_deputy_ids": [d3]},
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["name"] == "走访50户"
    assert answer["targets"]["people"] is None
    assert answer["targets_progress"][0] == {
        "name": "people",
        "value": 155.0,
        "target": None,
        "pct": None,
        "band": "none",
    }
    assert [r["name"] for r in answer["deputies"]] == ["张代表", "李代表"]
    response = _post(staff, f"campaigns/{created['id']}", {"add_deputy_ids": [d3]})
    assert response.json()["participants"] == 3
    outside = world.deputies["db"].id
    response = _post(staff, f"campaigns/{created['id']}", {"add_deputy_ids": [outside]})
    assert (response.status_code, response.json()["code"]) == (400, "campaign.invalid_deputy")
    response = _post(staff, f"campaigns/{created['id']}", {"ends_on": "2000-01-01"})
    assert (response.status_code, response.json()["code"]) == (400, "campaign.invalid_field")
    assert response.json()["field"] == "ends_on"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"region": "430182"}, "region.not_found", None),
        ({"region": "43012100"}, "campaign.invalid_field", "region"),
        ({"region": "430121001001"}, "campaign.invalid_field", "region"),
        ({"name": "  "}, "campaign.invalid_field", "name"),
        ({"starts_on": "2026-02-30"}, "campaign.invalid_field", "starts_on"),
        ({"target_cells_pct": 101}, "campaign.invalid_field", "target_cells_pct"),
        ({"target_people": 0}, "campaign.invalid_field", "target_people"),
        ({"target_people": True}, "campaign.invalid_field", "target_people"),
        ({"deputy_ids": [1, "2"]}, "campaign.invalid_field", "deputy_ids"),
    ],
)
def test_create_refuses_bad_fields(world, body, change, code, field):
    response = _post(_client(world.users["staff"]), "campaigns", dict(body, **change))
    assert response.status_code in (400, 404)
    assert response.json()["code"] == code
    assert response.json().get("field") == field


def test_untouched_cells_geojson(world, created):
    client = _client(world.users["leader"])
    response = client.get(f"{MAP}campaigns/{created['id']}/untouched.geojson?limit=2")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    answer = response.json()
    assert answer["type"] == "FeatureCollection"
    assert (answer["total"], answer["truncated"]) == (6, True)
    assert [f["properties"]["code"] for f in answer["features"]] == ["A-20", "A-01"]
    bad = client.get(f"{MAP}campaigns/{created['id']}/untouched.geojson?limit=0")
    assert (bad.status_code, bad.json()["code"]) == (400, "map.invalid_limit")
