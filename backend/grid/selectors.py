"""Reads of grid cells and assignments, always scoped by the caller's jurisdiction."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from backend.accounts.access import jurisdiction_prefix
from backend.accounts.models import User
from backend.core.errors import NotFound

from .models import AssignmentStatus, GridAssignment, GridCell

MAX_CELLS_PER_REQUEST = 200


def access_cells_by_ids(user: User, ids: list[int]) -> list[GridCell]:
    """The cells `ids` (in that order) if every one lies inside the user's jurisdiction;
    NotFound naming no cell otherwise (missing and forbidden look the same)."""
    prefix = jurisdiction_prefix(user)
    wanted = list(dict.fromkeys(ids))
    if prefix is None or not wanted:
        raise NotFound("cell.not_found", _("No such grid cell in your jurisdiction."))
    cells = {
        c.id: c
        for c in GridCell.objects.filter(id__in=wanted, adcode__startswith=prefix).defer(
            "boundary", "display_boundary"
        )
    }
    if len(cells) != len(wanted):
        raise NotFound("cell.not_found", _("No such grid cell in your jurisdiction."))
    return [cells[i] for i in wanted]


def assignment_list(*, user: User, active_only: bool = True) -> QuerySet[GridAssignment]:
    prefix = jurisdiction_prefix(user)
    qs = GridAssignment.objects.select_related("cell", "deputy").defer(
        "cell__boundary", "cell__display_boundary"
    )
    if active_only:
        qs = qs.filter(status=AssignmentStatus.ACTIVE)
    if prefix is None:
        return qs.none()
    return qs.filter(cell__adcode__startswith=prefix).order_by("cell__code", "deputy_id")
