"""GET me/record, GET/POST me/points/disputes: the deputy's own record and points."""

import datetime as dt

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_my_record_counts_my_verified_visits_and_prices_them(api, other_api, assigned, record):
    today = timezone.localdate()
    recorded = (timezone.now() - dt.timedelta(hours=2)).isoformat()
    sync = api.post("visits/sync", {"records": [record(household_ref="A", recorded_at=recorded)]})
    assert sync.status_code == 200, sync.content
    body = api.get("me/record", {"year": today.year}).json()
    rows = {r["item"]: r for r in body["record"]}
    assert (rows["households"]["verified"], rows["households"]["target"]) == (1, 50)
    assert rows["speech"]["target"] == 1 and rows["speech"]["met"] is False
    assert body["points"]["total"] == 1
    [line] = body["points"]["lines"]
    assert (line["source"], line["item"], line["points"], line["rule"]["id"]) == (
        "visit",
        "visit",
        1,
        None,
    )
    assert other_api.get("me/record").json()["points"] == {
        "total": 0,
        "by_category": {},
        "lines": [],
    }


def test_contesting_a_line_and_seeing_it(api, other_api, assigned, record):
    api.post("visits/sync", {"records": [record(household_ref="A")]})
    year = timezone.localdate().year
    line = api.get("me/record").json()["points"]["lines"][0]
    body = {"year": year, "source": "visit", "ref": line["ref"], "item": "visit", "reason": "少算"}
    created = api.post("me/points/disputes", body)
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "open"
    assert api.post("me/points/disputes", body).json()["code"] == "point_dispute.already_open"
    # Another deputy cannot contest my line: it is not among theirs.
    foreign = other_api.post("me/points/disputes", body)
    assert (foreign.status_code, foreign.json()["code"]) == (404, "point_dispute.no_such_line")
    mine = api.get("me/points/disputes").json()
    assert [(d["ref"], d["status"], d["history"][0]["to_status"]) for d in mine] == [
        (line["ref"], "open", "open")
    ]
    assert other_api.get("me/points/disputes").json() == []
    marked = api.get("me/record").json()["points"]["lines"][0]["dispute"]
    assert marked["status"] == "open"


@pytest.mark.parametrize("year", ["abc", "1999", "20266", "-1"])
def test_a_bad_year_is_a_json_error(api, year):
    response = api.get("me/record", {"year": year})
    assert (response.status_code, response.json()["code"]) == (400, "record.invalid_year")


def test_hostile_dispute_bodies_are_400s(api):
    for body in ({}, {"year": 2026, "source": [], "ref": "x", "item": "nope", "reason": 5}):
        response = api.post("me/points/disputes", body)
        assert response.status_code == 400, response.content
