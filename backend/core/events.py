"""Publishing domain events to the live dashboards.

Services call `publish_on_commit(county_adcode, type, payload)` inside their transaction; the
event goes to the channel group of that county only after the transaction commits. A channel-layer
failure (Redis down) is logged and never fails the write.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def county_group(county_adcode: str) -> str:
    """Channel-group name of a county (adcode of 6 digits)."""
    return f"county.{county_adcode}"


def publish(county_adcode: str, event_type: str, payload: dict) -> bool:
    """Send now; returns False (and logs) when the channel layer is unavailable."""
    layer = get_channel_layer()
    if layer is None or not county_adcode:
        return False
    message = {"type": "domain.event", "event": event_type, "data": payload}
    try:
        async_to_sync(layer.group_send)(county_group(county_adcode), message)
    except Exception:
        logger.exception("event %s for county %s not published", event_type, county_adcode)
        return False
    return True


def publish_on_commit(county_adcode: str, event_type: str, payload: dict) -> None:
    transaction.on_commit(lambda: publish(county_adcode, event_type, payload))
