"""Permission-checked fetches of an opinion: missing and forbidden give the same 404."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.errors import NotFound

from .models import Department, Opinion


def _not_found() -> NotFound:
    return NotFound(codes.OPINION_NOT_FOUND, _("No such opinion."))


def visible_opinions_q(jurisdiction: Jurisdiction) -> Q:
    """The one rule of who sees an opinion: inside the jurisdiction's adcode prefix, taken down
    by the caller as a deputy, or referred to the caller's department (a department account
    sees nothing else). Matches nothing for a caller without an account."""
    if jurisdiction.user_id is None:
        return Q(pk__in=[])
    visible = Q(deputy__user_id=jurisdiction.user_id)
    if jurisdiction.department_id is not None:
        visible |= Q(department_id=jurisdiction.department_id)
    if jurisdiction.reads_regions:
        visible |= jurisdiction.q("adcode")
    return visible


def access_department_for(*, opinion: Opinion, department_id: object) -> Department:
    """An active department of the opinion's county to refer it to; NotFound
    (opinion.department_not_found) for anything else (another county's, inactive, not an id)."""
    if isinstance(department_id, bool) or not isinstance(department_id, int):
        raise NotFound(codes.OPINION_DEPARTMENT_NOT_FOUND, field="department")
    department = Department.objects.filter(
        id=department_id, county_adcode=opinion.county_adcode, active=True
    ).first()
    if department is None:
        raise NotFound(codes.OPINION_DEPARTMENT_NOT_FOUND, field="department")
    return department


def access_opinion_by_id(
    *, jurisdiction: Jurisdiction, opinion_id: int, for_update: bool = False
) -> Opinion:
    """The opinion if the caller sees it (`visible_opinions_q`); NotFound otherwise.
    `for_update` locks the opinion's row (only it) for the caller's transaction."""
    if jurisdiction.user_id is None:
        raise _not_found()
    queryset = Opinion.objects.filter(visible_opinions_q(jurisdiction), id=opinion_id)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    opinion = (
        queryset.select_related("deputy", "station", "cell")
        .defer("cell__boundary", "cell__display_boundary")
        .first()
    )
    if opinion is None:
        raise _not_found()
    return opinion
