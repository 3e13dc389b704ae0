"""Permission-checked fetches of field records: missing and forbidden give the same 404. A
deputy's station for a check-in: backend.liaison.access.access_station_for_checkin."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.errors import NotFound
from backend.liaison.models import Deputy

from .models import CheckIn, Visit


def _visible(jurisdiction: Jurisdiction) -> Q:
    """The caller's own records (as a deputy), and the rows inside their jurisdiction."""
    visible = Q(deputy__user_id=jurisdiction.user_id)
    if jurisdiction.reads_regions:
        visible |= jurisdiction.q("adcode")
    return visible


def _visit_not_found() -> NotFound:
    return NotFound(codes.VISIT_NOT_FOUND, _("No such visit."))


def access_visit_by_id(*, jurisdiction: Jurisdiction, visit_id: int) -> Visit:
    if jurisdiction.user_id is None:
        raise _visit_not_found()
    visit = Visit.objects.select_related("cell").filter(_visible(jurisdiction), id=visit_id).first()
    if visit is None:
        raise _visit_not_found()
    return visit


def access_own_visit(*, deputy: Deputy, visit_id: int) -> Visit:
    """The deputy's own visit (an opinion links only to its author's visit); NotFound else."""
    visit = Visit.objects.select_related("cell").filter(id=visit_id, deputy=deputy).first()
    if visit is None:
        raise _visit_not_found()
    return visit


def access_checkin_by_id(*, jurisdiction: Jurisdiction, checkin_id: int) -> CheckIn:
    checkin = (
        CheckIn.objects.select_related("station")
        .filter(_visible(jurisdiction), id=checkin_id)
        .first()
        if jurisdiction.user_id is not None
        else None
    )
    if checkin is None:
        raise NotFound(codes.CHECKIN_NOT_FOUND, _("No such check-in."))
    return checkin
