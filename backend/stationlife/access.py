"""Permission-checked fetches of station-life rows: missing and out of reach give the same
NotFound. A deliberation day and its action items are read inside the jurisdiction of their
station; a cross-province link, its joint activities and its cross-border problems by the
callers who reach either of its two stations (each side reads the link, nothing else of the
other province)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.errors import DomainError, NotFound
from backend.liaison.models import Station, StationLink

from .models import ActionItem, CrossBorderProblem, Deliberation


def require_staff_in(jurisdiction: Jurisdiction, adcode: str) -> None:
    """Writes: staff (and admins) whose jurisdiction holds `adcode`; 403 otherwise."""
    if not jurisdiction.may_act_in(adcode):
        raise DomainError(codes.STATIONLIFE_NOT_ALLOWED)


def access_deliberation_by_id(*, jurisdiction: Jurisdiction, deliberation_id: int) -> Deliberation:
    found = (
        jurisdiction.filter(Deliberation.objects.filter(id=deliberation_id))
        .select_related("station")
        .first()
    )
    if found is None:
        raise NotFound(codes.DELIBERATION_NOT_FOUND)
    return found


def access_action_item_by_id(*, jurisdiction: Jurisdiction, item_id: int) -> ActionItem:
    found = jurisdiction.filter(ActionItem.objects.filter(id=item_id)).first()
    if found is None:
        raise NotFound(codes.ACTION_ITEM_NOT_FOUND)
    return found


def readable_links(jurisdiction: Jurisdiction) -> QuerySet[StationLink]:
    """The links with at least one station inside the jurisdiction (none without region reads)."""
    if jurisdiction.prefix is None:
        return StationLink.objects.none()
    if jurisdiction.prefix == "":
        return StationLink.objects.all()
    return StationLink.objects.filter(
        Q(station_a__adcode__startswith=jurisdiction.prefix)
        | Q(station_b__adcode__startswith=jurisdiction.prefix)
    )


def access_link_by_id(*, jurisdiction: Jurisdiction, link_id: int) -> StationLink:
    found = (
        readable_links(jurisdiction)
        .filter(id=link_id)
        .select_related("station_a", "station_b")
        .first()
    )
    if found is None:
        raise NotFound(codes.LINK_NOT_FOUND)
    return found


def own_sides(jurisdiction: Jurisdiction, link: StationLink) -> list[Station]:
    """The link's stations the caller reaches (both for an admin)."""
    return [s for s in (link.station_a, link.station_b) if jurisdiction.contains(s.adcode)]


def require_link_staff(jurisdiction: Jurisdiction, link: StationLink) -> Station:
    """The side (station) on which the caller may act; 403 for readers."""
    for station in own_sides(jurisdiction, link):
        if jurisdiction.may_act_in(station.adcode):
            return station
    raise DomainError(codes.STATIONLIFE_NOT_ALLOWED)


def access_problem_by_id(*, jurisdiction: Jurisdiction, problem_id: int) -> CrossBorderProblem:
    found = (
        CrossBorderProblem.objects.filter(id=problem_id, link__in=readable_links(jurisdiction))
        .select_related("link__station_a", "link__station_b", "handled_by", "raised_by")
        .first()
    )
    if found is None:
        raise NotFound(codes.PROBLEM_NOT_FOUND)
    return found
