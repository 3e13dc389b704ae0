"""Writes of the coverage app (the visit triggers do the rest, see migration 0002).

Invariants:
- The per-cell standard-window columns are only read after `coverage_roll_forward` has moved
  the clock to today; rolling subtracts exactly the days that left each window (the database
  function `coverage_roll_to`, serialised against visit inserts by a lock on the clock row).
- Heat hexagons get their boundary from h3 (the one place this app calls it) before a heat
  layer reads them; boundaries never change, so filling is idempotent.
- `coverage_rebuild` recomputes every summary from the visits (after bulk loads with triggers
  disabled, or to repair).
"""

from __future__ import annotations

import datetime as dt

import h3
from django.contrib.gis.geos import Polygon
from django.db import connection, transaction
from django.utils import timezone

from backend.core.geo import STORAGE_SRID

from .models import HeatHex

# Per process: the last (database, day) already rolled, so reads cost no extra query.
_rolled: set[tuple[str, dt.date]] = set()


def coverage_roll_forward(*, today: dt.date | None = None) -> dt.date:
    """Move the standard windows to `today` (local) if they are behind; returns the clock day."""
    today = today or timezone.localdate()
    key = (connection.settings_dict["NAME"], today)
    if key in _rolled:
        return today
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT as_of FROM coverage_coverageclock WHERE id = 1")
        row = cursor.fetchone()
        as_of = row[0] if row else None
        if as_of is None or as_of < today:
            cursor.execute("SELECT coverage_roll_to(%s)", [today])
            as_of = cursor.fetchone()[0]
    if as_of == today:
        _rolled.add(key)
    return as_of


def coverage_clock_reset() -> None:
    """Forget which days were rolled (tests that move the clock)."""
    _rolled.clear()


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
