"""Writes of visits (走访) from deputies' phones: the batch ingest.

Invariants enforced here, whoever calls:
- A visit's grid cell, adcode and county adcode are resolved by this module, by the kernel's
  point-in-cell rule (`backend.records.services.CELL_AT_SQL`: ST_Covers, lowest id on a shared
  edge) inside the batch statement; callers never pass them. A point in no cell
  keeps the deputy's own adcodes (so that it stays inside their county's jurisdiction) and is
  flagged `no_cell`.
- `(deputy, client_uuid)` is unique: a retried record never makes a second row, also under
  concurrent retries (`INSERT ... ON CONFLICT DO NOTHING` waits for the competing transaction).
  The same uuid with the same `content_hash` is a `duplicate` (the existing id is returned); with a
  different hash it is a `conflict` and nothing changes (`backend.records.services.replay_status`,
  the kernel's rule, applied set-based: a batch is not written record by record).
- A batch is set-based: one INSERT ... SELECT for the whole batch (cell lookup, previous fix,
  flags all inside it), plus one look-up of the rows that already existed. No query per record.
- Plausibility flags are stored, never used to reject (see `PlausibilityFlag`). `clustered`
  (padding: a 4th visit within 10 m and 10 minutes) is judged in the same statement, against the
  batch and the stored visits.
- Events are published after commit: one `visit.created` message per county.
- Household references are stored only as a keyed hash (no address or name is ever stored).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.core import error_codes as codes
from backend.core.events import publish_on_commit
from backend.core.geo import STORAGE_SRID
from backend.liaison.models import Deputy
from backend.records.services import (
    CELL_AT_SQL,
    CREATED,
    DUPLICATE,
    REJECTED,
    accuracy_text,
    content_hash,
    coord_text,
    replay_status,
    time_text,
)
from backend.regions.selectors import place_name_sql

from ..models import VisitKind
from .plausibility import FUTURE_TOLERANCE, LOW_ACCURACY_M, STALE_AFTER

# Plausibility thresholds (kept, not rejected); the shared ones are in .plausibility.
MAX_SPEED_KMH = 120.0
# Padding (`clustered`): a deputy's visits within this radius and time of each other stand at one
# spot; the first CLUSTER_FREE_VISITS are plausible (neighbours in one building, visited a few
# minutes apart), every further one is flagged: more than 3 households per 10 minutes at one point
# means under ~3 minutes per household.
CLUSTER_RADIUS_M = 10.0
CLUSTER_WINDOW = dt.timedelta(minutes=10)
CLUSTER_FREE_VISITS = 3


@dataclass(frozen=True)
class IngestResult:
    """Outcome of one record; `index` is its position in the caller's list."""

    index: int
    client_uuid: uuid.UUID | None
    status: str
    id: int | None = None
    cell_id: int | None = None
    flags: tuple[str, ...] = ()
    errors: dict[str, dict[str, str]] = field(default_factory=dict)


def household_ref_hash(ref: str) -> str:
    """Keyed hash of a household reference: distinct counts work, the reference is not kept."""
    ref = (ref or "").strip()
    if not ref:
        return ""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, b"household:" + ref.encode(), hashlib.sha256).hexdigest()


def visit_content_hash(row: dict[str, Any]) -> str:
    """Hash of everything the phone recorded; identical retries hash identically."""
    return content_hash(
        str(row["kind"]),
        coord_text(row["lon"]),
        coord_text(row["lat"]),
        accuracy_text(row.get("accuracy_m")),
        time_text(row["recorded_at"]),
        str(int(row.get("households", 1))),
        str(row.get("household_ref") or ""),
        str(row.get("notes") or ""),
        "1" if row.get("mock_location") else "0",
    )


def _row_errors(row: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Minimal invariants for callers other than the phone API (which validates far more)."""
    errors: dict[str, dict[str, str]] = {}

    def bad(name: str, code: str, message) -> None:
        errors[name] = {"code": code, "message": str(message)}

    lon, lat = row.get("lon"), row.get("lat")
    if not isinstance(lon, int | float) or not math.isfinite(lon) or not -180 <= lon <= 180:
        bad(
            "lon",
            codes.GEOMETRY_OUT_OF_RANGE.code,
            _("Longitude must be a number from -180 to 180."),
        )
    if not isinstance(lat, int | float) or not math.isfinite(lat) or not -90 <= lat <= 90:
        bad("lat", codes.GEOMETRY_OUT_OF_RANGE.code, _("Latitude must be a number from -90 to 90."))
    recorded_at = row.get("recorded_at")
    if not isinstance(recorded_at, dt.datetime) or timezone.is_naive(recorded_at):
        bad("recorded_at", codes.DATETIME_NAIVE.code, _("A time with a UTC offset is required."))
    if row.get("kind") not in VisitKind.values:
        bad("kind", codes.VISIT_INVALID_KIND.code, _("Unknown visit kind."))
    if not isinstance(row.get("client_uuid"), uuid.UUID):
        bad("client_uuid", codes.UUID_INVALID.code, _("A UUID is required."))
    accuracy = row.get("accuracy_m")
    if accuracy is not None and (
        not isinstance(accuracy, int | float) or not math.isfinite(accuracy) or accuracy < 0
    ):
        bad(
            "accuracy_m",
            codes.NUMBER_INVALID.code,
            _("Accuracy must be a non-negative number of metres."),
        )
    households = row.get("households", 1)
    if not isinstance(households, int) or isinstance(households, bool) or households < 0:
        bad(
            "households", codes.NUMBER_INVALID.code, _("Households must be a non-negative integer.")
        )
    return errors


_INGEST_SQL = f"""
WITH input AS (
    SELECT * FROM unnest(
        %(ord)s::int[], %(deputy_id)s::bigint[], %(client_uuid)s::uuid[], %(kind)s::text[],
        %(lon)s::float8[], %(lat)s::float8[], %(accuracy_m)s::float8[],
        %(recorded_at)s::timestamptz[], %(households)s::int[], %(household_ref)s::text[],
        %(notes)s::text[], %(mock_location)s::bool[], %(content_hash)s::text[],
        %(deputy_adcode)s::text[], %(deputy_county)s::text[]
    ) AS t(ord, deputy_id, client_uuid, kind, lon, lat, accuracy_m, recorded_at, households,
           household_ref, notes, mock_location, content_hash, deputy_adcode, deputy_county)
),
located AS (
    SELECT i.*, p.location, c.id AS cell_id,
           coalesce(c.adcode, i.deputy_adcode) AS adcode,
           coalesce(c.county_adcode, i.deputy_county) AS county_adcode,
           lag(p.location) OVER w AS batch_prev_location,
           lag(i.recorded_at) OVER w AS batch_prev_at,
           -- the deputy's records of this batch in the cluster window up to this one (itself
           -- included): a cheap upper bound that spares the exact test below in most batches
           count(*) OVER near AS near_in_batch
    FROM input i
    CROSS JOIN LATERAL (
        SELECT ST_SetSRID(ST_MakePoint(i.lon, i.lat), {STORAGE_SRID}) AS location
    ) p
    LEFT JOIN LATERAL ({CELL_AT_SQL.format(point="p.location")}) c ON true
    WINDOW w AS (PARTITION BY i.deputy_id ORDER BY i.recorded_at, i.ord),
           near AS (PARTITION BY i.deputy_id ORDER BY i.recorded_at
                    RANGE BETWEEN %(cluster_window)s::interval PRECEDING AND CURRENT ROW)
),
previous AS (
    -- The deputy's previous fix: the later of the stored visit just before this one and the
    -- batch's own predecessor (records may arrive out of order, batches may interleave).
    SELECT l.*,
           CASE WHEN s.recorded_at IS NOT NULL
                     AND (l.batch_prev_at IS NULL OR s.recorded_at > l.batch_prev_at)
                THEN s.location ELSE l.batch_prev_location END AS prev_location,
           greatest(s.recorded_at, l.batch_prev_at) AS prev_at
    FROM located l
    LEFT JOIN LATERAL (
        SELECT v.location, v.recorded_at FROM visits_visit v
        WHERE v.deputy_id = l.deputy_id AND v.recorded_at < l.recorded_at
        ORDER BY v.recorded_at DESC LIMIT 1
    ) s ON true
),
clustered AS (
    -- Padding: how many of the deputy's visits already stand within cluster_radius_m and
    -- cluster_window of this one: stored ones (either side in time: they arrived first; the
    -- batch's own records excluded, they count below) and this batch's earlier ones (by
    -- recorded_at, then position; looked at only when the window count says there could be
    -- enough). Counting stops at the threshold (LIMIT); the stored side reads the
    -- (deputy, recorded_at) index.
    SELECT p.*, (
        SELECT count(*) FROM (
            SELECT 1 FROM visits_visit v
            WHERE v.deputy_id = p.deputy_id
              AND v.recorded_at BETWEEN p.recorded_at - %(cluster_window)s
                                    AND p.recorded_at + %(cluster_window)s
              AND v.location::box2d && p.cluster_box::box2d
              AND ST_DWithin(v.location::geography, p.location::geography,
                             %(cluster_radius_m)s)
              AND v.client_uuid <> ALL (%(client_uuid)s::uuid[])
            UNION ALL
            SELECT 1 FROM input b
            WHERE p.near_in_batch > %(cluster_free_visits)s
              AND b.deputy_id = p.deputy_id
              AND (b.recorded_at, b.ord) < (p.recorded_at, p.ord)
              AND b.recorded_at >= p.recorded_at - %(cluster_window)s::interval
              AND ST_DWithin(ST_SetSRID(ST_MakePoint(b.lon, b.lat), {STORAGE_SRID})::geography,
                             p.location::geography, %(cluster_radius_m)s)
            LIMIT %(cluster_free_visits)s
        ) n
    ) AS near_before
    FROM (
        -- A box around the fix that holds its cluster_radius_m circle (a degree of latitude is
        -- at least 110 km, one of longitude 110 km x cos(lat)): the cheap box test (cast to
        -- box2d, so that the planner keeps the (deputy, recorded_at) index) runs first, the
        -- exact ST_DWithin on geography decides.
        SELECT q.*, ST_Expand(
            q.location,
            %(cluster_radius_m)s / (110000 * greatest(cos(radians(ST_Y(q.location))), 1e-4)),
            %(cluster_radius_m)s / 110000) AS cluster_box
        FROM previous q
    ) p
),
flagged AS (
    SELECT p.*, array_remove(ARRAY[
        CASE WHEN p.accuracy_m IS NULL OR p.accuracy_m > %(low_accuracy_m)s
             THEN 'low_accuracy' END,
        CASE WHEN p.prev_location IS NOT NULL
                  AND ST_Distance(p.location::geography, p.prev_location::geography) * 3.6
                      / greatest(extract(epoch FROM p.recorded_at - p.prev_at), 1)
                      > %(max_speed_kmh)s
             THEN 'too_fast' END,
        CASE WHEN p.mock_location THEN 'mock_location' END,
        CASE WHEN p.cell_id IS NULL OR NOT EXISTS (
                  SELECT 1 FROM grid_gridassignment a
                  WHERE a.deputy_id = p.deputy_id AND a.cell_id = p.cell_id
                    AND a.status = 'active')
             THEN 'outside_assigned_cells' END,
        CASE WHEN p.recorded_at > %(future_after)s THEN 'future' END,
        CASE WHEN p.recorded_at < %(stale_before)s THEN 'stale' END,
        CASE WHEN p.cell_id IS NULL THEN 'no_cell' END,
        CASE WHEN p.near_before >= %(cluster_free_visits)s THEN 'clustered' END
    ], NULL)::varchar(30)[] AS flags
    FROM clustered p
),
ins AS (
    INSERT INTO visits_visit (
        deputy_id, client_uuid, content_hash, kind, location, accuracy_m, recorded_at,
        received_at, households, household_ref, notes, mock_location, cell_id, adcode,
        county_adcode, flags)
    SELECT deputy_id, client_uuid, content_hash, kind, location, accuracy_m, recorded_at,
           %(received_at)s, households, household_ref, notes, mock_location, cell_id, adcode,
           county_adcode, flags
    FROM flagged ORDER BY ord
    ON CONFLICT (deputy_id, client_uuid) DO NOTHING
    RETURNING id, deputy_id, client_uuid, cell_id, adcode, county_adcode, kind, households,
              recorded_at, flags
)
SELECT ins.id, ins.deputy_id, ins.client_uuid, ins.cell_id, ins.adcode, ins.county_adcode,
       ins.kind, ins.households, ins.recorded_at, ins.flags,
       g.code AS cell_code, g.name AS cell_name, {place_name_sql("ins.adcode")} AS place
FROM ins LEFT JOIN grid_gridcell g ON g.id = ins.cell_id
"""  # noqa: S608 - only the SRID constant and the kernel's cell look-up are interpolated

_EXISTING_SQL = """
SELECT v.id, v.deputy_id, v.client_uuid, v.content_hash, v.cell_id, v.flags
FROM visits_visit v
JOIN unnest(%s::bigint[], %s::uuid[]) AS k(deputy_id, client_uuid)
  ON v.deputy_id = k.deputy_id AND v.client_uuid = k.client_uuid
"""


def _prepared_cursor():
    """A Django cursor over a server-side-binding psycopg cursor: psycopg prepares a statement
    after a few executions on a connection, so the big ingest query is planned once per pooled
    connection instead of once per batch (planning is ~20 ms of a 100-row batch otherwise)."""
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    # django-stubs types these arguments as CursorWrapper; Django passes (and wraps) the raw
    # DB-API cursor, as here.
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)  # type: ignore[arg-type]
    return connection.make_cursor(raw)  # type: ignore[arg-type]


def _ingest_params(rows: list[tuple[int, dict]], deputies: dict, received_at) -> dict:
    params: dict[str, Any] = defaultdict(list)
    for index, row in rows:
        adcode, county = deputies[row["deputy_id"]]
        params["ord"].append(index)
        params["deputy_id"].append(row["deputy_id"])
        params["client_uuid"].append(row["client_uuid"])
        params["kind"].append(row["kind"])
        params["lon"].append(float(row["lon"]))
        params["lat"].append(float(row["lat"]))
        accuracy = row.get("accuracy_m")
        params["accuracy_m"].append(None if accuracy is None else float(accuracy))
        params["recorded_at"].append(row["recorded_at"])
        params["households"].append(int(row.get("households", 1)))
        params["household_ref"].append(row["household_ref"])
        params["notes"].append(row.get("notes") or "")
        params["mock_location"].append(bool(row.get("mock_location")))
        params["content_hash"].append(row["content_hash"])
        params["deputy_adcode"].append(adcode)
        params["deputy_county"].append(county)
    params.update(
        received_at=received_at,
        low_accuracy_m=LOW_ACCURACY_M,
        max_speed_kmh=MAX_SPEED_KMH,
        future_after=received_at + FUTURE_TOLERANCE,
        stale_before=received_at - STALE_AFTER,
        cluster_radius_m=CLUSTER_RADIUS_M,
        cluster_window=CLUSTER_WINDOW,
        cluster_free_visits=CLUSTER_FREE_VISITS,
    )
    return dict(params)


def _publish_visits(created_rows: Iterable[tuple]) -> None:
    by_county: dict[str, list[dict]] = defaultdict(list)
    for (
        id_,
        _dep,
        _uuid,
        cell_id,
        adcode,
        county,
        kind,
        households,
        recorded_at,
        _flags,
        cell_code,
        cell_name,
        place,
    ) in sorted(created_rows):
        by_county[county].append(
            {
                "id": id_,
                "cell_id": cell_id,
                "cell_code": cell_code,
                "cell_name": cell_name,
                "place": place,
                "adcode": adcode,
                "county_adcode": county,
                "kind": kind,
                "households": households,
                "recorded_at": recorded_at.isoformat(),
            }
        )
    for county, items in by_county.items():
        publish_on_commit(county, "visit.created", {"items": items})


def _split_valid(rows: list[dict], deputies: dict) -> tuple[list[tuple[int, dict]], dict]:
    """Validate rows; returns (valid (index, normalised row)), rejected results by index)."""
    valid: list[tuple[int, dict]] = []
    rejected: dict[int, IngestResult] = {}
    for index, row in enumerate(rows):
        if isinstance(row.get("client_uuid"), str):  # loaders may pass the text form
            with contextlib.suppress(ValueError):
                row = dict(row, client_uuid=uuid.UUID(row["client_uuid"]))
        errors = _row_errors(row)
        if row.get("deputy_id") not in deputies:
            errors["deputy_id"] = {
                "code": codes.DEPUTY_NOT_FOUND.code,
                "message": str(_("No such deputy.")),
            }
        if errors:
            client_uuid = row.get("client_uuid")
            rejected[index] = IngestResult(
                index,
                client_uuid if isinstance(client_uuid, uuid.UUID) else None,
                REJECTED,
                errors=errors,
            )
            continue
        normalised = dict(row, household_ref=household_ref_hash(row.get("household_ref", "")))
        normalised["content_hash"] = visit_content_hash(normalised)
        valid.append((index, normalised))
    return valid, rejected


def _classify_existing(pending: list[tuple[int, dict]]) -> dict[int, IngestResult]:
    """Rows not inserted: the same key already exists (earlier upload, concurrent retry, or an
    earlier record of this batch). Same content → duplicate, other content → conflict."""
    if not pending:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            _EXISTING_SQL,
            [[r["deputy_id"] for _i, r in pending], [r["client_uuid"] for _i, r in pending]],
        )
        existing = {
            (dep, cu): (id_, hash_, cell, flags)
            for id_, dep, cu, hash_, cell, flags in cursor.fetchall()
        }
    results: dict[int, IngestResult] = {}
    for index, row in pending:
        found = existing.get((row["deputy_id"], row["client_uuid"]))
        if found is None:  # cannot happen after ON CONFLICT; never report success falsely
            results[index] = IngestResult(
                index,
                row["client_uuid"],
                REJECTED,
                errors={
                    "client_uuid": {
                        "code": codes.VISIT_RETRY.code,
                        "message": str(_("Please retry.")),
                    }
                },
            )
            continue
        id_, hash_, cell_id, flags = found
        status = replay_status(hash_, row["content_hash"])
        results[index] = IngestResult(
            index,
            row["client_uuid"],
            status,
            id=id_,
            cell_id=cell_id,
            flags=tuple(flags) if status == DUPLICATE else (),
        )
    return results


def visits_ingest(
    *, rows: list[dict], received_at: dt.datetime | None = None
) -> list[IngestResult]:
    """Store a batch of visits (possibly of several deputies) set-based; one result per row.

    Each row: deputy_id, client_uuid (UUID), kind, lon, lat (WGS-84), accuracy_m (or None),
    recorded_at (aware), households, household_ref, notes, mock_location. `received_at`
    defaults to now (the demo passes history times so that old visits are not flagged stale).
    """
    received_at = received_at or timezone.now()
    deputy_ids = {d for r in rows if isinstance(d := r.get("deputy_id"), int)}
    deputies = {
        d: (a, c)
        for d, a, c in Deputy.objects.filter(id__in=deputy_ids).values_list(
            "id", "adcode", "county_adcode"
        )
    }
    valid, results = _split_valid(rows, deputies)
    first_of_key: dict[tuple, int] = {}
    to_insert, pending = [], []
    for index, row in valid:
        key = (row["deputy_id"], row["client_uuid"])
        if key in first_of_key:
            pending.append((index, row))  # repeated inside this batch
        else:
            first_of_key[key] = index
            to_insert.append((index, row))
    with transaction.atomic():
        created_rows: list[tuple] = []
        if to_insert:
            with _prepared_cursor() as cursor:
                cursor.execute(_INGEST_SQL, _ingest_params(to_insert, deputies, received_at))
                created_rows = cursor.fetchall()
        created = {(r[1], r[2]): r for r in created_rows}
        for index, row in to_insert:
            hit = created.get((row["deputy_id"], row["client_uuid"]))
            if hit is None:
                pending.append((index, row))
            else:
                results[index] = IngestResult(
                    index,
                    row["client_uuid"],
                    CREATED,
                    id=hit[0],
                    cell_id=hit[3],
                    flags=tuple(hit[9]),
                )
        results.update(_classify_existing(pending))
        _publish_visits(created_rows)
    return [results[i] for i in range(len(rows))]


def visits_sync(
    *, deputy: Deputy, records: list[dict], received_at: dt.datetime | None = None
) -> list[IngestResult]:
    """The phone's batch: records of one deputy, coordinates already converted to WGS-84."""
    rows = [dict(record, deputy_id=deputy.id) for record in records]
    return visits_ingest(rows=rows, received_at=received_at)
