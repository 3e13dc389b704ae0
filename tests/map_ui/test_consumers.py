"""The live websocket /ws/live/ through the real ASGI application (session cookie auth)."""

import asyncio
import os
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from channels_redis.core import RedisChannelLayer
from django.test import Client
from django.utils import timezone

from backend.accounts.models import Role
from backend.asgi import application
from backend.core.events import publish
from backend.visits.services import checkin_record
from tests.factories import DeputyFactory, RegionFactory, StationFactory, UserFactory

ORIGIN = (b"origin", b"http://testserver")
REDIS_BLOCKING_POP_S = RedisChannelLayer.brpop_timeout
IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
VISIT = {
    "id": 1,
    "cell_id": 7,
    "cell_code": "T-1",
    "adcode": "430121001",
    "county_adcode": "430121",
    "kind": "household",
    "households": 2,
    "recorded_at": "2026-11-01T10:00:00+08:00",
}


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = IN_MEMORY
    return settings


@pytest.fixture
def regions(transactional_db):
    province = RegionFactory(adcode="43", name="湖南省")
    city = RegionFactory(adcode="4301", name="长沙市", parent=province)
    county = RegionFactory(adcode="430121", name="长沙县", parent=city)
    RegionFactory(adcode="430182", name="宁乡市", parent=city)
    RegionFactory(adcode="440784", name="鹤山市")
    township = RegionFactory(adcode="430121001", name="星沙街道", parent=county)
    return {"city": city, "county": county, "township": township}


def session_cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def make_user(role, region=None):
    name = f"{role}-{region.adcode if region else 'none'}"
    return UserFactory(username=name, role=role, jurisdiction=region)


async def connect(headers) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def connect_ready(user) -> tuple[WebsocketCommunicator, list[str]]:
    cookie = await sync_to_async(session_cookie)(user)
    communicator = await connect([ORIGIN, cookie])
    ready = await communicator.receive_json_from()
    assert ready["event"] == "live.ready"
    return communicator, ready["data"]["counties"]


@pytest.mark.asyncio
async def test_unauthenticated_socket_is_closed_with_4401(regions, in_memory_layer):
    communicator = await connect([ORIGIN])
    assert await communicator.receive_output() == {"type": "websocket.close", "code": 4401}


@pytest.mark.asyncio
async def test_invalid_session_cookie_is_closed_with_4401(regions, in_memory_layer):
    communicator = await connect([ORIGIN, (b"cookie", b"sessionid=not-a-session")])
    assert await communicator.receive_output() == {"type": "websocket.close", "code": 4401}


@pytest.mark.asyncio
async def test_deputy_socket_is_closed_with_4403(regions, in_memory_layer):
    deputy = await sync_to_async(make_user)(Role.DEPUTY)
    cookie = await sync_to_async(session_cookie)(deputy)
    communicator = await connect([ORIGIN, cookie])
    assert await communicator.receive_output() == {"type": "websocket.close", "code": 4403}


@pytest.mark.asyncio
async def test_foreign_origin_is_refused(regions, in_memory_layer):
    leader = await sync_to_async(make_user)(Role.LEADER, regions["county"])
    cookie = await sync_to_async(session_cookie)(leader)
    communicator = WebsocketCommunicator(
        application, "/ws/live/", headers=[(b"origin", b"http://evil.example"), cookie]
    )
    connected, _ = await communicator.connect()
    assert not connected


@pytest.mark.asyncio
async def test_county_leader_gets_own_county_events_only(regions, in_memory_layer):
    leader = await sync_to_async(make_user)(Role.LEADER, regions["county"])
    communicator, counties = await connect_ready(leader)
    assert counties == ["430121"]
    # The real publishing path of the services (backend.core.events.publish).
    assert await sync_to_async(publish)("430121", "visit.created", {"items": [VISIT]})
    assert await communicator.receive_json_from() == {
        "event": "visit.created",
        "data": {"items": [VISIT]},
    }
    other = {**VISIT, "adcode": "430182001", "county_adcode": "430182"}
    assert await sync_to_async(publish)("430182", "visit.created", {"items": [other]})
    assert await sync_to_async(publish)("440784", "opinion.created", {"items": [{"id": 3}]})
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_socket_never_joins_another_countys_group(regions, in_memory_layer):
    leader = await sync_to_async(make_user)(Role.LEADER, regions["county"])
    communicator, _ = await connect_ready(leader)
    layer = get_channel_layer()
    joined = {g for g, members in layer.groups.items() if members and g.startswith("county.")}
    assert joined == {"county.430121"}
    await communicator.disconnect()
    assert not {g for g, members in layer.groups.items() if members}


@pytest.mark.asyncio
async def test_city_leader_joins_every_county_of_the_city(regions, in_memory_layer):
    leader = await sync_to_async(make_user)(Role.LEADER, regions["city"])
    communicator, counties = await connect_ready(leader)
    assert counties == ["430121", "430182"]
    layer = get_channel_layer()
    assert {g for g, m in layer.groups.items() if m and g.startswith("county.")} == {
        "county.430121",
        "county.430182",
    }
    item = {
        "id": 9,
        "cell_id": 3,
        "cell_code": "N-3",
        "deputy_id": 4,
        "county_adcode": "430182",
        "status": "active",
    }
    await sync_to_async(publish)("430182", "assignment.created", {"items": [item]})
    assert await communicator.receive_json_from() == {
        "event": "assignment.created",
        "data": {"items": [item]},
    }
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_admin_joins_all_counties(regions, in_memory_layer):
    admin = await sync_to_async(make_user)(Role.ADMIN)
    communicator, counties = await connect_ready(admin)
    assert counties == ["430121", "430182", "440784"]
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_township_staff_get_only_items_inside_their_township(regions, in_memory_layer):
    staff = await sync_to_async(make_user)(Role.STAFF, regions["township"])
    communicator, counties = await connect_ready(staff)
    assert counties == ["430121"]
    outside = {**VISIT, "id": 2, "adcode": "430121002"}
    await sync_to_async(publish)("430121", "visit.created", {"items": [VISIT, outside]})
    assert await communicator.receive_json_from() == {
        "event": "visit.created",
        "data": {"items": [VISIT]},
    }
    await sync_to_async(publish)("430121", "visit.created", {"items": [outside]})
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_ping_gets_a_pong(regions, in_memory_layer):
    leader = await sync_to_async(make_user)(Role.LEADER, regions["county"])
    communicator, _ = await connect_ready(leader)
    await communicator.send_to(text_data="not json {")
    await communicator.send_input({"type": "websocket.receive", "text": ""})
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"event": "live.pong", "data": {}}
    await communicator.disconnect()


def redis_layer(settings) -> dict:
    """A Redis channel layer configured like backend.settings, with a prefix of its own."""
    host = {
        "address": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        "socket_timeout": settings.CHANNEL_REDIS_SOCKET_TIMEOUT_S,
    }
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [host], "prefix": f"test-{uuid.uuid4().hex}"},
        }
    }


@pytest.mark.asyncio
async def test_events_travel_through_a_real_redis_channel_layer(regions, settings):
    settings.CHANNEL_LAYERS = redis_layer(settings)
    leader = await sync_to_async(make_user)(Role.LEADER, regions["county"])
    communicator, counties = await connect_ready(leader)
    assert counties == ["430121"]
    # Idle longer than channels-redis's blocking pop: the socket must survive it (redis-py's
    # default 5 s read timeout, equal to the pop's, used to kill it here).
    await asyncio.sleep(REDIS_BLOCKING_POP_S + 1.5)
    assert await sync_to_async(publish)("430121", "visit.created", {"items": [VISIT]})
    assert await communicator.receive_json_from(timeout=5) == {
        "event": "visit.created",
        "data": {"items": [VISIT]},
    }
    assert await sync_to_async(publish)("430182", "visit.created", {"items": [VISIT]})
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()
    await get_channel_layer().flush()


@pytest.mark.asyncio
async def test_binary_frame_is_refused_with_a_close_frame_1003(regions, in_memory_layer):
    leader = await sync_to_async(make_user)(Role.LEADER, regions["county"])
    communicator, _ = await connect_ready(leader)
    await communicator.send_to(bytes_data=b"\x00\x01binary")
    assert await communicator.receive_output() == {"type": "websocket.close", "code": 1003}
    await communicator.disconnect()


def record_checkin_at(station_region) -> dict:
    """A check-in recorded through the service at a station of `station_region`."""
    deputy = DeputyFactory(region=station_region)
    station = StationFactory(region=station_region)
    result = checkin_record(
        deputy=deputy,
        station=station,
        client_uuid=uuid.uuid4(),
        lon=113.005,
        lat=28.005,
        accuracy_m=5,
        recorded_at=timezone.now(),
    )
    return {"id": result.id, "station_id": station.id}


@pytest.mark.asyncio
async def test_township_staff_get_checkins_of_their_township_only(regions, in_memory_layer):
    staff = await sync_to_async(make_user)(Role.STAFF, regions["township"])
    communicator, _ = await connect_ready(staff)
    other_township = await sync_to_async(RegionFactory)(
        adcode="430121002", name="湘龙街道", parent=regions["county"]
    )
    await sync_to_async(record_checkin_at)(other_township)
    inside = await sync_to_async(record_checkin_at)(regions["township"])
    message = await communicator.receive_json_from()
    assert message["event"] == "checkin.created"
    assert [
        (item["id"], item["station_id"], item["adcode"]) for item in message["data"]["items"]
    ] == [(inside["id"], inside["station_id"], "430121001")]
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


CLOSED_4401 = {"type": "websocket.close", "code": 4401}


def logout(cookie: tuple[bytes, bytes]) -> None:
    """Log the session of `cookie` out through the site's logout view."""
    client = Client()
    client.cookies["sessionid"] = cookie[1].decode().split("=", 1)[1]
    assert client.post("/accounts/logout/").status_code in (200, 302)


def deactivate(user) -> None:
    user.is_active = False
    user.save()


@pytest.mark.asyncio
async def test_logout_closes_that_sessions_socket_at_once(regions, settings):
    settings.CHANNEL_LAYERS = redis_layer(settings)
    leader = await sync_to_async(make_user)(Role.LEADER, regions["county"])
    cookie = await sync_to_async(session_cookie)(leader)
    ended = await connect([ORIGIN, cookie])
    assert (await ended.receive_json_from())["event"] == "live.ready"
    other_session, _ = await connect_ready(leader)  # the same user signed in elsewhere
    await sync_to_async(logout)(cookie)
    assert await ended.receive_output(timeout=5) == CLOSED_4401
    assert await sync_to_async(publish)("430121", "visit.created", {"items": [VISIT]})
    assert await other_session.receive_json_from(timeout=5) == {
        "event": "visit.created",
        "data": {"items": [VISIT]},
    }
    await other_session.disconnect()
    await ended.disconnect()
    await get_channel_layer().flush()


@pytest.mark.asyncio
async def test_deactivation_closes_every_socket_of_the_user(regions, settings):
    settings.CHANNEL_LAYERS = redis_layer(settings)
    leader = await sync_to_async(make_user)(Role.LEADER, regions["county"])
    first, _ = await connect_ready(leader)
    second, _ = await connect_ready(leader)
    await sync_to_async(deactivate)(leader)
    assert await first.receive_output(timeout=5) == CLOSED_4401
    assert await second.receive_output(timeout=5) == CLOSED_4401
    await first.disconnect()
    await second.disconnect()
    await get_channel_layer().flush()


@pytest.mark.asyncio
async def test_socket_of_a_user_deactivated_without_signal_gets_no_further_event(regions, settings):
    settings.CHANNEL_LAYERS = redis_layer(settings)
    leader = await sync_to_async(make_user)(Role.LEADER, regions["county"])
    communicator, _ = await connect_ready(leader)
    # A bulk update sends no post_save: the re-check before delivery catches it.
    await sync_to_async(lambda: type(leader).objects.filter(pk=leader.pk).update(is_active=False))()
    assert await sync_to_async(publish)("430121", "visit.created", {"items": [VISIT]})
    assert await communicator.receive_output(timeout=5) == CLOSED_4401
    await communicator.disconnect()
    await get_channel_layer().flush()
