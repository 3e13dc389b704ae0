"""Permission-checked fetches of field records: missing and forbidden give the same 404."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from backend.core.errors import NotFound
from backend.liaison.models import Deputy, Station, StationMembership

from .models import CheckIn, Visit


def access_visit_by_id(*, deputy: Deputy, visit_id: int) -> Visit:
    visit = Visit.objects.select_related("cell").filter(id=visit_id, deputy=deputy).first()
    if visit is None:
        raise NotFound("visit.not_found", _("No such visit."))
    return visit


def access_checkin_by_id(*, deputy: Deputy, checkin_id: int) -> CheckIn:
    checkin = CheckIn.objects.select_related("station").filter(id=checkin_id, deputy=deputy).first()
    if checkin is None:
        raise NotFound("checkin.not_found", _("No such check-in."))
    return checkin


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
        raise NotFound("station.not_found", _("No such station."))
    return station
