"""Writes of station check-ins (逢六进站: deputies on duty at their station).

Invariants enforced here, whoever calls:
- The check-in's adcodes are the station's; its distance to the station is measured on the
  spheroid (geography) and judged against the station's geofence, accuracy-aware (below).
  Outside the fence it is stored and flagged, never refused.
- Idempotent on `(deputy, client_uuid)` through the field-record kernel
  (`backend.records.services.record_or_replay`): `INSERT ... ON CONFLICT DO NOTHING`, then the
  stored row decides duplicate or `checkin.conflict` (409).
- `checkin.created` is published to the station's county after commit.
- `checkins_import` (many at once, set-based: the demo's year of duty) stores exactly what
  `checkin_record` would for each fix, skips keys already stored, and publishes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.core import error_codes as codes
from backend.core.events import publish_on_commit
from backend.core.geo import STORAGE_SRID
from backend.liaison.models import Deputy, Station
from backend.records.services import (
    CREATED,
    accuracy_text,
    content_hash,
    coord_text,
    record_or_replay,
    time_text,
)

from ..models import CheckIn
from .plausibility import FUTURE_TOLERANCE, LOW_ACCURACY_M, STALE_AFTER

# The accuracy circle may reach into the geofence, but a poor fix earns at most this.
GEOFENCE_ACCURACY_CREDIT_MAX_M = 100.0


@dataclass(frozen=True)
class CheckInResult:
    status: str  # created / duplicate / conflict
    id: int
    station_id: int
    distance_m: float
    inside_geofence: bool
    flags: tuple[str, ...]


def checkin_content_hash(
    *,
    station_id: int,
    lon: float,
    lat: float,
    accuracy_m: float | None,
    recorded_at: dt.datetime,
    mock_location: bool,
) -> str:
    return content_hash(
        str(station_id),
        coord_text(lon),
        coord_text(lat),
        accuracy_text(accuracy_m),
        time_text(recorded_at),
        "1" if mock_location else "0",
    )


# Geofence rule (accuracy-aware): a check-in is inside when the fix's accuracy circle reaches the
# station's fence, i.e. distance_m - min(accuracy_m, 100) <= geofence_radius_m. A missing accuracy
# earns no credit; a poor fix earns at most 100 m, so bad GPS cannot widen the fence without bound.
_CHECKIN_SQL = f"""
WITH fix AS (
    SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), {STORAGE_SRID}) AS location
),
measured AS (
    SELECT s.id AS station_id, s.name AS station_name, s.adcode, s.county_adcode,
           s.geofence_radius_m, f.location,
           ST_Distance(s.location::geography, f.location::geography) AS distance_m
    FROM liaison_station s, fix f WHERE s.id = %(station_id)s
),
judged AS (
    SELECT m.*,
           m.distance_m - least(coalesce(%(accuracy_m)s::float8, 0), %(credit_max_m)s)
               <= m.geofence_radius_m AS inside_geofence
    FROM measured m
),
ins AS (
INSERT INTO visits_checkin (deputy_id, station_id, client_uuid, content_hash, location,
    accuracy_m, distance_m, inside_geofence, recorded_at, received_at, adcode, county_adcode,
    flags)
SELECT %(deputy_id)s, j.station_id, %(client_uuid)s, %(content_hash)s, j.location,
       %(accuracy_m)s, j.distance_m, j.inside_geofence, %(recorded_at)s, %(received_at)s,
       j.adcode, j.county_adcode,
       array_remove(ARRAY[
           CASE WHEN NOT j.inside_geofence THEN 'outside_geofence' END,
           CASE WHEN %(accuracy_m)s::float8 IS NULL OR %(accuracy_m)s::float8 > %(low_accuracy_m)s
                THEN 'low_accuracy' END,
           CASE WHEN %(mock_location)s THEN 'mock_location' END,
           CASE WHEN %(recorded_at)s > %(future_after)s THEN 'future' END,
           CASE WHEN %(recorded_at)s < %(stale_before)s THEN 'stale' END
       ], NULL)::varchar(30)[]
FROM judged j
ON CONFLICT (deputy_id, client_uuid) DO NOTHING
RETURNING id, station_id, distance_m, inside_geofence, flags, recorded_at, adcode, county_adcode
)
SELECT ins.*, (SELECT j.station_name FROM judged j) AS station_name FROM ins
"""  # noqa: S608 - only the SRID constant is interpolated


def checkin_record(
    *,
    deputy: Deputy,
    station: Station,
    client_uuid: uuid.UUID,
    lon: float,
    lat: float,
    accuracy_m: float | None,
    recorded_at: dt.datetime,
    mock_location: bool = False,
    received_at: dt.datetime | None = None,
) -> CheckInResult:
    """Record a check-in at `station` (already access-checked). Outside the fence: stored, flagged.

    Idempotent on (deputy, client_uuid): a retry returns the stored row as `duplicate`, a
    different check-in under the same uuid raises `checkin.conflict` (409) and changes nothing.
    """
    received_at = received_at or timezone.now()
    hash_ = checkin_content_hash(
        station_id=station.id,
        lon=lon,
        lat=lat,
        accuracy_m=accuracy_m,
        recorded_at=recorded_at,
        mock_location=mock_location,
    )
    params: dict[str, Any] = {
        "deputy_id": deputy.id,
        "station_id": station.id,
        "client_uuid": client_uuid,
        "content_hash": hash_,
        "lon": lon,
        "lat": lat,
        "accuracy_m": accuracy_m,
        "recorded_at": recorded_at,
        "received_at": received_at,
        "mock_location": mock_location,
        "credit_max_m": GEOFENCE_ACCURACY_CREDIT_MAX_M,
        "low_accuracy_m": LOW_ACCURACY_M,
        "future_after": received_at + FUTURE_TOLERANCE,
        "stale_before": received_at - STALE_AFTER,
    }
    return record_or_replay(
        model=CheckIn,
        deputy_id=deputy.id,
        client_uuid=client_uuid,
        content_hash=hash_,
        insert=lambda: _insert(params),
        replay=_replayed,
        conflict=codes.CHECKIN_CONFLICT,
        conflict_message=_("Another check-in was already stored under this client_uuid."),
    )


def _replayed(stored: CheckIn, status: str) -> CheckInResult:
    return CheckInResult(
        status,
        stored.id,
        stored.station_id,
        stored.distance_m,
        stored.inside_geofence,
        tuple(stored.flags),
    )


def _insert(params: dict[str, Any]) -> CheckInResult | None:
    """The check-in row, or None when its key is already stored; publishes on commit."""
    with connection.cursor() as cursor:
        cursor.execute(_CHECKIN_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    id_, station_id, distance_m, inside, flags, recorded, adcode, county, station_name = row
    publish_on_commit(
        county,
        "checkin.created",
        {
            "items": [
                {
                    "id": id_,
                    "station_id": station_id,
                    "station_name": station_name,
                    "inside_geofence": inside,
                    "distance_m": round(distance_m, 1),
                    "recorded_at": recorded.isoformat(),
                    # the station's adcode: township dashboards filter on it
                    "adcode": adcode,
                    "county_adcode": county,
                }
            ]
        },
    )
    return CheckInResult(CREATED, id_, station_id, distance_m, inside, tuple(flags))


# --- many at once (the demo's year of duty; an import) ----------------------------------------


@dataclass(frozen=True)
class CheckInRow:
    """One check-in of `checkins_import`: a fix reported by the phone, never a mock one."""

    deputy_id: int
    station_id: int
    client_uuid: uuid.UUID
    lon: float
    lat: float
    accuracy_m: float | None
    recorded_at: dt.datetime
    received_at: dt.datetime


# The same measure, geofence rule and flags as _CHECKIN_SQL, for a set of fixes in one statement.
_CHECKINS_IMPORT_SQL = f"""
WITH fix AS (
    SELECT f.*, ST_SetSRID(ST_MakePoint(f.lon, f.lat), {STORAGE_SRID}) AS location
    FROM unnest(%(deputy_ids)s::bigint[], %(station_ids)s::bigint[], %(uuids)s::uuid[],
                %(hashes)s::varchar[], %(lons)s::float8[], %(lats)s::float8[],
                %(accuracies)s::float8[], %(recorded)s::timestamptz[], %(received)s::timestamptz[])
         AS f(deputy_id, station_id, client_uuid, content_hash, lon, lat, accuracy_m,
              recorded_at, received_at)
),
measured AS (
    SELECT f.*, s.adcode, s.county_adcode, s.geofence_radius_m,
           ST_Distance(s.location::geography, f.location::geography) AS distance_m
    FROM fix f JOIN liaison_station s ON s.id = f.station_id
),
judged AS (
    SELECT m.*,
           m.distance_m - least(coalesce(m.accuracy_m, 0), %(credit_max_m)s)
               <= m.geofence_radius_m AS inside_geofence
    FROM measured m
)
INSERT INTO visits_checkin (deputy_id, station_id, client_uuid, content_hash, location,
    accuracy_m, distance_m, inside_geofence, recorded_at, received_at, adcode, county_adcode,
    flags)
SELECT j.deputy_id, j.station_id, j.client_uuid, j.content_hash, j.location, j.accuracy_m,
       j.distance_m, j.inside_geofence, j.recorded_at, j.received_at, j.adcode, j.county_adcode,
       array_remove(ARRAY[
           CASE WHEN NOT j.inside_geofence THEN 'outside_geofence' END,
           CASE WHEN j.accuracy_m IS NULL OR j.accuracy_m > %(low_accuracy_m)s
                THEN 'low_accuracy' END,
           CASE WHEN j.recorded_at > j.received_at + %(future)s THEN 'future' END,
           CASE WHEN j.recorded_at < j.received_at - %(stale)s THEN 'stale' END
       ], NULL)::varchar(30)[]
FROM judged j
ON CONFLICT (deputy_id, client_uuid) DO NOTHING
"""  # noqa: S608 - only the SRID constant is interpolated


def checkins_import(*, rows: list[CheckInRow], batch_size: int = 5_000) -> int:
    """Store many check-ins set-based, as `checkin_record` would one by one (distance on the
    spheroid, the accuracy-aware geofence, the flags, the station's adcodes, the content hash);
    a (deputy, client_uuid) already stored is skipped, so a rerun adds nothing. No live events
    (an import, not a phone). Returns the number stored."""
    stored = 0
    for i in range(0, len(rows), batch_size):
        batch = rows[i : i + batch_size]
        params: dict[str, Any] = {
            "deputy_ids": [r.deputy_id for r in batch],
            "station_ids": [r.station_id for r in batch],
            "uuids": [r.client_uuid for r in batch],
            "hashes": [
                checkin_content_hash(
                    station_id=r.station_id,
                    lon=r.lon,
                    lat=r.lat,
                    accuracy_m=r.accuracy_m,
                    recorded_at=r.recorded_at,
                    mock_location=False,
                )
                for r in batch
            ],
            "lons": [r.lon for r in batch],
            "lats": [r.lat for r in batch],
            "accuracies": [r.accuracy_m for r in batch],
            "recorded": [r.recorded_at for r in batch],
            "received": [r.received_at for r in batch],
            "credit_max_m": GEOFENCE_ACCURACY_CREDIT_MAX_M,
            "low_accuracy_m": LOW_ACCURACY_M,
            "future": FUTURE_TOLERANCE,
            "stale": STALE_AFTER,
        }
        with connection.cursor() as cursor:
            cursor.execute(_CHECKINS_IMPORT_SQL, params)
            stored += cursor.rowcount
    return stored
