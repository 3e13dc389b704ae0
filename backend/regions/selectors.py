"""Reads of the region tree (adcode-keyed), scoped by the caller's Jurisdiction. A single region
is fetched, checked, by backend.regions.access.access_region_by_adcode."""

from __future__ import annotations

from django.db.models import QuerySet

from backend.accounts.jurisdiction import Jurisdiction

from .models import ADCODE_LENGTHS, Region


def region_children(*, region: Region) -> QuerySet[Region]:
    """Direct children, in adcode order, without their (heavy) boundaries."""
    return Region.objects.filter(parent=region).defer("boundary").order_by("adcode")


def region_ancestors(*, region: Region) -> list[Region]:
    """Province → … → parent, found by adcode prefixes (one query)."""
    prefixes = [region.adcode[:n] for n in ADCODE_LENGTHS if n < len(region.adcode)]
    return list(Region.objects.filter(adcode__in=prefixes).defer("boundary").order_by("adcode"))


def region_list(*, jurisdiction: Jurisdiction, level: str | None = None) -> QuerySet[Region]:
    """Regions inside the jurisdiction (optionally of one level), boundaries deferred."""
    qs = Region.objects.defer("boundary", "display_boundary").order_by("adcode")
    if level is not None:
        qs = qs.filter(level=level)
    return jurisdiction.filter(qs)


def county_list(*, jurisdiction: Jurisdiction) -> QuerySet[Region]:
    return region_list(jurisdiction=jurisdiction, level="county")
