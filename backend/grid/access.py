"""Permission-checked fetches of grid cells and assignments: missing and outside the caller's
jurisdiction give the same NotFound, naming no row."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.errors import NotFound

from .models import GridAssignment, GridCell


def _cell_not_found() -> NotFound:
    return NotFound(codes.CELL_NOT_FOUND, _("No such grid cell in your jurisdiction."))


def access_cells_by_ids(
    *, jurisdiction: Jurisdiction, ids: list[int], for_update: bool = False
) -> list[GridCell]:
    """The cells `ids` (in that order, duplicates dropped) if every one lies inside the
    jurisdiction; NotFound otherwise (one query, boundaries deferred). `for_update` locks them
    in id order (inside the caller's transaction), so concurrent writers serialise."""
    wanted = list(dict.fromkeys(ids))
    if not jurisdiction.reads_regions or not wanted:
        raise _cell_not_found()
    found = jurisdiction.filter(GridCell.objects.filter(id__in=wanted)).defer(
        "boundary", "display_boundary"
    )
    if for_update:
        found = found.select_for_update().order_by("id")
    cells = {c.id: c for c in found}
    if len(cells) != len(wanted):
        raise _cell_not_found()
    return [cells[i] for i in wanted]


def access_assignment_by_id(*, jurisdiction: Jurisdiction, assignment_id: int) -> GridAssignment:
    """An assignment of a cell inside the jurisdiction, or the caller's own (a deputy's)."""
    visible = jurisdiction.q("cell__adcode")
    if jurisdiction.deputy_id is not None:
        visible |= Q(deputy_id=jurisdiction.deputy_id)
    assignment = (
        GridAssignment.objects.filter(visible, id=assignment_id)
        .select_related("cell", "deputy")
        .defer("cell__boundary", "cell__display_boundary")
        .first()
    )
    if assignment is None:
        raise NotFound(codes.ASSIGNMENT_NOT_FOUND, _("No such assignment."))
    return assignment
