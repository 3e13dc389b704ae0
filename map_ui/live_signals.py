"""Close a user's live sockets the moment their session ends.

A dashboard socket is authenticated once, at the handshake. Logging out (that session's sockets)
and deactivating the account (all of the user's sockets) therefore send a `session.end` message
to the socket groups the consumer joined (map_ui.consumers), which close with 4401. Paths that
send no signal (a queryset update, an expired or deleted session, a password change) are caught
by the consumer's re-check before each event it delivers. A channel-layer failure is logged and
never fails the logout or the save.
"""

import hashlib
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

SESSION_END = {"type": "session.end"}


def user_group(user_id: int) -> str:
    return f"live-user.{user_id}"


def session_group(session_key: str) -> str:
    """Group of one session's sockets; named by a hash so that Redis never holds the key."""
    return f"live-session.{hashlib.sha256(session_key.encode()).hexdigest()[:40]}"


def end_sockets(group: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, SESSION_END)
    except Exception:
        logger.exception("live sockets of %s not closed", group)


def on_logged_out(sender, request, user, **kwargs) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        end_sockets(session_group(session_key))


def on_user_saved(sender, instance, created, **kwargs) -> None:
    if not created and not instance.is_active:
        end_sockets(user_group(instance.pk))
