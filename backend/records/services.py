"""The writes every field record shares: its content hash, its grid cell, and the idempotent
record-or-replay on `(deputy, client_uuid)`.

Invariants, for visits, check-ins and opinions alike:
- A phone retries until it hears back, so `(deputy, client_uuid)` is written at most once (a
  unique constraint, also under concurrent retries). A second upload with the same
  `content_hash` is a replay (`duplicate`, the stored record is returned); with another hash it
  is a `conflict` and nothing changes.
- The hash covers everything the phone recorded, in a canonical text form (`coord_text`,
  `time_text`): identical retries hash identically. Stored hashes never change meaning, so each
  record kind keeps its own list of parts.
- A point's grid cell is the cell whose boundary covers it (ST_Covers, GiST on `boundary`); on
  the shared edge of two cells, the lowest id (deterministic). `cell_at` is that rule for one
  point, `CELL_AT_SQL` the same rule inside a set-based statement.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.gis.geos import Point
from django.db import IntegrityError, models, transaction
from django.utils.functional import Promise

from backend.core.error_codes import ErrorCode
from backend.core.errors import DomainError
from backend.grid.models import GridCell

CREATED, DUPLICATE, CONFLICT, REJECTED = "created", "duplicate", "conflict", "rejected"

# The grid cell of the point `{point}` (an SQL expression): id, adcode, county_adcode.
CELL_AT_SQL = """
    SELECT g.id, g.adcode, g.county_adcode FROM grid_gridcell g
    WHERE ST_Covers(g.boundary, {point}) ORDER BY g.id LIMIT 1
"""

R = TypeVar("R")
M = TypeVar("M", bound=models.Model)


def content_hash(*parts: str) -> str:
    """SHA-256 of the parts joined by the unit separator (U+001F)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def coord_text(degrees: float) -> str:
    """A longitude or latitude as hashed: 7 decimals (~1 cm)."""
    return f"{float(degrees):.7f}"


def accuracy_text(accuracy_m: float | None) -> str:
    return "" if accuracy_m is None else f"{float(accuracy_m):.2f}"


def time_text(at: dt.datetime) -> str:
    """An aware time as hashed: UTC, microseconds always written."""
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def replay_status(stored_hash: str, new_hash: str) -> str:
    """What a second upload under a stored key is: the same record again, or another one."""
    return DUPLICATE if stored_hash == new_hash else CONFLICT


def cell_at(point: Point | None) -> GridCell | None:
    """The grid cell covering `point` (lowest id on a shared edge), or None."""
    if point is None:
        return None
    return (
        GridCell.objects.filter(boundary__covers=point)
        .order_by("id")
        .only("id", "adcode", "county_adcode")
        .first()
    )


def record_or_replay(
    *,
    model: type[M],
    deputy_id: int,
    client_uuid: uuid.UUID,
    content_hash: str,
    insert: Callable[[], R | None],
    replay: Callable[[M, str], R],
    conflict: str | ErrorCode,
    conflict_message: str | Promise | None = None,
    replay_first: bool = False,
) -> R:
    """Write one field record at most once per `(deputy, client_uuid)`.

    `insert` writes the record and returns it, or returns None when the key is already taken
    (an `INSERT ... ON CONFLICT DO NOTHING` that returned no row); a unique violation raised by
    an ORM insert counts the same (`insert` runs in its own transaction, or savepoint). Then
    the stored record decides: same hash → `replay(stored, DUPLICATE)`, another hash →
    DomainError `conflict` (409, with the stored id). `replay_first` looks the key up before
    inserting, for records whose insert is costly (an opinion places itself and writes its
    history first).
    """
    records = model._default_manager.filter(deputy_id=deputy_id, client_uuid=client_uuid)
    stored = records.first() if replay_first else None
    if stored is None:
        try:
            with transaction.atomic():
                created = insert()
        except IntegrityError:
            created = None
            if not records.exists():
                raise  # another constraint: not a replay
        if created is not None:
            return created
        stored = records.get()  # committed by the competing upload (ON CONFLICT waited for it)
    if replay_status(_stored_hash(stored), content_hash) == CONFLICT:
        raise DomainError(conflict, conflict_message, status=409, id=stored.pk)
    return replay(stored, DUPLICATE)


def _stored_hash(record: Any) -> str:
    return record.content_hash
