"""Live map updates: one websocket per signed-in user, joined to the county groups it may see.

Invariants:
- an unauthenticated socket is accepted only to be closed at once with code 4401, so that the
  browser learns why (a handshake refusal carries no code) and stops reconnecting;
- a socket joins `county.<adcode6>` groups only for counties inside the user's jurisdiction
  (adcode prefix, counties listed from the Region table); a user below county level (a township)
  joins their county's group and receives only the items whose adcode lies inside their prefix;
- a user with no region-wide access (a deputy) is closed with code 4403;
- a socket lives no longer than its session: logout and deactivation close it at once with 4401
  (map_ui.live_signals), and before each event it delivers the session is read again, so that an
  expired, deleted or password-changed session, or an account deactivated without a signal, gets
  no further event (two indexed queries per event and socket);
- a binary frame is answered with a close frame (1003), never an exception: an unhandled one
  drops the connection without a close and leaves the server a task to wait for at shutdown.
"""

import json
from importlib import import_module
from types import SimpleNamespace
from typing import cast

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user
from django.http import HttpRequest

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import User
from backend.core.events import county_group
from backend.regions.models import Region, RegionLevel
from map_ui.live_signals import session_group, user_group

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_UNSUPPORTED_DATA = 1003  # RFC 6455: a binary frame on this text-only socket
COUNTY_ADCODE_LENGTH = 6


def live_counties_for(prefix: str) -> list[str]:
    """County adcodes whose events a user with jurisdiction `prefix` may receive."""
    if len(prefix) > COUNTY_ADCODE_LENGTH:
        return [prefix[:COUNTY_ADCODE_LENGTH]]
    counties = Region.objects.filter(level=RegionLevel.COUNTY, adcode__startswith=prefix)
    return list(counties.order_by("adcode").values_list("adcode", flat=True))


def live_scope_for(user: User) -> tuple[str, list[str]] | None:
    """(prefix, county adcodes) for a leader, staff member or admin; None for anyone without
    region-wide reads (deputies): their Jurisdiction decides."""
    prefix = jurisdiction_of(user).prefix
    if prefix is None:
        return None
    return prefix, live_counties_for(prefix)


def items_inside(items: list[dict], prefix: str) -> list[dict]:
    """Items of an event that lie inside `prefix` (needed only below county level)."""
    return [item for item in items if str(item.get("adcode", "")).startswith(prefix)]


def session_user_id(session_key: str | None) -> int | None:
    """The id of the active user a session (read afresh from its store) still signs in."""
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    # get_user reads only `.session`; it checks is_active and the password hash
    user = get_user(cast(HttpRequest, SimpleNamespace(session=store)))
    return user.pk if user.is_authenticated else None


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        scope = await database_sync_to_async(live_scope_for)(user)
        if scope is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.prefix, self.counties = scope
        self.user_id = user.pk
        self.session_key = self.scope["session"].session_key
        self.joined = [county_group(adcode) for adcode in self.counties]
        self.joined += [user_group(user.pk), session_group(self.session_key)]
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.send_json({"event": "live.ready", "data": {"counties": self.counties}})

    async def disconnect(self, code):
        await self._leave_groups()

    async def _leave_groups(self):
        joined, self.joined = getattr(self, "joined", []), []
        for group in joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def session_end(self, message=None):
        """Logout or deactivation (map_ui.live_signals), or a stale session found on an event."""
        if getattr(self, "ended", False):
            return
        self.ended = True
        await self._leave_groups()
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            await self.close(code=CLOSE_UNSUPPORTED_DATA)
        elif text_data:  # an empty text frame carries nothing to answer
            await super().receive(text_data=text_data, **kwargs)

    @classmethod
    async def decode_json(cls, text_data):
        """Garbage from a client is ignored rather than crashing the socket."""
        try:
            return json.loads(text_data)
        except ValueError:
            return None

    async def receive_json(self, content, **kwargs):
        """The browser only listens; a ping gets a pong so clients can check the link."""
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"event": "live.pong", "data": {}})

    async def domain_event(self, message):
        if not self.joined:
            return  # closed already; messages queued before leaving the groups are dropped
        data = message.get("data") or {}
        if len(self.prefix) > COUNTY_ADCODE_LENGTH:
            items = items_inside(list(data.get("items", [])), self.prefix)
            if not items:
                return
            data = {**data, "items": items}
        if await database_sync_to_async(session_user_id)(self.session_key) != self.user_id:
            await self.session_end()
            return
        await self.send_json({"event": message["event"], "data": data})
