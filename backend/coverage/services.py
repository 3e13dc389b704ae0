"""Writes of the coverage app (the visit triggers do the rest, see migration 0002).

Invariants:
- New visits reach the summaries through `coverage_drain` (the job `coverage.drain`, every 2 s):
  the insert trigger on visits only queues them (coverage_pendingvisit), so that no writer can
  leave one out and the phone's answer does not wait for the summaries. Each batch is its own
  transaction and, after it commits, one `coverage.drained` live event per county it touched.
- The per-cell standard-window columns are read only when `coverage_roll_forward` has moved
  the clock to the reader's day (windows.py); rolling subtracts exactly the days that left each
  window (the database function `coverage_roll_to`, serialised against the drain by a lock
  on the clock row). It runs as the job `coverage.roll` (backend/coverage/tasks.py), never
  inside a request.
- Heat hexagons get their boundary from h3 (the one place this app calls it) in the job
  `coverage.heat_hexes_complete` and after loads; a heat tile skips hexagons still without
  one. Boundaries never change, so filling is idempotent.
- `coverage_rebuild` recomputes every summary from the visits (after bulk loads with triggers
  disabled, or to repair).
"""

from __future__ import annotations

import datetime as dt

import h3
from django.contrib.gis.geos import Polygon
from django.db import connection, transaction
from django.utils import timezone

from backend.core.events import publish_on_commit
from backend.core.geo import STORAGE_SRID

from .models import HeatHex
from .selectors.clock import coverage_clock_forget

DRAIN_BATCH = 5_000  # visits per drain transaction


def coverage_drain(*, batch_size: int = DRAIN_BATCH, max_batches: int = 100) -> int:
    """Apply the pending visits to the coverage summaries, `batch_size` per transaction, until
    none is left (or `max_batches`, so that one run stays short); returns how many were applied.
    Safe beside another drain (that one's batches are skipped: SKIP LOCKED and an advisory lock;
    this one then returns early). After each batch commits: `coverage.drained` per county, its
    items the visits now in the figures per adcode (the dashboard reloads its statistics)."""
    applied = 0
    for _ in range(max_batches):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT county, adcode, applied FROM coverage_drain(%s)", [batch_size])
            rows = cursor.fetchall()
            by_county: dict[str, list[dict]] = {}
            for county, adcode, n in rows:
                by_county.setdefault(county, []).append({"adcode": adcode, "visits": n})
            for county, items in by_county.items():
                publish_on_commit(county, "coverage.drained", {"items": items})
        done = sum(n for _county, _adcode, n in rows)
        applied += done
        if done < batch_size:
            break
    return applied


def coverage_roll_forward(*, today: dt.date | None = None) -> dt.date:
    """Move the standard windows to `today` (local) if they are behind; returns the clock day.

    Idempotent: when the clock is already there it is one read (the job may run late or twice).
    """
    today = today or timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT as_of FROM coverage_coverageclock WHERE id = 1")
        row = cursor.fetchone()
        as_of = row[0] if row else None
        if as_of is None or as_of < today:
            cursor.execute("SELECT coverage_roll_to(%s)", [today])
            as_of = cursor.fetchone()[0]
    return as_of


def coverage_clock_reset() -> None:
    """Forget the clock days readers have seen (tests that move the clock back)."""
    coverage_clock_forget()


def _hex_polygon(index: int) -> Polygon:
    # h3 takes and returns (lat, lng); GEOS wants (lon, lat). Closed ring.
    ring = [(lng, lat) for lat, lng in h3.cell_to_boundary(h3.int_to_str(index))]
    ring.append(ring[0])
    return Polygon(ring, srid=STORAGE_SRID)


def heat_hexes_complete(*, batch_size: int = 5_000) -> int:
    """Give every heat hexagon without one its boundary; returns how many were filled."""
    filled = 0
    while True:
        missing = list(
            HeatHex.objects.filter(boundary__isnull=True).values_list("h3", flat=True)[:batch_size]
        )
        if not missing:
            return filled
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE coverage_heathex x SET boundary = ST_GeomFromEWKB(v.wkb) "
                "FROM unnest(%s::bigint[], %s::bytea[]) AS v(h3, wkb) WHERE x.h3 = v.h3",
                [missing, [bytes(_hex_polygon(i).ewkb) for i in missing]],
            )
        filled += len(missing)


def coverage_rebuild() -> None:
    """Recompute every cell and deputy summary and all heat bins from the visits."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT coverage_rebuild()")
    coverage_clock_reset()
