"""Live events arrive on a REAL Redis channel layer, one message per county per commit; with
Redis down the write still succeeds and the failure is logged."""

import datetime as dt
import logging
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import override_settings

from backend.visits.models import Visit

from .conftest import Api


@pytest.fixture
def redis_layer(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": ["redis://127.0.0.1:6379/0"],
                "prefix": f"test-{uuid.uuid4().hex[:12]}",
            },
        }
    }
    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisChannelLayer"
    # A plain channel name (no "!"): receive() then reads Redis directly, with no per-event-loop
    # buffer, so each async_to_sync call may run in its own loop.
    channel = f"listener-{uuid.uuid4().hex}"
    async_to_sync(layer.group_add)("county.430121", channel)
    yield layer, channel
    async_to_sync(layer.group_discard)("county.430121", channel)
    async_to_sync(layer.flush)()


def _receive(layer, channel, timeout_s=10.0):
    import asyncio

    async def get():
        return await asyncio.wait_for(layer.receive(channel), timeout_s)

    return async_to_sync(get)()


def _nothing_pending(layer, channel) -> bool:
    import asyncio

    async def poll():
        try:
            await asyncio.wait_for(layer.receive(channel), 0.5)
        except TimeoutError:
            return True
        return False

    return async_to_sync(poll)()


@pytest.mark.django_db(transaction=True)
def test_visit_batch_is_one_message_on_redis(redis_layer, deputy, assigned, record, cells_3x3):
    layer, channel = redis_layer
    api = Api()
    api.login("deputy1")
    records = [record() for _ in range(5)]
    body = api.post("visits/sync", {"records": records}).json()
    message = _receive(layer, channel)
    assert message["type"] == "domain.event" and message["event"] == "visit.created"
    items = message["data"]["items"]
    assert [i["id"] for i in items] == [r["id"] for r in body["results"]]
    visit = Visit.objects.get(id=items[0]["id"])
    assert items[0] == {
        "id": visit.id,
        "cell_id": cells_3x3[4].id,
        "cell_code": cells_3x3[4].code,
        "cell_name": cells_3x3[4].name,
        "place": None,  # a cell of the county itself: no township or village to name
        "adcode": "430121",
        "county_adcode": "430121",
        "kind": "household",
        "households": 1,
        "recorded_at": visit.recorded_at.isoformat(),
    }
    assert _nothing_pending(layer, channel)  # exactly one message for the batch
    # A retry creates nothing and publishes nothing.
    retry = api.post("visits/sync", {"records": records}).json()
    assert retry["summary"]["duplicate"] == 5
    assert _nothing_pending(layer, channel)


@pytest.mark.django_db(transaction=True)
def test_checkin_and_opinion_events_on_redis(redis_layer, deputy, station):
    layer, channel = redis_layer
    api = Api()
    api.login("deputy1")
    recorded = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
    checkin = api.post(
        "checkins",
        {
            "client_uuid": str(uuid.uuid4()),
            "station_id": station.id,
            "location": {"type": "Point", "coordinates": [113.005, 28.005]},
            "accuracy_m": 5,
            "recorded_at": recorded,
        },
    ).json()
    message = _receive(layer, channel)
    assert message["event"] == "checkin.created"
    assert message["data"]["items"] == [
        {
            "id": checkin["id"],
            "station_id": station.id,
            "station_name": station.name,
            "inside_geofence": True,
            "distance_m": 0.0,
            "recorded_at": message["data"]["items"][0]["recorded_at"],
            "adcode": "430121",
            "county_adcode": "430121",
        }
    ]
    opinion = api.post(
        "opinions",
        {
            "client_uuid": str(uuid.uuid4()),
            "category": "health",
            "text": "卫生室缺药",
            "recorded_at": recorded,
        },
    ).json()
    message = _receive(layer, channel)
    assert message["event"] == "opinion.created"
    item = message["data"]["items"][0]
    assert {
        k: item[k] for k in ("id", "category", "status", "cell_id", "adcode", "county_adcode")
    } == {
        "id": opinion["id"],
        "category": "health",
        "status": "registered",
        "cell_id": None,
        "adcode": "430121",
        "county_adcode": "430121",
    }


@pytest.mark.django_db(transaction=True)
def test_redis_down_write_succeeds_and_is_logged(settings, deputy, assigned, record, caplog):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"], "prefix": "down"},
        }
    }
    api = Api()
    api.login("deputy1")
    with caplog.at_level(logging.ERROR, logger="backend.core.events"):
        body = api.post("visits/sync", {"records": [record()]}).json()
    assert body["summary"]["created"] == 1
    assert Visit.objects.count() == 1
    assert any("not published" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_throttle_counters_down_the_write_still_succeeds(settings, deputy, assigned, record):
    """Redis holds the throttle counters too: with it unreachable the sync must not 500."""
    dead = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
    api = Api()
    api.login("deputy1")
    with override_settings(CACHES={**settings.CACHES, "mobile_api_throttle": dead}):
        response = api.post("visits/sync", {"records": [record()]})
    assert response.status_code == 200, response.content
    assert response.json()["summary"]["created"] == 1
    assert Visit.objects.count() == 1
