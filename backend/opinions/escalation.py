"""Escalation of overdue opinions (the scheduled job `opinions.escalate_overdue`).

Invariants:
- An open opinion (registered, forwarded, handling, re-handling) whose `due_at` has passed gets
  one overdue alert per deadline: a history row (action `overdue`, status unchanged, no
  account) and `alerted_due_at` set to that deadline. A new deadline (forwarding, extension,
  re-handling) can be alerted again once it passes; a rerun, a doubled or a late job writes
  nothing twice (the rows are locked, `alerted_due_at` compared, in one transaction).
- The alert goes to the level above the opinion's (`LEVEL_ABOVE`: not forwarded → township,
  township → county, county → city) and to the county's leaders, through the one notification
  channel (backend.core.notify: `level:<level>:<county>`, `county:<county>`), and to the
  county's live channel (`opinion.updated` with action `overdue`) after commit.
- Not a status transition: no account acts, nothing about the loop changes; staff still
  decide (refer it up, extend, answer) through `opinion_transition`.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.core.notify import notify

from .models import (
    LEVEL_ABOVE,
    NOTE_OVERDUE_ANSWER,
    NOTE_OVERDUE_FORWARD,
    OPEN_STATUSES,
    HandlingLevel,
    Opinion,
    OpinionCategory,
    OpinionStatus,
    OpinionTransition,
)
from .services import publish_updated_on_commit

BATCH = 500
ALERT_TEXT = _("Opinion %(id)s (%(category)s) is overdue (due %(due)s): %(what)s.")
WHAT_FORWARD = _("not forwarded within 24 hours")
WHAT_ANSWER = _("not answered by the deadline")


def _needs_alert(now: dt.datetime) -> Q:
    return Q(status__in=OPEN_STATUSES, due_at__lt=now) & (
        Q(alerted_due_at__isnull=True) | ~Q(alerted_due_at=F("due_at"))
    )


def level_above(opinion: Opinion) -> str:
    """Who presses next: the township for an opinion not yet forwarded, else the level above."""
    if not opinion.level:
        return HandlingLevel.TOWNSHIP
    return LEVEL_ABOVE[HandlingLevel(opinion.level)]


@transaction.atomic
def opinions_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Raise the overdue alerts due at `now` (default now); returns how many were raised."""
    now = now or timezone.now()
    overdue = list(
        Opinion.objects.filter(_needs_alert(now))
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("due_at", "id")[:BATCH]
    )
    for opinion in overdue:
        _alert(opinion, now)
    return len(overdue)


def _alert(opinion: Opinion, now: dt.datetime) -> None:
    not_forwarded = opinion.status == OpinionStatus.REGISTERED
    opinion.alerted_due_at = opinion.due_at
    opinion.save(update_fields=["alerted_due_at"])
    OpinionTransition.objects.create(
        opinion=opinion,
        from_status=opinion.status,
        to_status=opinion.status,
        by=None,
        at=now,
        action="overdue",
        note=NOTE_OVERDUE_FORWARD if not_forwarded else NOTE_OVERDUE_ANSWER,
    )
    assert opinion.due_at is not None
    text = str(
        ALERT_TEXT
        % {
            "id": opinion.id,
            "category": OpinionCategory(opinion.category).label,
            "due": timezone.localtime(opinion.due_at).strftime("%Y-%m-%d %H:%M"),
            "what": WHAT_FORWARD if not_forwarded else WHAT_ANSWER,
        }
    )
    county = opinion.county_adcode
    for recipient in (f"level:{level_above(opinion)}:{county}", f"county:{county}"):
        transaction.on_commit(partial(notify, recipient, text, "overdue"))
    publish_updated_on_commit(opinion, "overdue", opinion.status)
