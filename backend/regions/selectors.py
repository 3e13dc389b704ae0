"""Reads of the region tree (adcode-keyed). Scoping by jurisdiction is the caller's `user`."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from backend.accounts.access import require_readable_adcode, scope_to_jurisdiction
from backend.accounts.models import User
from backend.core.errors import NotFound

from .models import ADCODE_LENGTHS, Region


def region_get(*, adcode: str, user: User | None = None) -> Region:
    """The region with this adcode; NotFound when missing or outside the user's jurisdiction."""
    if user is not None:
        require_readable_adcode(user, adcode)
    region = Region.objects.filter(adcode=adcode).first()
    if region is None:
        raise NotFound("region.not_found", _("No such region in your jurisdiction."))
    return region


def region_children(*, region: Region) -> QuerySet[Region]:
    """Direct children, in adcode order, without their (heavy) boundaries."""
    return Region.objects.filter(parent=region).defer("boundary").order_by("adcode")


def region_ancestors(*, region: Region) -> list[Region]:
    """Province → … → parent, found by adcode prefixes (one query)."""
    prefixes = [region.adcode[:n] for n in ADCODE_LENGTHS if n < len(region.adcode)]
    return list(Region.objects.filter(adcode__in=prefixes).defer("boundary").order_by("adcode"))


def region_list(*, user: User, level: str | None = None) -> QuerySet[Region]:
    """Regions inside the user's jurisdiction (optionally of one level), boundaries deferred."""
    qs = Region.objects.defer("boundary", "display_boundary").order_by("adcode")
    if level is not None:
        qs = qs.filter(level=level)
    return scope_to_jurisdiction(qs, user)


def county_list(*, user: User) -> QuerySet[Region]:
    return region_list(user=user, level="county")
