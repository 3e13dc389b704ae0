"""Permission-checked fetches of regions: missing and outside the jurisdiction give the same
NotFound (region.not_found)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.errors import NotFound

from .models import Region, RegionLevel


def access_region_by_adcode(*, jurisdiction: Jurisdiction, adcode: str) -> Region:
    """The region `adcode` if it lies inside the jurisdiction; NotFound otherwise."""
    if not adcode.isdigit() or not jurisdiction.contains(adcode):
        raise NotFound(codes.REGION_NOT_FOUND)
    region = Region.objects.filter(adcode=adcode).first()
    if region is None:
        raise NotFound(codes.REGION_NOT_FOUND)
    return region


def default_region(*, jurisdiction: Jurisdiction) -> Region:
    """The caller's own jurisdiction; for an admin (who has none), the first county."""
    if jurisdiction.prefix:
        return access_region_by_adcode(jurisdiction=jurisdiction, adcode=jurisdiction.prefix)
    if jurisdiction.prefix == "":
        region = (
            Region.objects.filter(level=RegionLevel.COUNTY).order_by("adcode").first()
            or Region.objects.order_by("adcode").first()
        )
        if region is not None:
            return region
    raise NotFound(codes.REGION_NONE, _("No region to show."))
