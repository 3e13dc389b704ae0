"""Regressions of issue 8 on the phone API: deep nesting, NUL and lone surrogates in text fields
(login included), NUL inside `recorded_at`, and the words "nan"/"inf" as ordinary text."""

import datetime as dt
import json
import uuid

import pytest
from django.utils import timezone

from backend.opinions.models import Opinion
from backend.visits.models import CheckIn, Visit
from tests.factories import UserFactory

from .conftest import Api

pytestmark = pytest.mark.django_db
BAD_TEXT = ["\u0000", "3组\u000012号", "\ud800", "a\udfffb"]


def _rejected(api, records) -> list[dict]:
    response = api.post("visits/sync", {"records": records})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def opinion(**overrides):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "category": "roads",
        "text": "村口道路破损",
        "recorded_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat(),
    }
    body.update(overrides)
    return body


def checkin(station, **overrides):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "station_id": station.id,
        "location": {"type": "Point", "coordinates": [113.005, 28.006]},
        "accuracy_m": 10.0,
        "recorded_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat(),
    }
    body.update(overrides)
    return body


# --- defect 1: deep nesting ------------------------------------------------------------------


@pytest.mark.parametrize("depth", [50, 100_000])
def test_deeply_nested_json_is_request_too_deep(api, depth):
    raw = '{"records": ' + "[" * depth + "]" * depth + "}"
    response = api.post("visits/sync", raw=raw)
    assert response.status_code == 400
    assert response.json()["code"] == "request.too_deep"


def test_deep_nesting_on_login_is_refused_before_anything_else():
    raw = '{"username": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = Api().post("auth/login", raw=raw)
    assert (response.status_code, response.json()["code"]) == (400, "request.too_deep")


# --- defect 2: NUL and lone surrogates --------------------------------------------------------


@pytest.mark.parametrize("bad", BAD_TEXT)
@pytest.mark.parametrize("field", ["notes", "household_ref"])
def test_bad_characters_in_a_visit_reject_that_record_only(api, record, field, bad):
    results = _rejected(api, [record(), record(**{field: bad}), record()])
    assert [r["status"] for r in results] == ["created", "rejected", "created"]
    message = "文本含有 NUL 字符或不成对的代理字符。"
    assert results[1]["errors"] == {field: {"code": "string.invalid_character", "message": message}}
    assert Visit.objects.count() == 2


@pytest.mark.parametrize("bad", BAD_TEXT)
@pytest.mark.parametrize("field", ["text", "citizen_contact"])
def test_bad_characters_in_an_opinion(api, field, bad):
    response = api.post("opinions", opinion(contact_consent=True, **{field: bad}))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "request.invalid"
    assert body["errors"][field]["code"] == "string.invalid_character"
    assert not Opinion.objects.exists()


@pytest.mark.parametrize("bad", BAD_TEXT)
@pytest.mark.parametrize("field", ["username", "password", "device_id", "device_name", "platform"])
def test_bad_characters_at_login(deputy, field, bad):
    body = {"username": "deputy1", "password": "pass-1234", "device_id": "p1", field: bad}
    response = Api().post("auth/login", body)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][field]["code"] == "string.invalid_character"


def test_a_lone_surrogate_username_is_a_400_not_a_500_in_the_throttle(deputy, settings):
    # The login throttle keys on the submitted username: it must hash any string.
    settings.MOBILE_API_THROTTLE_RATES = dict(settings.MOBILE_API_THROTTLE_RATES, login="5/min")
    response = Api().post("auth/login", raw='{"username": "\\ud800", "password": "x"}')
    assert response.status_code == 400
    assert response.json()["errors"]["username"]["code"] == "string.invalid_character"


@pytest.mark.parametrize("bad", BAD_TEXT)
def test_bad_characters_in_refresh_and_logout(api, bad):
    response = Api().post("auth/refresh", {"refresh": bad})
    assert response.status_code == 400
    assert response.json()["errors"]["refresh"]["code"] == "string.invalid_character"
    response = api.post("auth/logout", {"refresh": bad})
    assert response.status_code == 400
    assert response.json()["errors"]["refresh"]["code"] == "string.invalid_character"


# --- defect 3: NUL inside recorded_at ---------------------------------------------------------

NUL_TIMES = ["2026-11-16T10:05:00+08:00\u0000", "2026-11-16T10:05:00\u0000+08:00"]


@pytest.mark.parametrize("value", NUL_TIMES)
def test_nul_in_recorded_at_of_a_visit(api, record, value):
    results = _rejected(api, [record(recorded_at=value)])
    assert results[0]["status"] == "rejected"
    assert results[0]["errors"]["recorded_at"]["code"] == "datetime.invalid"
    assert not Visit.objects.exists()


@pytest.mark.parametrize("value", NUL_TIMES)
def test_nul_in_recorded_at_of_a_checkin_and_an_opinion(api, station, value):
    response = api.post("checkins", checkin(station, recorded_at=value))
    assert response.status_code == 400
    assert response.json()["errors"]["recorded_at"]["code"] == "datetime.invalid"
    response = api.post("opinions", opinion(recorded_at=value))
    assert response.status_code == 400
    assert response.json()["errors"]["recorded_at"]["code"] == "datetime.invalid"
    assert not CheckIn.objects.exists() and not Opinion.objects.exists()


# --- defect 4: "nan" and "inf" are words, not numbers, outside numeric fields ------------------


@pytest.mark.parametrize("word", ["Nan", "nan", "INF", "Infinity", " -inf "])
def test_nan_words_in_text_fields_are_ordinary_text(api, record, station, word):
    results = _rejected(api, [record(notes=word, household_ref=word)])
    assert results[0]["status"] == "created", results
    assert Visit.objects.get().notes == word.strip()  # text fields trim whitespace
    response = api.post("opinions", opinion(text=word))
    assert response.status_code == 201, response.content
    assert response.json()["text"] == word.strip()


def test_one_bad_record_never_sinks_a_batch_of_500(api, record):
    records = [record() for _ in range(500)]
    records[123]["accuracy_m"] = "NaN"
    records[321]["location"]["coordinates"][0] = "Infinity"
    records[400]["notes"] = "Nan"
    results = _rejected(api, records)
    rejected = {r["index"]: r["errors"] for r in results if r["status"] == "rejected"}
    assert rejected == {
        123: {"accuracy_m": {"code": "number.invalid", "message": "需要一个数字。"}},
        321: {"location": {"code": "geometry.invalid", "message": "点坐标必须是数字列表。"}},
    }
    assert Visit.objects.count() == 498
    assert Visit.objects.filter(notes="Nan").count() == 1


def test_an_overflowing_number_rejects_its_record_only(api, record):
    raw = json.dumps({"records": [record(), record()]})
    raw = raw.replace('"accuracy_m": 8.0', '"accuracy_m": 1e999', 1)
    results = api.post("visits/sync", raw=raw).json()["results"]
    assert [r["status"] for r in results] == ["rejected", "created"]
    assert results[0]["errors"]["accuracy_m"]["code"] == "number.non_finite"


def test_bare_nan_tokens_are_still_not_json(api):
    response = api.post("visits/sync", raw='{"records": [{"accuracy_m": NaN}]}')
    assert (response.status_code, response.json()["code"]) == (400, "request.non_finite_number")


@pytest.mark.parametrize("password", ["Infinity", "NaN", "-inf"])
def test_a_password_spelling_a_non_finite_number_can_log_in(county, password):
    from tests.factories import DeputyFactory

    user = UserFactory(username="infinite")
    user.set_password(password)
    user.save()
    DeputyFactory(user=user, region=county, name="无穷")
    response = Api().post(
        "auth/login", {"username": "infinite", "password": password, "device_id": "p1"}
    )
    assert response.status_code == 200, response.content
    me = Api()
    me.access = response.json()["access"]
    assert me.get("me").json()["user"]["username"] == "infinite"
