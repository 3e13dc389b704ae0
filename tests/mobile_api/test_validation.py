"""Input that must never get a 500: each case is a 400 (or 413) JSON error with a stable code,
in zh-hans by default and in English with Accept-Language: en. These are hand-written because
schemathesis does not generate NaN/Infinity."""

import json
import uuid

import pytest

from backend.visits.models import Visit

from .conftest import API, Api

pytestmark = pytest.mark.django_db


def _visit_error(api, record, **overrides):
    body = api.post("visits/sync", {"records": [record(**overrides)]}).json()
    result = body["results"][0]
    assert result["status"] == "rejected", result
    return result["errors"]


def point(*coordinates, **extra):
    return {"type": "Point", "coordinates": list(coordinates), **extra}


@pytest.mark.parametrize(
    ("location", "code"),
    [
        (point(200, 100), "geometry.out_of_range"),
        (point(113.0, -91), "geometry.out_of_range"),
        (point(28.2, 113.0), "geometry.swapped_axes"),
        (point(113.0, 28.0, 50.0), "geometry.3d"),
        (point(113.0), "geometry.invalid"),
        (point("113.0", "28.0"), "geometry.invalid"),
        (point(True, 28.0), "geometry.invalid"),
        (
            {"type": "Polygon", "coordinates": [[[113, 28], [113.1, 28], [113, 28.1], [113, 28]]]},
            "geometry.wrong_type",
        ),
        ({"type": "LineString", "coordinates": [[113, 28], [113.1, 28]]}, "geometry.wrong_type"),
        (
            point(113.0, 28.0, crs={"type": "name", "properties": {"name": "EPSG:3857"}}),
            "geometry.crs_member",
        ),
        ("POINT(113.0 28.0)", "geometry.untagged_wkt"),
        ("SRID=4326;POINT(113.0 28.0)", "geometry.untagged_wkt"),
        ("113.0,28.0", "geometry.invalid"),
        ([113.0, 28.0], "geometry.invalid"),
        ({"type": "Feature", "geometry": point(113.0, 28.0)}, "geometry.wrong_type"),
    ],
)
def test_bad_locations(api, record, location, code):
    assert _visit_error(api, record, location=location)["location"]["code"] == code


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("recorded_at", "2026-11-16T10:00:00", "datetime.naive"),
        ("recorded_at", "yesterday", "datetime.invalid"),
        ("recorded_at", 1763260800, "datetime.invalid"),
        ("recorded_at", "1900-01-01T00:00:00+08:00", "datetime.out_of_range"),
        ("client_uuid", "1234", "uuid.invalid"),
        ("client_uuid", "{12345678-1234-1234-1234-123456789abc}", "uuid.invalid"),
        ("client_uuid", 12, "uuid.invalid"),
        ("accuracy_m", "12", "number.invalid"),
        ("accuracy_m", -1, "number.out_of_range"),
        ("accuracy_m", 1e300, "number.out_of_range"),
        ("households", 1.5, "number.not_integer"),
        ("households", -1, "number.out_of_range"),
        ("households", True, "number.not_integer"),
        ("kind", "party", "choice.invalid"),
        ("mock_location", "yes", "boolean.invalid"),
        ("notes", 5, "string.invalid"),
        ("notes", "x" * 2001, "field.max_length"),
        ("crs", "EPSG:4490", "crs.unsupported"),
    ],
)
def test_bad_fields(api, record, field, value, code):
    assert _visit_error(api, record, **{field: value})[field]["code"] == code


def test_missing_required_fields(api):
    errors = api.post("visits/sync", {"records": [{}]}).json()["results"][0]["errors"]
    assert {k: v["code"] for k, v in errors.items()} == {
        "client_uuid": "field.required",
        "kind": "field.required",
        "location": "field.required",
        "recorded_at": "field.required",
    }


@pytest.mark.parametrize(
    "raw",
    [
        '{"records": [{"accuracy_m": NaN}]}',
        '{"records": [{"accuracy_m": Infinity}]}',
        '{"records": [{"accuracy_m": -Infinity}]}',
        '{"crs": "wgs84", "records": [{"location": {"type": "Point", "coordinates": [NaN, 28]}}]}',
    ],
)
def test_bare_nan_and_infinity_are_refused(api, raw):
    response = api.post("visits/sync", raw=raw)
    assert response.status_code == 400
    assert response.json()["code"] == "request.non_finite_number"


@pytest.mark.parametrize("value", ["NaN", "nan", "Infinity", "-Infinity", " inf ", "+INF"])
def test_nan_and_infinity_inside_strings_are_refused_where_a_number_is_expected(api, record, value):
    # A string is never a number: the record is rejected, the batch is not (issue 8).
    rec = record(location={"type": "Point", "coordinates": [value, 28.0]}, accuracy_m=value)
    response = api.post("visits/sync", {"records": [rec, record()]})
    assert response.status_code == 200
    first, second = response.json()["results"]
    assert first["status"] == "rejected" and second["status"] == "created"
    assert {k: v["code"] for k, v in first["errors"].items()} == {
        "location": "geometry.invalid",
        "accuracy_m": "number.invalid",
    }
    assert Visit.objects.count() == 1


@pytest.mark.parametrize(
    "params",
    [
        {"lon": "NaN", "lat": "28"},
        {"lon": "113", "lat": "Infinity"},
        {"lon": "inf", "lat": "1"},
        {"lon": "0x10", "lat": "28"},
        {"lon": "113"},
        {"lon": "113", "lat": "28", "radius_m": "nan"},
        {"lon": "113", "lat": "28", "radius_m": "-5"},
        {"lon": "113", "lat": "28", "crs": "utm"},
        {"lon": "28", "lat": "113"},
        {"lon": "200", "lat": "100"},
    ],
)
def test_nearby_stations_query_validation(api, params):
    response = api.get("stations/nearby", params)
    assert response.status_code == 400, response.content
    assert response.json()["code"] in {"request.invalid", "request.non_finite_number"}
    assert response.json()["errors"]


def test_swapped_axes_says_so_in_both_languages(deputy, record):
    zh = Api()
    zh.login("deputy1")
    en = Api(language="en")
    en.access = zh.access
    rec = record(location=point(28.2, 113.0))
    msg_zh = zh.post("visits/sync", {"records": [rec]}).json()["results"][0]["errors"]["location"][
        "message"
    ]
    msg_en = en.post("visits/sync", {"records": [rec]}).json()["results"][0]["errors"]["location"][
        "message"
    ]
    assert msg_en == "Coordinates look like [lat, lon]; GeoJSON order is [lon, lat]."
    assert msg_zh != msg_en and "经纬度" in msg_zh


def test_default_language_is_chinese(deputy):
    body = (
        Api()
        .post("auth/login", {"username": "deputy1", "password": "nope", "device_id": "p"})
        .json()
    )
    assert body["code"] == "auth.invalid_credentials"
    assert body["message"] == "用户名或密码错误。"


def test_malformed_json_and_wrong_content_type(api):
    assert api.post("visits/sync", raw="{not json").json()["code"] == "request.malformed_json"
    assert api.post("visits/sync", raw=b"\xff\xfe").json()["code"] == "request.invalid_encoding"
    response = api.client.post(
        API + "visits/sync",
        "records=1",
        content_type="application/x-www-form-urlencoded",
        headers=api.headers(),
    )
    assert response.status_code == 415
    assert response.json()["code"] == "request.unsupported_media_type"


def test_oversized_payload_is_413(api, settings):
    settings.MOBILE_API_MAX_BODY_BYTES = 1000
    response = api.post("visits/sync", {"records": [], "padding": "x" * 2000})
    assert response.status_code == 413 and response.json()["code"] == "request.too_large"


def test_too_deep_json(api):
    raw = '{"records": ' + "[" * 50 + "]" * 50 + "}"
    response = api.post("visits/sync", raw=raw)
    assert response.status_code == 400 and response.json()["code"] == "request.too_deep"


def test_unknown_path_and_wrong_method_are_json(api):
    response = api.get("no/such/thing")
    assert response.status_code == 404
    assert response.json()["code"] == "request.not_found"
    response = api.client.delete(API + "visits/sync", headers=api.headers())
    assert response.status_code == 405
    assert response.json()["code"] == "request.method_not_allowed"
    response = api.get("visits/abc")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


def test_checkin_and_opinion_bodies_must_be_objects(api):
    for path in ("checkins", "opinions"):
        response = api.post(path, [1, 2])
        assert response.status_code == 400 and response.json()["code"] == "request.invalid"
    assert (
        json.loads(api.post("opinions", {}).content)["errors"]["client_uuid"]["code"]
        == "field.required"
    )
    assert uuid.uuid4()
