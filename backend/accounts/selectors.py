"""Reads of accounts: who is addressed when the system raises an alert (the escalation job's
overdue alerts, backend.opinions.escalation). Only active accounts; the role decides, as in
backend.accounts.access, and a region's accounts are those whose jurisdiction *is* that region
(the township's staff, the county's leaders), not every account above it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from .models import Role, User


def account_ids(
    *,
    staff_of: Iterable[str] = (),
    leaders_of: Iterable[str] = (),
    department_q: Q | None = None,
) -> list[int]:
    """Ids of the active staff accounts of the regions `staff_of` (adcodes), the leader accounts
    of `leaders_of`, and the department accounts whose (active) department matches
    `department_q` (a Q over the user's `department__…`), ascending, each once."""
    wanted = Q(pk__in=[])
    if staff := list(staff_of):
        wanted |= Q(role=Role.STAFF, jurisdiction__adcode__in=staff)
    if leaders := list(leaders_of):
        wanted |= Q(role=Role.LEADER, jurisdiction__adcode__in=leaders)
    if department_q is not None:
        wanted |= Q(role=Role.DEPARTMENT, department__active=True) & department_q
    return list(
        User.objects.filter(wanted, is_active=True).order_by("id").values_list("id", flat=True)
    )
