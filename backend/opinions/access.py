"""Permission-checked fetches of an opinion: missing and forbidden give the same 404."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.errors import NotFound

from .models import Opinion


def _not_found() -> NotFound:
    return NotFound(codes.OPINION_NOT_FOUND, _("No such opinion."))


def access_opinion_by_id(
    *, jurisdiction: Jurisdiction, opinion_id: int, for_update: bool = False
) -> Opinion:
    """The opinion if it lies inside the jurisdiction (adcode prefix) or was taken down by the
    caller as a deputy; NotFound otherwise. `for_update` locks the opinion's row (only it) for
    the caller's transaction."""
    if jurisdiction.user_id is None:
        raise _not_found()
    visible = Q(deputy__user_id=jurisdiction.user_id)
    if jurisdiction.reads_regions:
        visible |= jurisdiction.q("adcode")
    queryset = Opinion.objects.filter(visible, id=opinion_id)
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
