"""Writes of the grid: assigning cells to deputies.

Invariants enforced by `cell_assign`, whoever calls it:
- only staff and admins assign, and only cells inside their jurisdiction (missing and
  out-of-jurisdiction cells give the same 404);
- the deputy belongs to the county of every cell (a deputy of another county is "not found");
- a deputy has at most one active assignment per cell (re-assigning returns the existing one);
- the cells are locked (in id order) for the transaction, so concurrent assignments of the same
  cells serialise; each new assignment gets a history row (by whom, why);
- one `assignment.created` event per county, published after commit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from backend.accounts.jurisdiction import Jurisdiction
from backend.accounts.models import User
from backend.core import error_codes as codes
from backend.core.errors import DomainError, NotFound
from backend.core.events import publish_on_commit
from backend.liaison.models import Deputy
from backend.regions.selectors import place_names

from .access import access_cells_by_ids
from .models import AssignmentStatus, GridAssignment, GridCell
from .selectors import MAX_CELLS_PER_REQUEST

MAX_REASON_LENGTH = 200


@dataclass(frozen=True)
class AssignResult:
    assignment: GridAssignment
    created: bool


def _checked_cells(jurisdiction: Jurisdiction, cell_ids: list[int]) -> list[GridCell]:
    ids = sorted(set(cell_ids))
    if not ids:
        raise DomainError(codes.ASSIGNMENT_NO_CELLS, _("Choose at least one grid cell."))
    if len(ids) > MAX_CELLS_PER_REQUEST:
        raise DomainError(
            codes.ASSIGNMENT_TOO_MANY_CELLS,
            _("At most %(n)s cells at once.") % {"n": MAX_CELLS_PER_REQUEST},
        )
    cells = access_cells_by_ids(jurisdiction=jurisdiction, ids=ids, for_update=True)
    if not all(jurisdiction.may_act_in(c.adcode) for c in cells):
        raise DomainError(
            codes.ASSIGNMENT_NOT_ALLOWED, _("Only station staff assign grid cells."), status=403
        )
    return cells


def _publish(results: list[AssignResult], cells: dict[int, GridCell]) -> None:
    by_county: dict[str, list[dict]] = defaultdict(list)
    created = [r for r in results if r.created]
    places = place_names(adcodes=(cells[r.assignment.cell_id].adcode for r in created))
    for result in created:
        a = result.assignment
        by_county[a.county_adcode].append(
            {
                "id": a.id,
                "cell_id": a.cell_id,
                "cell_code": cells[a.cell_id].code,
                "cell_name": cells[a.cell_id].name,
                "place": places.get(cells[a.cell_id].adcode),
                "deputy_id": a.deputy_id,
                "adcode": cells[a.cell_id].adcode,  # township dashboards filter on it
                "county_adcode": a.county_adcode,
                "status": a.status,
            }
        )
    for county, items in by_county.items():
        publish_on_commit(county, "assignment.created", {"items": items})


@transaction.atomic
def cell_assign(
    *,
    jurisdiction: Jurisdiction,
    actor: User,
    cell_ids: list[int],
    deputy_id: int,
    reason: str = "",
) -> list[AssignResult]:
    """Assign the cells to the deputy (one result per distinct cell, in id order). The
    jurisdiction decides; `actor` (the same account) is recorded as the assigner."""
    if actor.pk != jurisdiction.user_id:
        raise ValueError("the actor is not the jurisdiction's account")
    if not jurisdiction.can_act:
        raise DomainError(
            codes.ASSIGNMENT_NOT_ALLOWED, _("Only station staff assign grid cells."), status=403
        )
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(
            codes.ASSIGNMENT_REASON_TOO_LONG,
            _("The reason may have at most %(n)s characters.") % {"n": MAX_REASON_LENGTH},
        )
    cells = _checked_cells(jurisdiction, cell_ids)
    deputy = Deputy.objects.filter(id=deputy_id).only("id", "county_adcode").first()
    if deputy is None or any(c.county_adcode != deputy.county_adcode for c in cells):
        raise NotFound(codes.DEPUTY_NOT_FOUND, _("No such deputy in the cells' county."))
    existing = {
        a.cell_id: a
        for a in GridAssignment.objects.filter(
            deputy=deputy, cell__in=cells, status=AssignmentStatus.ACTIVE
        )
    }
    now = timezone.now()
    new = [
        GridAssignment(
            deputy=deputy,
            cell=c,
            county_adcode=c.county_adcode,
            assigned_by=actor,
            valid_from=now,
            status=AssignmentStatus.ACTIVE,
            reason=reason,
        )
        for c in cells
        if c.id not in existing
    ]
    created = {
        a.cell_id: a
        for a in bulk_create_with_history(
            new, GridAssignment, default_user=actor, default_change_reason=reason or "assigned"
        )
    }
    results = [
        AssignResult(existing[c.id], False)
        if c.id in existing
        else AssignResult(created[c.id], True)
        for c in cells
    ]
    _publish(results, {c.id: c for c in cells})
    return results
