"""Reads of opinions. A citizen's contact never leaves unmasked: use `mask_contact`."""

from __future__ import annotations

from django.db.models import QuerySet

from backend.liaison.models import Deputy

from .models import Opinion


def mask_contact(contact: str) -> str:
    """138****1234: the first three and last four digits; shorter numbers keep the last two."""
    if not contact:
        return ""
    if len(contact) >= 8:
        return contact[:3] + "*" * (len(contact) - 7) + contact[-4:]
    return "*" * (len(contact) - 2) + contact[-2:]


def opinion_list(*, deputy: Deputy) -> QuerySet[Opinion]:
    return (Opinion.objects.filter(deputy=deputy).select_related("cell")
            .order_by("-recorded_at", "-id"))
