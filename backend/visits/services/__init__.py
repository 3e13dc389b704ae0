"""Writes of field records from deputies' phones, one module each: visits (`.visits`, the
batch ingest) and station check-ins (`.checkins`); `.plausibility` holds the thresholds both
flag by. What every field record shares (content hash, idempotent record-or-replay, the grid
cell of a point) is the kernel in backend.records.

The public names stay importable from here (`from backend.visits.services import
visits_ingest`).
"""

from backend.records.services import CONFLICT, CREATED, DUPLICATE, REJECTED

from ..models import PlausibilityFlag
from .checkins import (
    CheckInResult,
    CheckInRow,
    checkin_content_hash,
    checkin_record,
    checkins_import,
)
from .visits import IngestResult, household_ref_hash, visit_content_hash, visits_ingest, visits_sync

__all__ = [
    "CONFLICT",
    "CREATED",
    "DUPLICATE",
    "REJECTED",
    "CheckInResult",
    "CheckInRow",
    "IngestResult",
    "PlausibilityFlag",
    "checkin_content_hash",
    "checkin_record",
    "checkins_import",
    "household_ref_hash",
    "visit_content_hash",
    "visits_ingest",
    "visits_sync",
]
