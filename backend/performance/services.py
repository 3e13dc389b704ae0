"""The only writers of the record: staff entries and their review, point rules, targets,
disputes. Each state change locks its row, checks the allowed steps, writes a history row.

Invariants:
- An entry counts only after a second person verified it (entered → verified → audited; the
  one who entered may not verify, the verifier may not audit); rejected entries never count.
- A point rule takes effect today at the earliest, so no total of a past day ever changes.
- A dispute names a line the deputy has that year; one open dispute per line; staff resolve it
  (upheld with the line's corrected points, or rejected), each step in its history.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.errors import DomainError, NotFound
from backend.core.text import is_storable_text
from backend.liaison.models import Deputy

from .access import access_deputy_record_by_id, access_dispute_by_id, access_entry_by_id
from .items import STAFF_ITEMS, Item, Period
from .models import (
    DisputeStatus,
    EntryStatus,
    PointDispute,
    PointDisputeTransition,
    PointRule,
    RecordEntry,
    RecordEntryTransition,
    Target,
)
from .selectors import MAX_YEAR, MIN_YEAR, has_point_line

TEXT_MAX = 500
MAX_QUANTITY = 1000
MAX_POINTS = 1000

# action → (allowed from, to)
ENTRY_STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "verify": ((EntryStatus.ENTERED,), EntryStatus.VERIFIED),
    "audit": ((EntryStatus.VERIFIED,), EntryStatus.AUDITED),
    "reject": ((EntryStatus.ENTERED, EntryStatus.VERIFIED), EntryStatus.REJECTED),
}


def _invalid(field: str) -> DomainError:
    return DomainError(codes.RECORD_INVALID_FIELD, field=field)


def _require_staff(jurisdiction: Jurisdiction, adcode: str) -> None:
    if not jurisdiction.may_act_in(adcode):
        raise DomainError(codes.RECORD_NOT_ALLOWED)


def _text(value: object, field: str, *, required: bool = True) -> str:
    if not isinstance(value, str) or len(value) > TEXT_MAX or (required and not value.strip()):
        raise _invalid(field)
    if not is_storable_text(value):
        raise DomainError(codes.STRING_INVALID_CHARACTER, field=field)
    return value.strip()


def _int(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _invalid(field)
    return value


def check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(codes.RECORD_INVALID_YEAR)
    return year


def _date(value: object, field: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
        raise _invalid(field)
    return day


# --- staff entries -------------------------------------------------------------------------


@transaction.atomic
def entry_create(*, jurisdiction: Jurisdiction, actor, deputy_id: int, fields: dict) -> RecordEntry:
    """Staff enter an event the system cannot see, with its evidence (status entered)."""
    deputy = access_deputy_record_by_id(jurisdiction=jurisdiction, deputy_id=deputy_id)
    _require_staff(jurisdiction, deputy.adcode)
    item = fields.get("item")
    if item not in STAFF_ITEMS:
        raise _invalid("item")
    day = _date(fields.get("occurred_on"), "occurred_on")
    if day > timezone.localdate():
        raise _invalid("occurred_on")
    entry = RecordEntry.objects.create(
        deputy=deputy,
        adcode=deputy.adcode,
        county_adcode=deputy.county_adcode,
        item=item,
        occurred_on=day,
        quantity=_int(fields.get("quantity", 1), "quantity", 1, MAX_QUANTITY),
        description=_text(fields.get("description"), "description"),
        evidence=_text(fields.get("evidence"), "evidence"),
        entered_by=actor,
    )
    RecordEntryTransition.objects.create(entry=entry, to_status=EntryStatus.ENTERED, by=actor)
    return entry


def _check_reviewer(entry: RecordEntry, actor, to_status: str) -> None:
    """The one who entered never approves; the verifier never audits (four eyes)."""
    if to_status == EntryStatus.REJECTED:
        return
    earlier = set(entry.transitions.values_list("by_id", flat=True))
    if actor.pk in earlier:
        raise DomainError(codes.RECORD_SELF_REVIEW)


@transaction.atomic
def entry_transition(
    *, jurisdiction: Jurisdiction, actor, entry_id: int, action: object, note: object = ""
) -> RecordEntry:
    found = access_entry_by_id(jurisdiction=jurisdiction, entry_id=entry_id)
    _require_staff(jurisdiction, found.adcode)
    entry = RecordEntry.objects.select_for_update().get(pk=found.pk)
    step = ENTRY_STEPS.get(action) if isinstance(action, str) else None
    if step is None or entry.status not in step[0]:
        raise DomainError(codes.RECORD_INVALID_TRANSITION)
    _check_reviewer(entry, actor, step[1])
    RecordEntryTransition.objects.create(
        entry=entry,
        from_status=entry.status,
        to_status=step[1],
        by=actor,
        note=_text(note, "note", required=False),
    )
    entry.status = step[1]
    entry.save(update_fields=["status"])
    return entry


# --- rules and targets ---------------------------------------------------------------------


def _county_of(jurisdiction: Jurisdiction, county_adcode: object) -> str:
    if not isinstance(county_adcode, str) or len(county_adcode) != 6:
        raise _invalid("county")
    _require_staff(jurisdiction, county_adcode)
    return county_adcode


@transaction.atomic
def point_rule_add(
    *, jurisdiction: Jurisdiction, actor, county_adcode: object, fields: dict
) -> PointRule:
    """A new version of an item's rule in the county, from `effective_from` (≥ today)."""
    county = _county_of(jurisdiction, county_adcode)
    item = fields.get("item")
    if item not in Item.values or item == Item.HOUSEHOLDS:
        raise _invalid("item")
    period = fields.get("period", Period.YEAR)
    if period not in Period.values:
        raise _invalid("period")
    cap = fields.get("cap")
    start = _date(fields.get("effective_from"), "effective_from")
    if start < timezone.localdate():
        raise DomainError(codes.POINT_RULE_BACKDATED)
    rule, _created = PointRule.objects.update_or_create(
        county_adcode=county,
        item=item,
        effective_from=start,
        defaults={
            "points": _int(fields.get("points"), "points", -MAX_POINTS, MAX_POINTS),
            "cap": None if cap is None else _int(cap, "cap", 0, 100 * MAX_POINTS),
            "period": period,
            "created_by": actor,
        },
    )
    return rule


@transaction.atomic
def target_set(
    *, jurisdiction: Jurisdiction, county_adcode: object, year: int, targets: object
) -> dict[str, int]:
    """The county's targets of the year, replaced as a whole ({item: count})."""
    county = _county_of(jurisdiction, county_adcode)
    check_year(year)
    if not isinstance(targets, dict) or not targets:
        raise _invalid("targets")
    rows = {}
    for item, value in targets.items():
        if item not in Item.values:
            raise _invalid("targets")
        rows[item] = _int(value, "targets", 1, 100000)
    Target.objects.filter(county_adcode=county, year=year).delete()
    Target.objects.bulk_create(
        Target(county_adcode=county, year=year, item=i, target=t) for i, t in rows.items()
    )
    return rows


# --- disputes ------------------------------------------------------------------------------


@transaction.atomic
def dispute_open(*, deputy: Deputy, actor, year: int, fields: dict) -> PointDispute:
    """The deputy contests one line of their points of `year`."""
    source, ref, item = fields.get("source"), fields.get("ref"), fields.get("item")
    reason = _text(fields.get("reason"), "reason")
    if not isinstance(source, str) or not isinstance(item, str):
        raise NotFound(codes.POINT_LINE_NOT_FOUND)
    ref = _int(ref, "ref", 1, 2**62)
    if not has_point_line(deputy=deputy, year=check_year(year), source=source, ref=ref, item=item):
        raise NotFound(codes.POINT_LINE_NOT_FOUND)
    try:
        with transaction.atomic():
            dispute = PointDispute.objects.create(
                deputy=deputy,
                county_adcode=deputy.county_adcode,
                adcode=deputy.adcode,
                source=source,
                ref=ref,
                item=item,
                reason=reason,
            )
    except IntegrityError:
        raise DomainError(codes.POINT_DISPUTE_OPEN) from None
    PointDisputeTransition.objects.create(
        dispute=dispute, to_status=DisputeStatus.OPEN, by=actor, note=reason
    )
    return dispute


@transaction.atomic
def dispute_resolve(
    *,
    jurisdiction: Jurisdiction,
    actor,
    dispute_id: int,
    outcome: object,
    note: object,
    adjusted_points: object = None,
) -> PointDispute:
    found = access_dispute_by_id(jurisdiction=jurisdiction, dispute_id=dispute_id)
    _require_staff(jurisdiction, found.adcode)
    dispute = PointDispute.objects.select_for_update().get(pk=found.pk)
    if dispute.status != DisputeStatus.OPEN:
        raise DomainError(codes.POINT_DISPUTE_CLOSED)
    if outcome not in (DisputeStatus.UPHELD, DisputeStatus.REJECTED):
        raise _invalid("outcome")
    outcome = str(outcome)
    text = _text(note, "note")
    if outcome == DisputeStatus.UPHELD:
        dispute.adjusted_points = _int(adjusted_points, "adjusted_points", -MAX_POINTS, MAX_POINTS)
    PointDisputeTransition.objects.create(
        dispute=dispute, from_status=dispute.status, to_status=outcome, by=actor, note=text
    )
    dispute.status = outcome
    dispute.save(update_fields=["status", "adjusted_points"])
    return dispute
