"""Every date-time in every phone API response is in Asia/Shanghai (+08:00), whatever offset the
phone sent and whatever the database hands back (aggregates come back in UTC)."""

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone

from tests.factories import cell_center

pytestmark = pytest.mark.django_db

ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def datetimes(node, path="$"):
    """(path, value) of every ISO 8601 date-time string anywhere in a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from datetimes(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from datetimes(value, f"{path}[{i}]")
    elif isinstance(node, str) and ISO_DATETIME.match(node):
        yield path, node


def test_datetimes_walker_finds_nested_values():
    found = dict(datetimes({"a": [{"b": "2026-11-16T01:00:00+00:00"}], "c": "2026-11-16"}))
    assert found == {"$.a[0].b": "2026-11-16T01:00:00+00:00"}


def test_every_datetime_in_every_response_is_shanghai(api, deputy, station, mandate, cells_3x3):
    from tests.factories import GridAssignmentFactory

    GridAssignmentFactory(deputy=deputy, cell=cells_3x3[4])
    lon, lat = cell_center(cells_3x3[4])
    # The phone sends UTC ("Z" and +00:00): the answers must still read +08:00.
    recorded = (timezone.now() - dt.timedelta(hours=2)).astimezone(dt.UTC)
    sync = api.post(
        "visits/sync",
        {
            "records": [
                {
                    "client_uuid": str(uuid.uuid4()),
                    "kind": "household",
                    "location": {"type": "Point", "coordinates": [lon, lat]},
                    "accuracy_m": 8.0,
                    "recorded_at": recorded.isoformat().replace("+00:00", "Z"),
                    "households": 1,
                }
            ]
        },
    )
    assert sync.status_code == 200, sync.content
    visit_id = sync.json()["results"][0]["id"]
    checkin = api.post(
        "checkins",
        {
            "client_uuid": str(uuid.uuid4()),
            "station_id": station.id,
            "location": {"type": "Point", "coordinates": [113.005, 28.005]},
            "accuracy_m": 10.0,
            "recorded_at": recorded.isoformat(),
        },
    )
    assert checkin.status_code == 201, checkin.content
    opinion = api.post(
        "opinions",
        {
            "client_uuid": str(uuid.uuid4()),
            "category": "roads",
            "text": "村口道路破损。",
            "recorded_at": recorded.isoformat(),
        },
    )
    assert opinion.status_code == 201, opinion.content
    device_id = api.get("devices").json()["results"][0]["id"]
    responses = {
        "POST visits/sync": sync,
        "POST checkins": checkin,
        "POST opinions": opinion,
        "GET me": api.get("me"),
        "GET me/cells": api.get("me/cells"),
        "GET stations/nearby": api.get("stations/nearby", {"lon": "113.005", "lat": "28.005"}),
        "GET checkins": api.get("checkins"),
        "GET checkins/<id>": api.get(f"checkins/{checkin.json()['id']}"),
        "GET visits": api.get("visits"),
        "GET visits/<id>": api.get(f"visits/{visit_id}"),
        "GET opinions": api.get("opinions"),
        "GET opinions/<id>": api.get(f"opinions/{opinion.json()['id']}"),
        "GET devices": api.get("devices"),
        "POST devices/<id>/revoke": api.post(f"devices/{device_id}/revoke"),
    }
    found = {}
    for name, response in responses.items():
        assert response.status_code in (200, 201), (name, response.content)
        found.update({f"{name} {path}": value for path, value in datetimes(response.json())})
    not_shanghai = {path: value for path, value in found.items() if not value.endswith("+08:00")}
    assert not_shanghai == {}
    # The walk saw the times the issue names, and each still denotes the instant sent.
    local = timezone.localtime(recorded).isoformat()
    for path in (
        "GET me/cells $.features[0].properties.last_visit_at",
        "GET me/cells $.features[0].properties.my_last_visit_at",
        "GET visits/<id> $.recorded_at",
        "GET checkins/<id> $.recorded_at",
        "GET opinions/<id> $.recorded_at",
    ):
        assert dt.datetime.fromisoformat(found[path]) == dt.datetime.fromisoformat(local), path
    assert "GET devices $.results[0].registered_at" in found
    assert "POST devices/<id>/revoke $.revoked_at" in found
