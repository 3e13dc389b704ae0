"""Escalation of overdue opinions (the scheduled job `opinions.escalate_overdue`).

Invariants:
- An open opinion (registered, forwarded, handling, re-handling) whose `due_at` has passed gets
  one overdue alert per deadline: a history row (action `overdue`, status unchanged, no
  account) and `alerted_due_at` set to that deadline. A new deadline (forwarding, extension,
  re-handling) can be alerted again once it passes; a rerun, a doubled or a late job writes
  nothing twice (the rows are locked, `alerted_due_at` compared, in one transaction).
- The alert goes to the accounts of the level above the opinion's (`LEVEL_ABOVE`: not forwarded
  → township, township → county, county → city) and to the county's leader accounts, each
  account once, through the one notification channel (backend.core.notify, `user:<id>`), and
  to the county's live channel (`opinion.updated` with action `overdue`) after commit. The
  level above's accounts (`overdue_alert_accounts`): township → the staff of the opinion's
  township; county → the county's staff; city → the accounts of the county's city-level
  departments (the city congress's office) and the city's staff. A level with no account falls
  back to the county's staff, so an alert never reaches nobody but the leaders.
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

from backend.accounts.selectors import account_ids
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


def overdue_alert_accounts(
    opinion: Opinion, memo: dict[tuple[str, str, str], list[int]] | None = None
) -> list[int]:
    """The account ids an overdue alert on `opinion` goes to: the level above's, then the
    county's leaders (ascending within each, each account once). `memo` keeps the answer per
    (county, level above, township) for one run, so a batch of overdue opinions of the same
    place asks for its accounts once."""
    county = opinion.county_adcode
    above = level_above(opinion)
    township = opinion.adcode[:9] if len(opinion.adcode) >= 9 else ""
    key = (county, str(above), township if above == HandlingLevel.TOWNSHIP else "")
    if memo is not None and key in memo:
        return memo[key]
    accounts = _alert_accounts(county, above, township)
    if memo is not None:
        memo[key] = accounts
    return accounts


def _alert_accounts(county: str, above: str, township: str) -> list[int]:
    if above == HandlingLevel.TOWNSHIP:
        handlers = account_ids(staff_of=[township]) if township else []
    elif above == HandlingLevel.COUNTY:
        handlers = account_ids(staff_of=[county])
    else:
        handlers = account_ids(
            staff_of=[county[:4]],
            department_q=Q(department__county_adcode=county, department__level=HandlingLevel.CITY),
        )
    if not handlers:
        handlers = account_ids(staff_of=[county])
    leaders = [i for i in account_ids(leaders_of=[county]) if i not in handlers]
    return handlers + leaders


@transaction.atomic
def opinions_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Raise the overdue alerts due at `now` (default now); returns how many were raised."""
    now = now or timezone.now()
    overdue = list(
        Opinion.objects.filter(_needs_alert(now))
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("due_at", "id")[:BATCH]
    )
    memo: dict[tuple[str, str, str], list[int]] = {}
    for opinion in overdue:
        _alert(opinion, now, memo)
    return len(overdue)


def _alert(opinion: Opinion, now: dt.datetime, memo: dict[tuple[str, str, str], list[int]]) -> None:
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
    for account_id in overdue_alert_accounts(opinion, memo):
        transaction.on_commit(partial(notify, f"user:{account_id}", text, "overdue"))
    publish_updated_on_commit(opinion, "overdue", opinion.status)
