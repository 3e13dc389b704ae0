"""Permission-checked fetches of records, entries and disputes: missing and out of reach give
the same NotFound."""

from __future__ import annotations

from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.errors import NotFound
from backend.liaison.models import Deputy

from .models import PointDispute, RecordEntry


def access_deputy_record_by_id(*, jurisdiction: Jurisdiction, deputy_id: int) -> Deputy:
    """A deputy whose record the caller may read: their own (a deputy), or one inside the
    jurisdiction (staff, leaders, admins)."""
    if jurisdiction.deputy_id is not None and jurisdiction.deputy_id == deputy_id:
        deputy = Deputy.objects.filter(id=deputy_id).first()
    else:
        deputy = jurisdiction.filter(Deputy.objects.filter(id=deputy_id)).first()
    if deputy is None:
        raise NotFound(codes.DEPUTY_NOT_FOUND)
    return deputy


def access_entry_by_id(*, jurisdiction: Jurisdiction, entry_id: int) -> RecordEntry:
    entry = jurisdiction.filter(RecordEntry.objects.filter(id=entry_id)).first()
    if entry is None:
        raise NotFound(codes.RECORD_ENTRY_NOT_FOUND)
    return entry


def access_dispute_by_id(*, jurisdiction: Jurisdiction, dispute_id: int) -> PointDispute:
    dispute = jurisdiction.filter(PointDispute.objects.filter(id=dispute_id)).first()
    if dispute is None:
        raise NotFound(codes.POINT_DISPUTE_NOT_FOUND)
    return dispute
