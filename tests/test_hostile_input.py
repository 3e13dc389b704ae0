"""Hostile input for every operation of the phone API, the map data API, the tiles (issue 8) and
the OGC API (/ogc/, issue 14).

Operations are enumerated, not listed: the phone API's from its OpenAPI schema (paths, methods,
query parameters, request-body properties), the map API's and the tiles' from their URLconf
(map_ui.data_urls). A new operation is therefore attacked without anyone writing a case for it;
a new phone operation with a body must get a valid base body in VALID_BODIES (the test says so).

Sent: NaN/Infinity (bare tokens, strings, 1e999), NUL and lone surrogates in every field, deep
nesting, 10 MB bodies, 100k-element arrays, duplicate keys, wrong content types, invalid UTF-8,
ids past bigint, z/x/y and bbox out of range. The invariants: no 5xx, ever; every refusal is
JSON with a stable dotted `code` and a `message`; a NUL or a lone surrogate is never accepted;
in a visit batch one bad record never sinks the good one beside it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import URLPattern
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import User
from backend.coverage.selectors.tiles import LAYERS
from backend.liaison.models import Deputy, Station
from backend.liaison.rhythm import RULE_FIELDS
from backend.liaison.selectors import duty_rule_of, next_duty_date
from backend.opinions.services import opinion_create, opinion_transition
from backend.performance.selectors import deputy_record
from backend.projects import services as project_services
from backend.projects.models import BallotSession, ProjectCall
from backend.regions.models import Region
from map_ui import data_urls
from tests.coverage_world import build_world
from tests.factories import cell_center
from tests.mobile_api.conftest import Api

pytestmark = pytest.mark.django_db

CODE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
HUGE_NUMBER = "__1e999__"  # replaced by a bare 1e999 (parses as float inf) in the raw body
NAN = float("nan")  # json.dumps writes it as a bare NaN token
BAD_CHARACTERS = ("x\u0000y", "\ud800", "a\udfffb")
HOSTILE_VALUES = (
    *BAD_CHARACTERS,
    "NaN",
    "x" * 20_000,
    HUGE_NUMBER,
    NAN,
    2**70,
    None,
    True,
    [0] * 100_000,
    {"a": {"b": {"c": [[[{"d": None}]]]}}},
)
DEEP_ARRAY = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
TEN_MB = json.dumps({"records": [], "cells": [], "padding": "x" * (10 * 1024 * 1024)}).encode()
RAW_BODIES = {
    "deep_array": DEEP_ARRAY,
    "deep_object": DEEP_OBJECT,
    "ten_mb": TEN_MB,
    "array_100k": json.dumps([0] * 100_000).encode(),
    "fields_100k": json.dumps(
        {"records": [{}] * 100_000, "cells": list(range(1, 100_001)), "refresh": ["x"] * 100_000}
    ).encode(),
    "duplicate_keys": b'{"action": "forward", "action": 1, "records": [], "records": {}}',
    "invalid_utf8": b'{"username": "\xff\xfe\xfd", "handler": "\xc3\x28"}',
    "bare_nan": b'{"accuracy_m": NaN, "rating": Infinity, "cells": [-Infinity]}',
    "huge_number": b'{"records": [{"accuracy_m": 1e999}], "deputy": 1e999, "rating": 1e400}',
    "empty": b"",
    "null": b"null",
    "string": b'"\\u0000"',
    "number": b"-0",
    "garbage": b"{{{[[[",
    "utf16": json.dumps({"username": "d1"}).encode("utf-16"),
    "bom": b'\xef\xbb\xbf{"username": "d1"}',
    "nul_bytes": b'{"a": "\x00"}\x00',
}
CONTENT_TYPES = (
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/xml",
    "",
    "application/json; charset=latin-1",
    "application/json; charset=utf-16",
)
# Query values as sent on the wire (already percent-encoded): a lone surrogate's UTF-8 form
# (%ED%A0%80), invalid UTF-8, NUL.
QUERY_VALUES = (
    "NaN",
    "-inf",
    "1e999",
    "%00",
    "%ED%A0%80",
    "%FF%FE",
    "-1",
    "99999999999999999999",
    "x" * 5000,
    "1%2C2",
)
# The map API's parameters are many (each sent to every endpoint): the core of the list there.
MAP_QUERY_VALUES = ("NaN", "1e999", "%00", "%ED%A0%80", "-1", "99999999999999999999", "x" * 5000)
BBOXES = (
    "nan,28,113.1,28.1",
    "113,28,inf,28.1",
    "-181,-91,181,91",
    "113,28,113,28",
    "113.1,28,113,28.1",
    "0,0,200,100",
    "a,b,c,d",
    "1,2,3",
    "1,2,3,4,5",
    "-180,-90,180,90",
    "1e999,0,1,1",
)
MAP_PARAMS = (
    "region",
    "days",
    "state",
    "limit",
    "offset",
    "category",
    "eps_m",
    "min_points",
    "by",
    "status",
    "overdue",
    "cells",
    "from",
    "kind",
    "month",
    "year",
    "county",
    "station",
    "to",
)
BIG_IDS = ("0", "99999999999999999999", str(2**63), str(2**63 - 1))


class Checker:
    """Collects every broken invariant, so one run reports them all."""

    def __init__(self):
        self.failures: list[str] = []
        self.requests = 0

    def fail(self, label: str, why: str, response) -> None:
        self.failures.append(f"{label}: {why} ({response.status_code}) {response.content[:160]!r}")

    def check(self, label: str, response, *, must_refuse: bool = False):
        self.requests += 1
        status = response.status_code
        if status >= 500:
            self.fail(label, "server error", response)
            return None
        if must_refuse and status < 400:
            self.fail(label, "accepted", response)
        if status < 400:
            return response
        if not response.get("Content-Type", "").startswith("application/json"):
            self.fail(label, "error not JSON", response)
            return None
        body = json.loads(response.content)
        code, message = body.get("code"), body.get("message")
        if not (isinstance(code, str) and CODE_RE.match(code)):
            self.fail(label, "no dotted code", response)
        if not (isinstance(message, str) and message):
            self.fail(label, "no message", response)
        return response

    def assert_clean(self) -> None:
        assert self.requests > 0
        assert not self.failures, "\n".join(self.failures[:60])


def raw_json(body) -> bytes:
    """JSON text of `body`, NaN/Infinity as bare tokens and HUGE_NUMBER as a bare 1e999."""
    return json.dumps(body).replace(json.dumps(HUGE_NUMBER), "1e999").encode()


def is_bad_text(value) -> bool:
    return isinstance(value, str) and value in BAD_CHARACTERS


# --- the phone API: operations from its OpenAPI schema ------------------------------------------


def phone_schema() -> dict:
    return SchemaGenerator(urlconf="mobile_api.schema_urls").get_schema(request=None, public=True)


def phone_operations() -> list[dict]:
    """[{id, method, path, params, properties, record_properties}] for every schema operation."""
    schema = phone_schema()
    components = schema["components"]["schemas"]

    def properties(ref: dict | None) -> dict:
        if not ref:
            return {}
        return components[ref["$ref"].rsplit("/", 1)[1]].get("properties", {})

    operations = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            props = properties(body.get("schema"))
            records = props.get("records", {}).get("items")
            operations.append(
                {
                    "id": op["operationId"],
                    "method": method,
                    "path": path,
                    "path_params": [
                        p["name"] for p in op.get("parameters", []) if p["in"] == "path"
                    ],
                    "query": [p["name"] for p in op.get("parameters", []) if p["in"] == "query"],
                    "properties": list(props),
                    "record_properties": list(properties(records)),
                }
            )
    return operations


@pytest.fixture
def scene(db, settings):
    """The hand-built coverage world (tests/coverage_world.py): two counties, users of every
    role, cells, stations, visits and opinions."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


@pytest.fixture
def phone(scene, settings):
    settings.MOBILE_API_THROTTLE_RATES = dict.fromkeys(
        ("login", "refresh", "read", "sync", "write"), "1000000/min"
    )
    settings.AXES_FAILURE_LIMIT = 10_000  # failed logins are part of the attack, not the point
    caches["mobile_api_throttle"].clear()
    client = Api()
    client.login("d1", device_id="hostile-main")
    yield client
    caches["mobile_api_throttle"].clear()


def first_point_line(deputy) -> dict:
    """The key of one real line of the deputy's points this year (ids differ run to run)."""
    lines = deputy_record(deputy=deputy, year=timezone.localdate().year)["points"]["lines"]
    assert lines, "the scene gives d1 points this year"
    return {k: lines[0][k] for k in ("source", "ref", "item")}


def next_duty_day(deputy, station) -> str:
    """The next duty day of the deputy at the station after today (a leave request's day)."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    day = next_duty_date(duty_rule_of(station), tomorrow)
    assert day is not None, "the scene's station has a duty rule"
    return day.isoformat()


def valid_bodies(scene, phone) -> dict:
    """A valid body per phone operation with a body: mutations start from something that
    passes, so each reaches the validation of the field it attacks."""
    d1 = scene.deputies["d1"]
    station = Station.objects.filter(region__adcode__startswith=d1.county_adcode).first()
    lon, lat = cell_center(scene.cell("a21"))
    recorded_at = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    point = {"type": "Point", "coordinates": [lon, lat]}
    return {
        "auth_login": {"username": "d1", "password": "pass-1234", "device_id": "hostile-login"},
        "auth_refresh": {"refresh": phone.refresh},
        "auth_logout": {"refresh": "not-a-token"},
        "checkins_create": {
            "station_id": station.id,
            "location": {"type": "Point", "coordinates": [station.location.x, station.location.y]},
            "accuracy_m": 10.0,
            "recorded_at": recorded_at,
        },
        "opinions_create": {
            "category": "roads",
            "text": "村口道路破损",
            "location": point,
            "contact_consent": True,
            "citizen_contact": "13812341234",
            "recorded_at": recorded_at,
        },
        "me_duty_requests_create": {
            "kind": "leave",
            "station_id": scene.stations["s1"].id,
            "date": next_duty_day(d1, scene.stations["s1"]),
            "reason": "出差",
        },
        "me_disputes_create": {
            "year": timezone.localdate().year,
            **first_point_line(d1),
            "reason": "少算了一户",
        },
        "opinions_answer": {"answer": "已联系镇交通办，本周内修补路面。"},
        "project_proposals_create": {
            "client_uuid": str(uuid.uuid4()),
            "title": "村口道路硬化",
            "description": "雨天积水",
            "estimated_cost_yuan": 800000,
            "location": point,
        },
        "ballots_vote": {"choices": []},
        "project_supervisions_create": {
            "client_uuid": str(uuid.uuid4()),
            "findings": "路基已完成",
            "visited_at": recorded_at,
        },
        "project_evaluation_create": {"satisfied": True, "comment": ""},
        "visits_sync": {
            "crs": "wgs84",
            "records": [
                {
                    "kind": "household",
                    "location": point,
                    "accuracy_m": 8.0,
                    "recorded_at": recorded_at,
                    "households": 1,
                    "household_ref": "3组12号",
                    "notes": "",
                    "mock_location": False,
                }
            ],
        },
    }


def fresh(body: dict) -> dict:
    """The body with new client uuids (a replay would only ever say "duplicate")."""
    body = json.loads(json.dumps(body))
    if "records" in body:
        for record in body["records"]:
            record["client_uuid"] = str(uuid.uuid4())
    elif "category" in body or "station_id" in body or "client_uuid" in body:
        body["client_uuid"] = str(uuid.uuid4())
    return body


PROJECT_OPS = (
    "project_proposals_create",
    "ballots_vote",
    "project_supervisions_create",
    "project_evaluation_create",
)


def phone_url(op: dict, value: str = "1") -> str:
    path = op["path"].removeprefix("/api/mobile/v1/")
    for name in op["path_params"]:
        path = path.replace("{" + name + "}", value)
    return path


def answerable_opinion_id() -> int:
    """A fresh opinion of d1's in handling, so that every attack on an answer reaches the
    field's validation (an answered opinion refuses any body with 409)."""
    opinion = opinion_create(
        deputy=Deputy.objects.get(user__username="d1"),
        client_uuid=uuid.uuid4(),
        category="roads",
        text="路灯坏了",
        recorded_at=timezone.now() - dt.timedelta(hours=1),
    ).opinion
    staff = User.objects.get(username="staff_a")
    opinion_transition(
        jurisdiction=jurisdiction_of(staff),
        actor=staff,
        opinion_id=opinion.id,
        action="forward",
        handler="镇交通办",
    )
    opinion_transition(
        jurisdiction=jurisdiction_of(staff), actor=staff, opinion_id=opinion.id, action="start"
    )
    return opinion.id


def project_targets() -> dict[str, int]:
    """d1's county call (open), an open ballot of it and a project chosen by a closed one, made
    once per test: the ids the livelihood-project operations are sent to."""
    staff = User.objects.get(username="staff_a")
    county = Region.objects.get(adcode="430121")
    call = ProjectCall.objects.filter(region=county).first()
    if call is None:
        call = project_services.call_create(
            jurisdiction=jurisdiction_of(staff),
            actor=staff,
            region=county,
            year=timezone.localdate().year,
            title="民生实事项目征集",
            opens_on=timezone.localdate(),
            closes_on=timezone.localdate() + dt.timedelta(days=30),
        )
    ballots = {b.status: b for b in BallotSession.objects.filter(call=call)}
    if not ballots:
        chosen = _ballot(call, staff, 2)
        first = chosen.candidates.order_by("position").first()
        for name in ("d1", "d2"):
            project_services.ballot_cast(
                deputy=Deputy.objects.get(user__username=name), session=chosen, choices=[first.id]
            )
        project_services.ballot_close(
            jurisdiction=jurisdiction_of(staff), actor=staff, ballot_id=chosen.pk
        )
        ballots = {"closed": chosen, "open": _ballot(call, staff, 2)}
    project = ballots["closed"].candidates.order_by("position").first()
    return {
        "project_proposals_create": call.pk,
        "ballots_vote": ballots["open"].pk,
        "ballots_retrieve": ballots["open"].pk,
        "project_supervisions_create": project.proposal_id,
        "project_evaluation_create": project.proposal_id,
    }


def _ballot(call, staff, n: int):
    ids = []
    for i in range(n):
        proposal = project_services.proposal_create(
            jurisdiction=jurisdiction_of(staff),
            actor=staff,
            call=call,
            title=f"项目{i}",
            description="说明",
            estimated_cost_yuan=1000,
        )
        for stage in ("referred", "consulted", "reviewed", "candidate"):
            project_services.proposal_advance(
                jurisdiction=jurisdiction_of(staff),
                actor=staff,
                proposal_id=proposal.pk,
                to_stage=stage,
                reason="同意",
            )
        ids.append(proposal.pk)
    return project_services.ballot_open(
        jurisdiction=jurisdiction_of(staff),
        actor=staff,
        call=call,
        title="票决",
        proposal_ids=ids,
        max_choices=1,
    )


def phone_post(client: Api, op: dict, raw: bytes, content_type: str = "application/json"):
    target = str(answerable_opinion_id()) if op["id"] == "opinions_answer" else "1"
    if op["id"] in PROJECT_OPS:
        target = str(project_targets()[op["id"]])
    return client.client.post(
        "/api/mobile/v1/" + phone_url(op, target),
        raw,
        content_type=content_type,
        headers=client.headers(),
    )


def sacrificial(op: dict) -> Api:
    """Logout and revoke end the caller's session: each such request gets its own login."""
    client = Api()
    client.login("d1", device_id=f"hostile-{op['id']}-{uuid.uuid4().hex[:8]}")
    return client


def client_for(op: dict, phone: Api) -> Api:
    return sacrificial(op) if op["id"] in ("auth_logout", "devices_revoke") else phone


def test_phone_operations_all_have_a_valid_base_body(scene, phone):
    bodies = valid_bodies(scene, phone)
    with_body = {op["id"] for op in phone_operations() if op["properties"]}
    assert with_body == set(bodies), "give each phone operation with a body a valid base body"
    checker = Checker()
    for op in phone_operations():
        if op["properties"]:
            raw = raw_json(fresh(bodies[op["id"]]))
            response = checker.check(op["id"], phone_post(client_for(op, phone), op, raw))
            assert response is not None, op["id"]
            assert response.status_code in (200, 201, 204), (op["id"], response.content)
            if op["id"] == "auth_refresh":  # the refresh token is rotated: keep the pair current
                phone.access, phone.refresh = response.json()["access"], response.json()["refresh"]
                bodies["auth_refresh"]["refresh"] = phone.refresh
    checker.assert_clean()


def test_phone_every_field_of_every_body(scene, phone):
    bodies = valid_bodies(scene, phone)
    checker = Checker()
    for op in phone_operations():
        for field in op["properties"]:
            if field == "records":
                continue  # attacked record field by record field below
            for value in HOSTILE_VALUES:
                body = dict(fresh(bodies[op["id"]]), **{field: value})
                response = checker.check(
                    f"{op['id']}.{field}={value!r:.40}",
                    phone_post(client_for(op, phone), op, raw_json(body)),
                    must_refuse=is_bad_text(value),
                )
                if (
                    op["id"] == "auth_refresh"
                    and response is not None
                    and response.status_code == 200
                ):
                    phone.access, phone.refresh = (
                        response.json()["access"],
                        response.json()["refresh"],
                    )
                    bodies["auth_refresh"]["refresh"] = phone.refresh
    checker.assert_clean()


def test_phone_every_field_of_a_visit_record(scene, phone):
    """In a batch of a bad record and a good one, the good one is stored whatever the bad holds."""
    base = valid_bodies(scene, phone)["visits_sync"]
    sync = next(op for op in phone_operations() if op["id"] == "visits_sync")
    assert "notes" in sync["record_properties"]
    checker = Checker()
    for field in sync["record_properties"]:
        for value in HOSTILE_VALUES:
            body = fresh({"records": [base["records"][0], base["records"][0]]})
            body["records"][0][field] = value
            label = f"visits_sync.records.0.{field}={value!r:.40}"
            response = checker.check(label, phone_post(phone, sync, raw_json(body)))
            if response is None or value in (NAN, float("inf")):
                continue  # a bare NaN token is not JSON: the whole body is refused (checked)
            assert response.status_code == 200, (label, response.content[:300])
            first, second = response.json()["results"]
            if second["status"] != "created":
                checker.fail(label, "the good record was sunk", response)
            if is_bad_text(value) and first["status"] != "rejected":
                checker.fail(label, "bad text accepted", response)
            for error in first.get("errors", {}).values():
                if not CODE_RE.match(error["code"]) or not error["message"]:
                    checker.fail(label, "record error without a dotted code", response)
    checker.assert_clean()


def test_phone_raw_bodies_and_content_types(scene, phone):
    bodies = valid_bodies(scene, phone)
    checker = Checker()
    for op in phone_operations():
        if op["method"] != "post":
            continue
        client = client_for(op, phone)
        for name, raw in RAW_BODIES.items():
            checker.check(f"{op['id']} {name}", phone_post(client, op, raw))
        base = raw_json(fresh(bodies.get(op["id"], {})))
        for content_type in CONTENT_TYPES:
            checker.check(
                f"{op['id']} as {content_type!r}", phone_post(client, op, base, content_type)
            )
    checker.assert_clean()


def test_phone_query_and_path_parameters(scene, phone):
    checker = Checker()
    for op in phone_operations():
        client = client_for(op, phone)
        for value in BIG_IDS if op["path_params"] else ():
            url = "/api/mobile/v1/" + phone_url(op, value)
            call = client.client.post if op["method"] == "post" else client.client.get
            checker.check(f"{op['id']} id={value}", call(url, headers=client.headers()))
        if op["method"] != "get":
            continue
        for name in op["query"]:
            for value in QUERY_VALUES:
                label = f"{op['id']}?{name}={value!r:.30}"
                query = f"lon=113.0&lat=28.0&{name}={value}"
                checker.check(label, client.get(f"{phone_url(op)}?{query}"))
    checker.assert_clean()


# --- the map data API and the tiles: operations from the URLconf --------------------------------


def map_patterns() -> list[URLPattern]:
    """Every map operation (the catch-all 404 excepted)."""
    return [p for p in data_urls.urlpatterns if p.name]


def map_urls(pattern: URLPattern, scene) -> list[str]:
    """Paths for the pattern: valid and hostile values of each path converter."""
    route = str(pattern.pattern)
    values = {
        "layer": ["cells", "nope", "x" * 300],
        "z": ["12", "23", "99999999999999999999"],
        "x": ["3370", "-1", "99999999999999999999"],
        "y": ["1702", "4096", str(2**63)],
        "adcode": ["430121", "430121001", "%00", "4301210019999999", "%ED%A0%80", "x" * 300],
        "opinion_id": [str(scene.opinions["lone"].id), *BIG_IDS],
        "station_id": [str(scene.stations["s1"].id), *BIG_IDS],
        "deputy_id": [str(scene.deputies["d1"].id), *BIG_IDS],
        "entry_id": ["1", *BIG_IDS],
        "dispute_id": ["1", *BIG_IDS],
        "deliberation_id": ["1", *BIG_IDS],
        "item_id": ["1", *BIG_IDS],
        "link_id": [str(scene.link.id), *BIG_IDS],
        "problem_id": ["1", *BIG_IDS],
        "export_id": ["1", *BIG_IDS],
        "call_id": ["1", *BIG_IDS],
        "proposal_id": ["1", *BIG_IDS],
        "ballot_id": ["1", *BIG_IDS],
        "request_id": ["1", *BIG_IDS],
        "campaign_id": ["1", *BIG_IDS],
    }
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)

    def build(chosen: dict) -> str:
        url = "/" + route
        for name in names:
            url = re.sub(rf"<(?:\w+:)?{name}>", chosen[name], url, count=1)
        return url

    valid = {name: values[name][0] for name in names}
    # The all-valid path first, then each converter's hostile values one at a time.
    urls = [build(valid)]
    for name in names:
        urls += [build(dict(valid, **{name: value})) for value in values[name][1:]]
    return urls


def staff(scene) -> Client:
    client = Client()
    client.force_login(scene.users["staff"])
    return client


def test_map_every_get_with_hostile_parameters(scene):
    client = staff(scene)
    checker = Checker()
    for pattern in map_patterns():
        urls = map_urls(pattern, scene)
        if urls[0].endswith(("/assignments", "/transitions")):
            continue
        for url in urls:  # every combination of valid and hostile path values
            checker.check(url, client.get(url))
        url = urls[0]  # the all-valid path: hostile query parameters reach the view
        for value in BBOXES:
            checker.check(f"{url}?bbox={value}", client.get(url, {"bbox": value}))
        for name in MAP_PARAMS:
            for value in MAP_QUERY_VALUES:
                checker.check(f"{url}?{name}={value:.30}", client.get(f"{url}?{name}={value}"))
    checker.assert_clean()


OGC_PARAMS = ("limit", "offset", "bbox", "bbox-crs", "f", "datetime")


def ogc_urls(scene) -> list[str]:
    """Every OGC API pattern (map_ui.ogc_urls), with valid and hostile collection ids and fids."""
    cell = str(scene.cell("a00").id)
    hostile = ["nope", "%00", "%ED%A0%80", "x" * 300]
    urls = ["/ogc/", "/ogc", "/ogc/conformance", "/ogc/collections"]
    for collection in ("cells", "stations", "clusters", *hostile):
        urls += [f"/ogc/collections/{collection}", f"/ogc/collections/{collection}/items"]
        urls += [f"/ogc/collections/{collection}/items/{fid}" for fid in (cell, *BIG_IDS, "-1")]
    for fid in hostile:
        urls.append(f"/ogc/collections/cells/items/{fid}")
    return urls


def test_ogc_every_url_and_query_parameter(scene):
    from map_ui import ogc_urls as urlconf

    assert {p.name for p in urlconf.urlpatterns} == {
        "landing", "conformance", "collections", "collection", "items", "item"
    }  # fmt: skip
    client = staff(scene)
    checker = Checker()
    for url in ogc_urls(scene):
        checker.check(url, client.get(url))
    for collection in ("cells", "stations", "clusters"):
        url = f"/ogc/collections/{collection}/items"
        for value in BBOXES:
            checker.check(f"{url}?bbox={value}", client.get(url, {"bbox": value}))
        for name in OGC_PARAMS:
            for value in QUERY_VALUES:
                checker.check(f"{url}?{name}={value:.30}", client.get(f"{url}?{name}={value}"))
    nul_user = "Basic " + base64.b64encode(b"a\x00b:c").decode()
    headers = ("Basic %00", "Basic " + "A" * 5000, "Basic AAAA", "Bearer x", "Basic dXNlcjo=")
    for header in (*headers, nul_user):
        response = Client().get("/ogc/collections", headers={"Authorization": header})
        checker.check(f"Authorization: {header:.30}", response, must_refuse=True)
    checker.check("POST /ogc/collections", client.post("/ogc/collections"), must_refuse=True)
    checker.assert_clean()


def test_tiles_out_of_range_for_every_layer(scene):
    client = staff(scene)
    checker = Checker()
    for layer in [*LAYERS, "nope"]:
        for z, x, y in [
            (0, 0, 0),
            (22, 2**22 - 1, 2**22 - 1),
            (23, 0, 0),
            (5, 32, 0),
            (5, 0, 32),
            (99999999999999999999, 0, 0),
            (3, 99999999999999999999, 1),
            (12, 3370, 1702),
        ]:
            url = f"/tiles/{layer}/{z}/{x}/{y}.mvt"
            response = checker.check(url, client.get(url))
            if response is not None and response.status_code == 200:
                assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
        checker.check(f"/tiles/{layer}.json", client.get(f"/tiles/{layer}.json"))
    checker.assert_clean()


def map_posts(scene) -> list[str]:
    urls = []
    for pattern in map_patterns():
        route = str(pattern.pattern)
        if route.endswith(("assignments", "transitions")):
            urls += map_urls(pattern, scene)
    assert len(urls) > 2
    return urls


def map_post(client: Client, url: str, raw: bytes, content_type: str = "application/json"):
    return client.post(url, raw, content_type=content_type)


TEXT_FIELDS = ("reason", "action", "handler", "answer", "note")
MAP_FIELDS = ("cells", "deputy", "reason", "action", "handler", "answer", "note", "rating")


def test_map_posts_every_field_and_raw_body(scene):
    client = staff(scene)
    leader = Client()
    leader.force_login(scene.users["leader"])
    base = {
        "cells": [scene.cell("a21").id],
        "deputy": scene.deputies["d1"].id,
        "reason": "就近",
        "action": "start",
        "handler": "县交通局",
        "answer": "已修复",
        "note": "",
        "rating": 5,
    }
    checker = Checker()
    urls = map_posts(scene)
    for url in urls:  # hostile path values
        checker.check(url, map_post(client, url, raw_json(base)))
    for url in (
        u for u in urls if u.endswith(("assignments", f"/{scene.opinions['lone'].id}/transitions"))
    ):
        for field in MAP_FIELDS:
            for value in HOSTILE_VALUES:
                response = checker.check(
                    f"{url} {field}={value!r:.40}",
                    map_post(client, url, raw_json(dict(base, **{field: value}))),
                )
                text_fields = ("reason",) if url.endswith("/assignments") else TEXT_FIELDS
                accepted = response is not None and response.status_code < 400
                if is_bad_text(value) and field in text_fields and accepted:
                    checker.fail(url, f"bad text in {field} accepted", response)
        for name, raw in RAW_BODIES.items():
            checker.check(f"{url} {name}", map_post(client, url, raw))
            checker.check(f"{url} {name} (leader)", map_post(leader, url, raw))
        for content_type in CONTENT_TYPES:
            checker.check(
                f"{url} as {content_type!r}", map_post(client, url, raw_json(base), content_type)
            )
    checker.assert_clean()


PROJECT_POSTS = ("/advance", "/updates", "/ballots", "/close", "/paper-counts", "/project-calls")
PROJECT_FIELDS = {
    "to_stage": "referred",
    "reason": "理由",
    "final_description": "说明",
    "final_cost_yuan": 1,
    "title": "票决",
    "proposal_ids": [1, 2, 3],
    "max_choices": 2,
    "min_choices": 0,
    "quorum": "two_thirds",
    "session_on": "2026-01-15",
    "region": "430121",
    "year": 2031,
    "opens_on": "2031-01-01",
    "closes_on": "2031-02-01",
    "confirm": True,
    "ballots": 1,
    "blank": 0,
    "invalid": 0,
    "votes": {"1": 1},
    "status": "in_progress",
    "progress_pct": 10,
    "note": "进展",
    "department": "县交通局",
}
PROJECT_TEXT_FIELDS = ("reason", "final_description", "title", "note", "department")


def test_map_project_posts_every_field_and_raw_body(scene):
    """The projects operations (issue 15): every body field with every hostile value, the raw
    bodies and content types, on the valid path and hostile ids; never a 500, bad text never
    accepted."""
    client = staff(scene)
    leader = Client()
    leader.force_login(scene.users["leader"])
    patterns = [p for p in map_patterns() if str(p.pattern).endswith(PROJECT_POSTS)]
    urls = [url for pattern in patterns for url in map_urls(pattern, scene)]
    assert len(urls) == 5 * 5 + 1  # the calls' POST has no id in its path
    checker = Checker()
    for url in urls:
        checker.check(url, map_post(client, url, raw_json(PROJECT_FIELDS)))
    for url in [map_urls(p, scene)[0] for p in patterns]:  # the valid path of each operation
        for field in PROJECT_FIELDS:
            for value in HOSTILE_VALUES:
                response = checker.check(
                    f"{url} {field}={value!r:.40}",
                    map_post(client, url, raw_json(dict(PROJECT_FIELDS, **{field: value}))),
                )
                accepted = response is not None and response.status_code < 400
                if is_bad_text(value) and field in PROJECT_TEXT_FIELDS and accepted:
                    checker.fail(url, f"bad text in {field} accepted", response)
        for name, raw in RAW_BODIES.items():
            checker.check(f"{url} {name}", map_post(client, url, raw))
            checker.check(f"{url} {name} (leader)", map_post(leader, url, raw))
        for content_type in CONTENT_TYPES:
            checker.check(
                f"{url} as {content_type!r}",
                map_post(client, url, raw_json(PROJECT_FIELDS), content_type),
            )
    checker.assert_clean()


CAMPAIGN_FIELDS = {
    "name": "千名代表访万人",
    "region": "430121",
    "starts_on": "2031-01-01",
    "ends_on": "2031-12-31",
    "target_people": 10000,
    "target_households": 5000,
    "target_cells_pct": 90,
    "target_households_per_deputy": 50,
    "deputy_ids": [],
    "add_deputy_ids": [],
    "remove_deputy_ids": [],
}


def test_map_campaign_posts_every_field_and_raw_body(scene):
    """The campaigns' create and update (issue 14): every body field with every hostile value,
    the raw bodies and content types, on a real campaign and hostile ids; the untouched cells'
    limit; never a 500, bad text never accepted."""
    from backend.campaigns.services import campaign_create

    client = staff(scene)
    leader = Client()
    leader.force_login(scene.users["leader"])
    campaign = campaign_create(
        jurisdiction=jurisdiction_of(scene.users["staff"]),
        actor=scene.users["staff"],
        region=scene.county,
        name="走访50户",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        targets={},
    )
    urls = ["/api/map/v1/campaigns", f"/api/map/v1/campaigns/{campaign.id}"]
    checker = Checker()
    for value in BIG_IDS:
        url = f"/api/map/v1/campaigns/{value}"
        checker.check(url, map_post(client, url, raw_json(CAMPAIGN_FIELDS)))
        untouched = f"{url}/untouched.geojson"
        checker.check(untouched, client.get(untouched))
    for value in MAP_QUERY_VALUES:
        url = f"/api/map/v1/campaigns/{campaign.id}/untouched.geojson?limit={value}"
        checker.check(url, client.get(url))
    for url in urls:
        for field in CAMPAIGN_FIELDS:
            for value in HOSTILE_VALUES:
                response = checker.check(
                    f"{url} {field}={value!r:.40}",
                    map_post(client, url, raw_json(dict(CAMPAIGN_FIELDS, **{field: value}))),
                )
                accepted = response is not None and response.status_code < 400
                if is_bad_text(value) and field == "name" and accepted:
                    checker.fail(url, f"bad text in {field} accepted", response)
        for name, raw in RAW_BODIES.items():
            checker.check(f"{url} {name}", map_post(client, url, raw))
            checker.check(f"{url} {name} (leader)", map_post(leader, url, raw))
        for content_type in CONTENT_TYPES:
            checker.check(
                f"{url} as {content_type!r}",
                map_post(client, url, raw_json(CAMPAIGN_FIELDS), content_type),
            )
    checker.assert_clean()


def test_station_rhythm_every_rule_field_in_query_and_body(scene):
    """The preview (GET, rule in the query) and the save (POST, rule in the body): every field
    hostile in turn, and hostile bodies; only 2xx or a JSON 4xx with a registered code."""
    client = staff(scene)
    url = f"/api/map/v1/stations/{scene.stations['s1'].id}/rhythm"
    base = {"kind": "weekdays", "weekdays": [1, 4], "opens_at": "09:00", "closes_at": "12:00"}
    checker = Checker()
    for field in RULE_FIELDS:
        for value in MAP_QUERY_VALUES:
            query = {**base, "weekdays": "1,4", field: value}
            checker.check(f"GET {field}={value:.30}", client.get(url, query))
        for value in (*HOSTILE_VALUES, [], [None], ["2026-02-30"], {"a": 1}, -1, 2**63):
            body = raw_json({"rule": dict(base, **{field: value})})
            checker.check(f"POST {field}={value!r:.40}", map_post(client, url, body))
    for value in HOSTILE_VALUES:
        checker.check(f"POST rule={value!r:.40}", map_post(client, url, raw_json({"rule": value})))
    # the rota's size: out of range, not whole, too big for a smallint column
    for value in (0, 51, -3, 1.5, "2.0", "1e3", 2**15, 2**31, "٣", True):
        body = raw_json({"rule": dict(base, deputies_per_day=value)})
        response = map_post(client, url, body)
        checker.check(f"POST deputies_per_day={value!r}", response, must_refuse=True)
        query = {**base, "weekdays": "1,4", "deputies_per_day": str(value)}
        response = client.get(url, query)
        checker.check(f"GET deputies_per_day={value!r}", response, must_refuse=True)
    for name, raw in RAW_BODIES.items():
        checker.check(f"{url} {name}", map_post(client, url, raw))
    checker.assert_clean()


def test_rota_posts_every_field_and_raw_body(scene):
    """The rota change, the reception record and a request's decision: every field hostile in
    turn, raw bodies, as staff and as a leader; only 2xx or a JSON 4xx with a code."""
    from backend.liaison.models import DutyRequest

    client = staff(scene)
    leader = Client()
    leader.force_login(scene.users["leader"])
    s1, d1 = scene.stations["s1"], scene.deputies["d1"]
    day = next_duty_day(d1, s1)
    pending = DutyRequest.objects.create(
        kind="leave", deputy=d1, station=s1, day=dt.date.fromisoformat(day), reason="出差"
    )
    past = (timezone.localdate() - dt.timedelta(days=40)).isoformat()
    posts = {
        f"/api/map/v1/stations/{s1.id}/rota": {
            "date": day,
            "deputy_id": d1.id,
            "action": "add",
            "note": "",
        },
        f"/api/map/v1/stations/{s1.id}/receptions": {
            "date": past,
            "citizens_received": 3,
            "note": "",
        },
        f"/api/map/v1/duty-requests/{pending.id}/decide": {"decision": "refuse", "note": ""},
    }
    checker = Checker()
    for url, base in posts.items():
        fields = [*base, "date", "deputy_id"]
        for field in fields:
            for value in (*HOSTILE_VALUES, -1, 0, 2**63, "2026-02-30", [], {"a": 1}):
                body = dict(base, **{field: value})
                if field == "decision":
                    body["decision"] = value  # a decision would stop the others: keep it bad
                response = checker.check(
                    f"{url} {field}={value!r:.40}", map_post(client, url, raw_json(body))
                )
                accepted = response is not None and response.status_code < 400
                if is_bad_text(value) and field == "note" and accepted:
                    checker.fail(url, "bad text in note accepted", response)
        for name, raw in RAW_BODIES.items():
            checker.check(f"{url} {name}", map_post(client, url, raw))
            checker.check(f"{url} {name} (leader)", map_post(leader, url, raw))
        for content_type in CONTENT_TYPES:
            checker.check(
                f"{url} as {content_type!r}", map_post(client, url, raw_json(base), content_type)
            )
    checker.assert_clean()


# --- the public intake (上码说): no login, so every field is open to anyone -----------------------

INTAKE_FIELDS = ("category", "text", "phone", "consent", "lon", "lat", "captcha_key", "captcha")
INTAKE_TEXT_FIELDS = ("text", "phone")


def test_public_intake_every_field_and_raw_body(scene, settings):  # noqa: C901
    from captcha.models import CaptchaStore

    from backend.intake.models import CitizenSubmission
    from backend.intake.services import citizen_submit

    settings.INTAKE_RATE_LIMITS = {"ip": (10**6, 60), "phone": (10**6, 60), "track": (10**6, 60)}
    caches["mobile_api_throttle"].clear()
    client = Client()
    station = scene.stations["s1"]
    submit_url = f"/api/public/v1/intake/station/{station.id}"
    deputy_url = f"/api/public/v1/intake/deputy/{scene.deputies['d1'].id}"

    def base() -> dict:
        key = CaptchaStore.generate_key()
        answer = CaptchaStore.objects.get(hashkey=key).response
        return {
            "category": "roads",
            "text": "路灯坏了",
            "phone": "13812345678",
            "consent": True,
            "lon": 113.005,
            "lat": 28.005,
            "captcha_key": key,
            "captcha": answer,
        }

    checker = Checker()
    assert checker.check("valid", map_post(client, submit_url, raw_json(base()))).status_code == 201
    for url in (submit_url, deputy_url):
        for field in INTAKE_FIELDS:
            for value in HOSTILE_VALUES:
                response = checker.check(
                    f"{url} {field}={value!r:.40}",
                    map_post(client, url, raw_json(dict(base(), **{field: value}))),
                )
                accepted = response is not None and response.status_code < 400
                if is_bad_text(value) and field in INTAKE_TEXT_FIELDS and accepted:
                    checker.fail(url, f"bad text in {field} accepted", response)
        for name, raw in RAW_BODIES.items():
            checker.check(f"{url} {name}", map_post(client, url, raw))
        for content_type in CONTENT_TYPES:
            checker.check(
                f"{url} as {content_type!r}", map_post(client, url, raw_json(base()), content_type)
            )
    for bad_id in ("0", "-1", "99999999999999999999", "x", "%00"):
        checker.check(bad_id, map_post(client, f"/api/public/v1/intake/station/{bad_id}", b"{}"))
        page = client.get(f"/s/station/{bad_id}/")  # a page: HTML 404, never a 5xx
        if page.status_code != 404:
            checker.fail(bad_id, "the QR page for a bad id is not 404", page)
    code = citizen_submit(
        station=station,
        category="roads",
        text="x",
        lon=None,
        lat=None,
        phone="",
        consent=False,
        client_ip="10.1.1.1",
    ).tracking_code
    rate_url = f"/api/public/v1/track/{code}/rate"
    for field in ("rating", "comment"):
        for value in HOSTILE_VALUES:
            checker.check(
                f"rate {field}={value!r:.40}",
                map_post(
                    client, rate_url, raw_json(dict({"rating": 3, "comment": ""}, **{field: value}))
                ),
            )
    for name, raw in RAW_BODIES.items():
        checker.check(f"rate {name}", map_post(client, rate_url, raw))
    for bad_code in ("%00", "%ED%A0%80", "x" * 5000, "AAAAAAAAAAAA", "..%2F..%2Fetc"):
        checker.check(bad_code, map_post(client, f"/api/public/v1/track/{bad_code}/rate", b"{}"))
        response = client.get(f"/t/{bad_code}/")
        if response.status_code >= 500:
            checker.fail(bad_code, "server error on the tracking page", response)
    checker.assert_clean()
    for submission in CitizenSubmission.objects.select_related("opinion"):
        assert "\x00" not in submission.opinion.text
    caches["mobile_api_throttle"].clear()


def test_pdf_cards_take_no_bad_id_and_print_any_name(scene):
    """The staff's PDF cards: bad ids are a 404 (never a 5xx), a station named with markup,
    bidirectional controls or emoji still prints (the name as text)."""
    client = Client()
    client.force_login(scene.users["staff"])
    for kind in ("station", "deputy"):
        for bad_id in ("0", "-1", "99999999999999999999", "x", "%00", "1%2F..", "%ED%A0%80"):
            response = client.get(f"/intake/card/{kind}/{bad_id}/card.pdf")
            assert response.status_code == 404, (kind, bad_id, response.status_code)
    station = scene.stations["s1"]
    for name in ("<para><b>&amp;</b>", "\u202e站\u202c 🚧", "]]></font>", "x" * 100):
        Station.objects.filter(id=station.id).update(name=name, address=name)
        response = client.get(f"/intake/card/station/{station.id}/card.pdf")
        assert (response.status_code, response["Content-Type"]) == (200, "application/pdf"), name


# --- station life (issue 13): every body field of its writes hostile in turn ------------------

STATIONLIFE_BODIES = {
    "deliberations": {
        "station_id": 0,
        "date": "2030-01-10",
        "opens_at": "14:30",
        "place": "站内",
        "department_ids": [],
    },
    "topics": {
        "title": "村道",
        "importance": 3,
        "urgency": 3,
        "impact": 3,
        "opinion_ids": [],
        "visit_ids": [],
    },
    "choose": {"topic_ids": [1]},
    "record": {"minutes": "纪要", "resolutions": ["决议"]},
    "actions": {"text": "修路", "owner": "县交通局", "due_on": "2030-02-01", "opinion_ids": []},
    "follow": {"note": "已联系", "done": False},
    "activities": {
        "kind": "reception",
        "date": "2026-01-06",
        "place": "石角镇",
        "participants_a": ["陈"],
        "participants_b": ["黄"],
        "summary": "",
        "suggestions": 1,
        "problems_solved": 0,
    },
    "problems": {"place_adcode": "450922", "place": "交界", "text": "河道淤塞"},
    "solve": {"answer": "已清淤"},
}
STATIONLIFE_VALUES = (*HOSTILE_VALUES, [], [None], ["x"], {"a": 1}, -1, 2**63, "2026-02-30", 0)


def test_station_life_posts_every_field_and_raw_body(scene):
    from backend.stationlife import services as life
    from backend.stationlife.models import Deliberation

    client = staff(scene)
    jurisdiction = jurisdiction_of(scene.users["staff"])
    s1 = scene.stations["s1"]
    later = timezone.localdate() + dt.timedelta(days=10)
    planned = Deliberation.objects.create(
        station=s1, adcode=s1.adcode, county_adcode=s1.county_adcode, date=later
    )
    held = Deliberation.objects.create(
        station=s1,
        adcode=s1.adcode,
        county_adcode=s1.county_adcode,
        date=timezone.localdate() - dt.timedelta(days=3),
        status="held",
    )
    item = life.action_item_add(
        jurisdiction=jurisdiction,
        deliberation_id=held.id,
        fields={"text": "修路", "owner": "县交通局", "due_on": "2030-02-01"},
    )
    problem = life.problem_raise(
        jurisdiction=jurisdiction,
        link_id=scene.link.id,
        fields={"place_adcode": "450922", "place": "交界", "text": "河道淤塞"},
    )
    STATIONLIFE_BODIES["deliberations"]["station_id"] = s1.id
    STATIONLIFE_BODIES["choose"]["topic_ids"] = [1]
    base = "/api/map/v1/"
    urls = {
        "deliberations": base + "deliberations",
        "topics": f"{base}deliberations/{planned.id}/topics",
        "choose": f"{base}deliberations/{planned.id}/choose",
        "record": f"{base}deliberations/{planned.id}/record",
        "actions": f"{base}deliberations/{held.id}/actions",
        "follow": f"{base}action-items/{item.id}/follow",
        "activities": f"{base}station-links/{scene.link.id}/activities",
        "problems": f"{base}station-links/{scene.link.id}/problems",
        "solve": f"{base}cross-border-problems/{problem.id}/solve",
    }
    checker = Checker()
    for key, url in urls.items():
        body = STATIONLIFE_BODIES[key]
        for field in body:
            for value in STATIONLIFE_VALUES:
                response = checker.check(
                    f"{key} {field}={value!r:.40}",
                    map_post(client, url, raw_json(dict(body, **{field: value}))),
                )
                if is_bad_text(value) and response is not None and response.status_code < 400:
                    checker.fail(url, f"bad text in {field} accepted", response)
        for name, raw in RAW_BODIES.items():
            checker.check(f"{url} {name}", map_post(client, url, raw))
        for content_type in CONTENT_TYPES:
            checker.check(
                f"{url} as {content_type!r}", map_post(client, url, raw_json(body), content_type)
            )
    checker.assert_clean()


EXPORT_BODY = {"kind": "xlsx", "region": "430121", "year": 2026}
EXPORT_VALUES = (*HOSTILE_VALUES, [], [None], ["x"], {"a": 1}, -1, 2**63, True, 0, "430182")


def test_export_requests_every_field_and_raw_body(scene, settings, tmp_path):
    """POST /api/map/v1/exports: every field hostile, raw bodies, content types; the job's
    and file's paths with hostile ids."""
    settings.EXPORTS_DIR = str(tmp_path)
    client = Client()
    client.force_login(scene.users["leader"])
    url = "/api/map/v1/exports"
    checker = Checker()
    for field in EXPORT_BODY:
        for value in EXPORT_VALUES:
            response = checker.check(
                f"exports {field}={value!r:.40}",
                map_post(client, url, raw_json(dict(EXPORT_BODY, **{field: value}))),
            )
            defaulted = value in ("", None)  # an absent region or year: the caller's default
            if response is not None and response.status_code < 400 and not defaulted:
                checker.fail(url, f"hostile {field} {value!r:.40} accepted", response)
    pdf_bodies = (  # the PDF reports: a deputy's (every field but the kind), a region's
        {"kind": "deputy_pdf", "deputy": scene.deputies["d1"].id, "year": 2026},
        {"kind": "coverage_pdf", "region": "430121", "year": 2026},
    )
    for body in pdf_bodies:
        for field in [f for f in body if f != "kind"]:
            for value in (*EXPORT_VALUES, 2**31, 1.0, "1"):
                response = checker.check(
                    f"exports {body['kind']} {field}={value!r:.40}",
                    map_post(client, url, raw_json(dict(body, **{field: value}))),
                )
                defaulted = value in ("", None) and field != "deputy"
                if response is not None and response.status_code < 400 and not defaulted:
                    checker.fail(url, f"hostile {field} {value!r:.40} accepted", response)
    for name, raw in RAW_BODIES.items():
        checker.check(f"{url} {name}", map_post(client, url, raw))
    for content_type in CONTENT_TYPES:
        checker.check(
            f"{url} as {content_type!r}", map_post(client, url, raw_json(EXPORT_BODY), content_type)
        )
    for raw_id in ("0", "99999999999999999999", "-1", "x", "%00"):
        for suffix in ("", "/file"):
            checker.check(f"{url}/{raw_id}{suffix}", client.get(f"{url}/{raw_id}{suffix}"))
    checker.assert_clean()


# --- the livelihood projects' public pages (no login): a citizen's proposal, a rating ----------

PROPOSAL_FIELDS = (
    "title",
    "description",
    "phone",
    "consent",
    "lon",
    "lat",
    "captcha_key",
    "captcha",
)


def test_public_project_pages_every_field_and_raw_body(scene, settings):  # noqa: C901
    """A citizen's proposal to an open call and a citizen's rating of a done project: every
    field with every hostile value, the raw bodies, the content types, bad ids in the paths
    (JSON 404, the pages an HTML 404); never a 5xx, bad text never accepted."""
    from captcha.models import CaptchaStore

    from backend.projects.models import Proposal

    settings.INTAKE_RATE_LIMITS = {
        "ip": (10**6, 60),
        "phone": (10**6, 60),
        "rating": (10**6, 60),
    }
    caches["mobile_api_throttle"].clear()
    targets = project_targets()
    call_id, project_id = targets["project_proposals_create"], targets["project_evaluation_create"]
    Proposal.objects.filter(pk=project_id).update(status="done", progress_pct=100)
    client = Client()

    def challenge() -> dict:
        key = CaptchaStore.generate_key()
        return {"captcha_key": key, "captcha": CaptchaStore.objects.get(hashkey=key).response}

    def proposal() -> dict:
        return {
            "title": "村口公厕",
            "description": "赶集没有厕所",
            "phone": "13812345678",
            "consent": True,
            "lon": 113.005,
            "lat": 28.005,
            **challenge(),
        }

    propose_url = f"/api/public/v1/project-calls/{call_id}/proposals"
    rate_url = f"/api/public/v1/projects/{project_id}/satisfaction"
    checker = Checker()
    assert (
        checker.check("valid", map_post(client, propose_url, raw_json(proposal()))).status_code
        == 201
    )
    for field in PROPOSAL_FIELDS:
        for value in HOSTILE_VALUES:
            response = checker.check(
                f"propose {field}={value!r:.40}",
                map_post(client, propose_url, raw_json(dict(proposal(), **{field: value}))),
            )
            accepted = response is not None and response.status_code < 400
            if is_bad_text(value) and field in ("title", "description", "phone") and accepted:
                checker.fail(propose_url, f"bad text in {field} accepted", response)
    for field in ("rating", "captcha_key", "captcha"):
        for value in HOSTILE_VALUES:
            checker.check(
                f"rate {field}={value!r:.40}",
                map_post(
                    Client(),
                    rate_url,
                    raw_json(dict({"rating": 4, **challenge()}, **{field: value})),
                ),
            )
    for url in (propose_url, rate_url):
        for name, raw in RAW_BODIES.items():
            checker.check(f"{url} {name}", map_post(client, url, raw))
        for content_type in CONTENT_TYPES:
            checker.check(
                f"{url} as {content_type!r}",
                map_post(client, url, raw_json(proposal()), content_type),
            )
    hostile_cookie = Client()
    for cookie in ("x", "\x00" * 30, "a" * 5000, "é" * 30, "; path=/"):
        hostile_cookie.cookies["cg_rater"] = cookie
        checker.check(
            f"rate cookie {cookie!r:.20}",
            map_post(hostile_cookie, rate_url, raw_json({"rating": 3, **challenge()})),
        )
    for bad_id in ("0", "-1", "99999999999999999999", "x", "%00"):
        for url in (
            f"/api/public/v1/project-calls/{bad_id}/proposals",
            f"/api/public/v1/projects/{bad_id}/satisfaction",
        ):
            checker.check(url, map_post(client, url, b"{}"))
        for page in (f"/p/call/{bad_id}/", f"/p/project/{bad_id}/"):
            response = client.get(page)
            if response.status_code != 404:
                checker.fail(page, "a public page for a bad id is not 404", response)
    checker.assert_clean()
    for row in Proposal.objects.filter(source="citizen"):
        assert "\x00" not in row.title + row.description
    caches["mobile_api_throttle"].clear()


# --- the record pages (/records/, /records/<id>/): HTML, never a 5xx ------------------------


def test_record_pages_take_hostile_parameters(scene):
    """Every hostile region, year and sort on the league page and every hostile id and year on
    a deputy's page: a page (200) or an HTML 404, never a 5xx; a region or id out of reach is
    the 404 of a missing one."""
    client = staff(scene)
    failures = []
    deputy = scene.deputies["d1"].id
    pages = ["/records/", f"/records/{deputy}/"]
    pages += [f"/records/{bad}/" for bad in (*BIG_IDS, str(scene.deputies["db"].id))]
    for page in pages:
        for name in ("region", "year", "sort"):
            for value in (*MAP_QUERY_VALUES, "430182", "2026", "progress", "1999"):
                response = client.get(f"{page}?{name}={value}")
                ok = response.status_code == 200 or (
                    response.status_code == 404 and name == "region" and page == "/records/"
                )
                if page.rstrip("/").split("/")[-1] in {*BIG_IDS, str(scene.deputies["db"].id)}:
                    ok = response.status_code == 404
                if not ok:
                    failures.append(f"{page}?{name}={value:.20}: {response.status_code}")
    assert failures == []
    assert client.get("/records/?region=430182").status_code == 404  # another county


PROPOSAL_FIELDS = {
    "title": "村口路灯",
    "description": "夜间无照明",
    "estimated_cost_yuan": 80_000,
    "place": {"type": "Point", "coordinates": [113.08, 28.25]},
    "opinion_ids": [1],
}
CLUSTER_FIELDS = {"id": 1, "region": "430121", "days": 90, "eps_m": 500, "min_points": 3}


def test_map_proposal_create_every_field_and_raw_body(scene):
    """A staff proposal (the page's form) and the dashboard's cluster → proposal (issue 15):
    every body field, and every field of the cluster, with every hostile value; raw bodies and
    content types, as staff and as a leader, on the call's path and on hostile ids; never a
    500, bad text never accepted."""
    client = staff(scene)
    leader = Client()
    leader.force_login(scene.users["leader"])
    call_id = project_targets()["project_proposals_create"]
    on_call = f"/api/map/v1/project-calls/{call_id}/proposals"
    urls = [on_call, "/api/map/v1/proposals"]
    urls += [f"/api/map/v1/project-calls/{bad}/proposals" for bad in BIG_IDS]
    checker = Checker()
    for url in urls:
        checker.check(url, map_post(client, url, raw_json(PROPOSAL_FIELDS)))
        checker.check(
            f"{url} cluster", map_post(client, url, raw_json({"cluster": CLUSTER_FIELDS}))
        )
    for url in urls[:2]:
        for field in (*PROPOSAL_FIELDS, "cluster"):
            for value in (*HOSTILE_VALUES, [], {}, -1, 1.5, "1"):
                response = checker.check(
                    f"{url} {field}={value!r:.40}",
                    map_post(client, url, raw_json(dict(PROPOSAL_FIELDS, **{field: value}))),
                )
                accepted = response is not None and response.status_code < 400
                if is_bad_text(value) and field in ("title", "description") and accepted:
                    checker.fail(url, f"bad text in {field} accepted", response)
        for field in CLUSTER_FIELDS:
            for value in (*HOSTILE_VALUES, [], {}, -1, 1.5, "1", 10**30):
                body = {"cluster": dict(CLUSTER_FIELDS, **{field: value})}
                checker.check(
                    f"{url} cluster.{field}={value!r:.40}", map_post(client, url, raw_json(body))
                )
        for name, raw in RAW_BODIES.items():
            checker.check(f"{url} {name}", map_post(client, url, raw))
            checker.check(f"{url} {name} (leader)", map_post(leader, url, raw))
        for content_type in CONTENT_TYPES:
            checker.check(
                f"{url} as {content_type!r}",
                map_post(client, url, raw_json(PROPOSAL_FIELDS), content_type),
            )
    checker.assert_clean()
