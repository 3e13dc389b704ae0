"""Permission-checked fetches of stations: missing and out of reach give the same NotFound."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.errors import NotFound

from .models import Deputy, Station, StationMembership


def _not_found() -> NotFound:
    return NotFound(codes.STATION_NOT_FOUND, _("No such station."))


def access_station_by_id(*, jurisdiction: Jurisdiction, station_id: int) -> Station:
    """A station inside the jurisdiction; NotFound otherwise."""
    if not jurisdiction.reads_regions:
        raise _not_found()
    station = jurisdiction.filter(Station.objects.filter(id=station_id)).first()
    if station is None:
        raise _not_found()
    return station


def access_station_for_checkin(*, deputy: Deputy, station_id: int) -> Station:
    """A deputy checks in at stations of their own county, or at any station they belong to
    (industry and legislative contact points may lie in another county)."""
    member = StationMembership.objects.filter(
        station=OuterRef("pk"), deputy=deputy, until__isnull=True
    )
    station = (
        Station.objects.filter(id=station_id)
        .filter(Q(county_adcode=deputy.county_adcode) | Exists(member))
        .first()
    )
    if station is None:
        raise _not_found()
    return station
