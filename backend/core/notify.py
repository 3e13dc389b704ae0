"""One pluggable channel for notifications to citizens and handlers (SMS, WeChat … need
contracts): `notify(recipient, text)` hands the message to the backend named by
settings.NOTIFY_BACKEND, like Django's email backends. Shipped: LoggingBackend (the demo and
production until a gateway is contracted: one log line, the number masked) and LocmemBackend
(tests: messages kept in `backend.core.notify.outbox`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from backend.core.privacy import mask_contact

logger = logging.getLogger("backend.notify")


@dataclass(frozen=True)
class Message:
    # a phone number (digits), "user:<id>" (an account: the escalation job's overdue alerts),
    # "handler:<name>" (a department named in free text) or "department:<id>" (a Department's
    # accounts)
    recipient: str
    text: str
    kind: str  # answered / rehandling / closed / forwarded / overdue


class NotificationBackend(Protocol):
    def send(self, message: Message) -> None: ...


class LoggingBackend:
    def send(self, message: Message) -> None:
        who = message.recipient
        if ":" not in who:  # a phone number; addresses of units are not personal data
            who = mask_contact(who)
        logger.info("notify %s [%s]: %s", who, message.kind, message.text)


outbox: list[Message] = []


class LocmemBackend:
    def send(self, message: Message) -> None:
        outbox.append(message)


def get_backend() -> NotificationBackend:
    path = getattr(settings, "NOTIFY_BACKEND", "backend.core.notify.LoggingBackend")
    return import_string(path)()


def notify(recipient: str, text: str, kind: str) -> None:
    """Send now (call it from transaction.on_commit). A backend failure is logged, never raised:
    a lost text message must not undo the work it reports."""
    if not recipient:
        return
    try:
        get_backend().send(Message(recipient, text, kind))
    except Exception:
        logger.exception("notification to %s failed", mask_contact(recipient))
