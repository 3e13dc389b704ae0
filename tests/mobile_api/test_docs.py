"""The OpenAPI schema and its docs pages, served offline from the sidecar's static files."""

import pytest
from django.contrib.staticfiles import finders
from openapi_spec_validator import OpenAPIV30SpecValidator

from .conftest import API

pytestmark = pytest.mark.django_db


def test_schema_is_openapi3_with_lon_lat_examples(client):
    response = client.get(API + "schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert {
        "/api/mobile/v1/visits/sync",
        "/api/mobile/v1/me",
        "/api/mobile/v1/me/cells",
        "/api/mobile/v1/stations/nearby",
        "/api/mobile/v1/checkins",
        "/api/mobile/v1/opinions",
        "/api/mobile/v1/auth/login",
    } <= paths
    assert not any(p.startswith(("/api/map", "/tiles")) for p in paths)
    sync = schema["paths"]["/api/mobile/v1/visits/sync"]["post"]
    example = sync["requestBody"]["content"]["application/json"]["examples"]
    record = next(iter(example.values()))["value"]["records"][0]
    lon, lat = record["location"]["coordinates"]
    assert 73 < lon < 136 and 3 < lat < 54  # [lon, lat], not the swapped GIS default
    point = schema["components"]["schemas"]["VisitRecordInputRequest"]["properties"]["location"]
    assert point["example"] == {"type": "Point", "coordinates": [113.012345, 28.234567]}
    assert "deviceJWT" in schema["components"]["securitySchemes"]


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        (
            "docs/",
            [
                "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
                "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
            ],
        ),
        ("redoc/", ["drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"]),
    ],
)
def test_docs_pages_use_local_static_files(client, page, assets):
    response = client.get(API + page)
    assert response.status_code == 200
    html = response.content.decode()
    for asset in assets:
        assert f"/static/{asset}" in html
        assert finders.find(asset), asset
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_schema_is_valid_openapi(client):
    """openapi-spec-validator finds no error in the served schema (defaults within their own
    constraints, paginated lists declared as pages, GeoJSON declared as application/geo+json)."""
    schema = client.get(API + "schema/", HTTP_ACCEPT="application/json").json()
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
        for e in OpenAPIV30SpecValidator(schema).iter_errors()
    ]
    assert errors == []


def test_schema_declares_what_the_endpoints_answer(client):
    schema = client.get(API + "schema/", HTTP_ACCEPT="application/json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]
    cells = paths["/api/mobile/v1/me/cells"]["get"]["responses"]["200"]["content"]
    assert set(cells) == {"application/geo+json"}
    for path in ("/api/mobile/v1/visits", "/api/mobile/v1/opinions", "/api/mobile/v1/checkins"):
        ref = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        page = components[ref["$ref"].rsplit("/", 1)[1]]
        assert {"count", "next", "previous", "results"} <= set(page["properties"]), path
        assert page["properties"]["results"]["type"] == "array", path
