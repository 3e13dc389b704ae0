"""The map data API's OpenAPI schema (/api/map/v1/schema/) covers every operation of the URL
conf, with the methods each answers, its query parameters, bodies and typed answers."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import URLPattern

from map_ui.data_urls import operations

pytestmark = pytest.mark.django_db


def _openapi_path(pattern: URLPattern) -> str:
    route = str(pattern.pattern)
    for converter in ("int:", "str:", "slug:"):
        route = route.replace(f"<{converter}", "{")
    return "/" + route.replace(">", "}")


@pytest.fixture(scope="module")
def schema():
    response = Client().get("/api/map/v1/schema/", headers={"accept": "application/json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_every_operation_is_in_the_schema_with_its_methods(schema):
    expected = {
        _openapi_path(p): {m.lower() for m in p.callback.view_class.methods} for p in operations
    }
    found = {path: set(ops) for path, ops in schema["paths"].items()}
    assert found == expected
    assert len(expected) == 62  # + opinion-pins (issue 12), + 8 record operations (issue 14),
    # + 14 station-life operations, + 5 rota paths (issue 13), + 3 export paths (issue 14),
    # + 9 projects (15), + the region's overdue counts (13), + the per-township project funnel (15)
    # + 3 campaign paths (issue 14), + the cluster → proposal (15)


def test_parameters_bodies_and_answers_are_typed(schema):
    components = schema["components"]["schemas"]
    for pattern in operations:
        view = pattern.callback.view_class
        for method in view.methods:
            op = schema["paths"][_openapi_path(pattern)][method.lower()]
            assert op["security"] == [{"session": []}], pattern.name
            ok = op["responses"].get("200") or op["responses"]["201"]
            content = ok.get("content", {})
            assert content, f"{pattern.name}: no typed answer"
            for media in content.values():
                ref = media["schema"].get("$ref")
                if ref:  # the binary tile has no component
                    assert ref.rsplit("/", 1)[1] in components
            assert op["responses"]["401"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/MapError"
            }
            if method == "POST":
                body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                assert components[body.rsplit("/", 1)[1]]["properties"], pattern.name
    gaps = schema["paths"]["/api/map/v1/gaps"]["get"]["parameters"]
    assert {(p["name"], p["schema"]["type"]) for p in gaps} == {
        ("days", "integer"),
        ("limit", "integer"),
        ("region", "string"),
    }
    stats = components["RegionStatsOutput"]["properties"]
    assert stats["children"]["items"] == {"$ref": "#/components/schemas/RegionLeagueRowOutput"}
    assert components["OpinionRowOutput"]["properties"]["citizen_contact"]["type"] == "string"


def test_the_schema_is_public_but_the_operations_are_not():
    client = Client()
    assert client.get("/api/map/v1/schema/").status_code == 200
    answer = client.get("/api/map/v1/gaps")
    assert (answer.status_code, answer.json()["code"]) == (401, "auth.required")
