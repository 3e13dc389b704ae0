"""Reads of campaigns: the list, a campaign's progress (overall against each target, per
township, per participating deputy), its untouched cells (GeoJSON), and a deputy's own
campaigns for the phone app. Set-based: a constant number of statements per call, whatever
the number of deputies, townships or cells.

What counts: the **verified** visits (none of `UNVERIFIED_VISIT_FLAGS`) of the campaign's
participants, inside its region (the visit's adcode, resolved at ingest), recorded within its
period (Asia/Shanghai days, both ends included).
- visits: their number; people: the sum of their `households` (one per household visited, the
  attendance of a forum or reception: the product records no head count);
- households: distinct household references of household visits plus the `households` of
  those without one (the rule of the record, backend/reporting);
- cells covered: distinct grid cells of the region with at least one such visit.
A target's band: `met` (≥ 100 %), `on_track` (the share done ≥ the share of the period
elapsed), `behind`, or `none` without a target. Only `met` is drawn green.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from backend.accounts.jurisdiction import Jurisdiction
from backend.core.db import fetch_dicts
from backend.visits.selectors import UNVERIFIED_VISIT_FLAGS

from .models import Campaign

UNTOUCHED_LIMIT_DEFAULT = 2000
UNTOUCHED_LIMIT_MAX = 5000
RECENT_DAYS = 90  # a deputy's phone lists campaigns ended at most this long ago

_UNVERIFIED = [str(f) for f in UNVERIFIED_VISIT_FLAGS]

# The verified visits of the participants in the region and period (parameters: campaign,
# county, like, start, end, unverified).
_VISITS = """
    SELECT v.deputy_id, left(v.adcode, 9) AS town, v.kind, v.households, v.household_ref,
           CASE WHEN c.adcode LIKE %(like)s THEN v.cell_id END AS cell_id
    FROM visits_visit v
    JOIN campaigns_campaigndeputy p ON p.deputy_id = v.deputy_id AND p.campaign_id = %(campaign)s
    LEFT JOIN grid_gridcell c ON c.id = v.cell_id
    WHERE v.county_adcode = %(county)s AND v.adcode LIKE %(like)s
      AND v.recorded_at >= %(start)s AND v.recorded_at < %(end)s
      AND NOT (v.flags && %(unverified)s::varchar[])
"""
_MEASURES = """
    count(*) AS visits,
    coalesce(sum(households), 0) AS people,
    count(DISTINCT household_ref) FILTER (WHERE kind = 'household' AND household_ref <> '')
      + coalesce(sum(households) FILTER (WHERE kind = 'household' AND household_ref = ''), 0)
      AS households,
    count(DISTINCT cell_id) AS cells_covered
"""


def _bounds(starts_on: dt.date, ends_on: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) instants of the period's Asia/Shanghai days."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(starts_on, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(ends_on + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start, end


def _params(campaign: Campaign) -> dict:
    start, end = _bounds(campaign.starts_on, campaign.ends_on)
    return {
        "campaign": campaign.pk,
        "county": campaign.county_adcode,
        "like": campaign.adcode + "%",
        "start": start,
        "end": end,
        "unverified": _UNVERIFIED,
    }


def elapsed_share(campaign: Campaign, today: dt.date | None = None) -> float:
    """The share of the period's days begun by `today` (0 before it starts, 1 after it ends)."""
    today = today or timezone.localdate()
    days = (campaign.ends_on - campaign.starts_on).days + 1
    done = (today - campaign.starts_on).days + 1
    return min(1.0, max(0.0, done / days))


def band(value: float, target: float | None, elapsed: float) -> str:
    if not target:
        return "none"
    if value >= target:
        return "met"
    return "on_track" if value / target >= elapsed else "behind"


def _pct(value: float, target: float | None) -> float | None:
    return round(100 * value / target, 1) if target else None


def _measure(name: str, value: float, target: float | None, elapsed: float) -> dict:
    return {
        "name": name,
        "value": value,
        "target": target,
        "pct": _pct(value, target),
        "band": band(value, target, elapsed),
    }


def campaign_summary(campaign: Campaign, participants: int, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    status = "upcoming" if today < campaign.starts_on else "running"
    if today > campaign.ends_on:
        status = "ended"
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "region": {"adcode": campaign.adcode, "name": campaign.region.name},
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "status": status,
        "elapsed_pct": round(100 * elapsed_share(campaign, today), 1),
        "participants": participants,
        "targets": {
            "people": campaign.target_people,
            "households": campaign.target_households,
            "cells_pct": campaign.target_cells_pct,
            "households_per_deputy": campaign.target_households_per_deputy,
        },
    }


def campaign_list(*, jurisdiction: Jurisdiction) -> list[dict]:
    """The campaigns inside the jurisdiction, newest period first (one statement)."""
    rows = jurisdiction.filter(Campaign.objects.select_related("region")).order_by(
        "-starts_on", "-id"
    )
    rows = rows.annotate(n=Count("entries"))
    today = timezone.localdate()
    return [campaign_summary(c, c.n, today) for c in rows]


def _per_deputy_targets(campaign: Campaign, participants: int) -> dict:
    """A deputy's share: households per deputy when set, else the totals split evenly."""
    n = max(participants, 1)
    per = campaign.target_households_per_deputy
    if per is None and campaign.target_households:
        per = math.ceil(campaign.target_households / n)
    people = math.ceil(campaign.target_people / n) if campaign.target_people else None
    return {"households": per, "people": people}


def _aggregates(campaign: Campaign) -> tuple[dict, dict, dict]:
    """(overall, by township, by deputy) measures of the campaign's visits: one statement."""
    rows = fetch_dicts(
        f"""
        WITH v AS ({_VISITS})
        SELECT GROUPING(deputy_id) AS g_deputy, GROUPING(town) AS g_town, deputy_id, town,
               {_MEASURES}
        FROM v GROUP BY GROUPING SETS ((deputy_id), (town), ())
        """,  # noqa: S608 - only this module's constant SQL is interpolated
        _params(campaign),
    )
    overall = {"visits": 0, "people": 0, "households": 0, "cells_covered": 0}
    towns, deputies = {}, {}
    for row in rows:
        measures = {k: int(row[k]) for k in overall}
        if row["g_deputy"] and row["g_town"]:
            overall = measures
        elif not row["g_deputy"]:
            deputies[row["deputy_id"]] = measures
        else:
            towns[row["town"]] = measures
    return overall, towns, deputies


def _townships(campaign: Campaign) -> list[dict]:
    """The region's townships (the township itself for a township campaign) with their cells."""
    return fetch_dicts(
        """
        WITH c AS (
            SELECT left(adcode, 9) AS town, count(*) AS cells, coalesce(sum(households), 0) AS hh
            FROM grid_gridcell WHERE adcode LIKE %(like)s GROUP BY 1)
        SELECT r.adcode, r.name, coalesce(c.cells, 0) AS cells,
               coalesce(c.hh, 0) AS households_total
        FROM regions_region r LEFT JOIN c ON c.town = r.adcode
        WHERE r.level = 'township' AND r.adcode LIKE %(like)s
        ORDER BY r.adcode
        """,
        {"like": campaign.adcode + "%"},
    )


def _participants(campaign: Campaign) -> list[dict]:
    return fetch_dicts(
        """
        SELECT d.id, d.name, d.adcode, coalesce(t.name, '') AS township
        FROM campaigns_campaigndeputy p
        JOIN liaison_deputy d ON d.id = p.deputy_id
        LEFT JOIN regions_region t ON t.adcode = left(d.adcode, 9)
        WHERE p.campaign_id = %(campaign)s
        ORDER BY d.adcode, d.name, d.id
        """,
        {"campaign": campaign.pk},
    )


def _zero() -> dict:
    return {"visits": 0, "people": 0, "households": 0, "cells_covered": 0}


def campaign_progress(*, campaign: Campaign, today: dt.date | None = None) -> dict:
    """The campaign (fetched through `access_campaign_by_id`) with its progress: `overall`
    (the four measures and each target's value, pct and band), `townships` and `deputies`
    (each with its measures, its target and band). Four statements."""
    today = today or timezone.localdate()
    elapsed = elapsed_share(campaign, today)
    overall, by_town, by_deputy = _aggregates(campaign)
    towns = _townships(campaign)
    people = _participants(campaign)
    cells_total = sum(t["cells"] for t in towns)
    if not towns:  # a county without township rows: its cells are the total
        cells_total = _cell_count(campaign)
    cells_pct = round(100 * overall["cells_covered"] / cells_total, 1) if cells_total else 0.0
    targets = [
        _measure("people", overall["people"], campaign.target_people, elapsed),
        _measure("households", overall["households"], campaign.target_households, elapsed),
        _measure("cells_pct", cells_pct, campaign.target_cells_pct, elapsed),
    ]
    township_rows = []
    for town in towns:
        m = by_town.get(town["adcode"], _zero())
        pct = round(100 * m["cells_covered"] / town["cells"], 1) if town["cells"] else 0.0
        township_rows.append(
            {**town, **m, "cells_pct": pct, "target_cells_pct": campaign.target_cells_pct}
            | {"band": band(pct, campaign.target_cells_pct, elapsed)}
        )
    share = _per_deputy_targets(campaign, len(people))
    deputy_rows = []
    for deputy in people:
        m = by_deputy.get(deputy["id"], _zero())
        deputy_rows.append(
            {**deputy, **m, "target_households": share["households"]}
            | {
                "pct": _pct(m["households"], share["households"]),
                "band": band(m["households"], share["households"], elapsed),
            }
        )
    return {
        **campaign_summary(campaign, len(people), today),
        "overall": {**overall, "cells_total": cells_total, "cells_pct": cells_pct},
        "targets_progress": targets,
        "townships": township_rows,
        "deputies": deputy_rows,
    }


def _cell_count(campaign: Campaign) -> int:
    rows = fetch_dicts(
        "SELECT count(*) AS n FROM grid_gridcell WHERE adcode LIKE %(like)s",
        {"like": campaign.adcode + "%"},
    )
    return int(rows[0]["n"])


def campaign_untouched_cells(*, campaign: Campaign, limit: int = UNTOUCHED_LIMIT_DEFAULT) -> dict:
    """The region's cells without a counted visit in the period, as a GeoJSON
    FeatureCollection (most households first, at most `limit`; `total` counts them all,
    `truncated` says whether some were left out). One statement."""
    rows = fetch_dicts(
        f"""
        WITH v AS ({_VISITS}),
             touched AS (SELECT DISTINCT cell_id FROM v WHERE cell_id IS NOT NULL)
        SELECT c.id, c.code, c.name, c.adcode, c.households, count(*) OVER () AS total,
               ST_AsGeoJSON(ST_ForcePolygonCCW(coalesce(c.display_boundary, c.boundary)), 6)
                   AS geometry
        FROM grid_gridcell c
        WHERE c.adcode LIKE %(like)s AND c.id NOT IN (SELECT cell_id FROM touched)
        ORDER BY c.households DESC, c.code
        LIMIT %(limit)s
        """,  # noqa: S608 - only this module's constant SQL is interpolated
        {**_params(campaign), "limit": limit},
    )
    total = int(rows[0]["total"]) if rows else 0
    features = [
        {
            "type": "Feature",
            "id": row["id"],
            "geometry": json.loads(row["geometry"]),
            "properties": {
                "id": row["id"],
                "code": row["code"],
                "name": row["name"],
                "adcode": row["adcode"],
                "households": row["households"],
            },
        }
        for row in rows
    ]
    return {
        "type": "FeatureCollection",
        "campaign": campaign.pk,
        "total": total,
        "truncated": total > len(features),
        "features": features,
    }


def deputy_campaigns(*, jurisdiction: Jurisdiction, today: dt.date | None = None) -> list[dict]:
    """The caller's (a deputy's) campaigns, running or upcoming or ended within RECENT_DAYS,
    each with their own visits, people and households in its region and period and their
    households target. One statement for all of them; nothing for a caller who is no deputy."""
    if jurisdiction.deputy_id is None:
        return []
    today = today or timezone.localdate()
    rows = fetch_dicts(
        """
        SELECT c.id, c.name, c.adcode, r.name AS region_name, c.starts_on, c.ends_on,
               c.target_households, c.target_households_per_deputy, c.target_people,
               (SELECT count(*) FROM campaigns_campaigndeputy q WHERE q.campaign_id = c.id)
                   AS participants,
               count(v.id) AS visits, coalesce(sum(v.households), 0) AS people,
               count(DISTINCT v.household_ref)
                   FILTER (WHERE v.kind = 'household' AND v.household_ref <> '')
               + coalesce(sum(v.households)
                   FILTER (WHERE v.kind = 'household' AND v.household_ref = ''), 0) AS households
        FROM campaigns_campaigndeputy p
        JOIN campaigns_campaign c ON c.id = p.campaign_id
        JOIN regions_region r ON r.id = c.region_id
        LEFT JOIN visits_visit v ON v.deputy_id = p.deputy_id
            AND v.county_adcode = c.county_adcode AND v.adcode LIKE c.adcode || '%%'
            AND v.recorded_at >= (c.starts_on::timestamp AT TIME ZONE %(zone)s)
            AND v.recorded_at < ((c.ends_on + 1)::timestamp AT TIME ZONE %(zone)s)
            AND NOT (v.flags && %(unverified)s::varchar[])
        WHERE p.deputy_id = %(deputy)s AND c.ends_on >= %(since)s
        GROUP BY c.id, r.name
        ORDER BY c.starts_on DESC, c.id
        """,
        {
            "deputy": jurisdiction.deputy_id,
            "zone": settings.TIME_ZONE,
            "unverified": _UNVERIFIED,
            "since": today - dt.timedelta(days=RECENT_DAYS),
        },
    )
    answer = []
    for row in rows:
        campaign = Campaign(
            starts_on=row["starts_on"],
            ends_on=row["ends_on"],
            target_households=row["target_households"],
            target_households_per_deputy=row["target_households_per_deputy"],
            target_people=row["target_people"],
        )
        target = _per_deputy_targets(campaign, int(row["participants"]))["households"]
        households = int(row["households"])
        answer.append(
            {
                "id": row["id"],
                "name": row["name"],
                "region": {"adcode": row["adcode"], "name": row["region_name"]},
                "starts_on": row["starts_on"],
                "ends_on": row["ends_on"],
                "visits": int(row["visits"]),
                "people": int(row["people"]),
                "households": households,
                "target_households": target,
                "pct": _pct(households, target),
                "band": band(households, target, elapsed_share(campaign, today)),
            }
        )
    return answer


def campaign_candidates(*, campaign: Campaign) -> list[dict]:
    """Deputies inside the campaign's region who do not take part (staff may add them)."""
    return fetch_dicts(
        """
        SELECT d.id, d.name FROM liaison_deputy d
        WHERE d.adcode LIKE %(like)s AND NOT EXISTS (
            SELECT 1 FROM campaigns_campaigndeputy p
            WHERE p.campaign_id = %(campaign)s AND p.deputy_id = d.id)
        ORDER BY d.adcode, d.name, d.id
        """,
        {"like": campaign.adcode + "%", "campaign": campaign.pk},
    )


def campaign_regions(*, jurisdiction: Jurisdiction, adcode: str) -> list[dict]:
    """The counties and townships inside `adcode` the caller may start a campaign in."""
    if not jurisdiction.can_act or not jurisdiction.contains(adcode):
        return []
    return fetch_dicts(
        """
        SELECT adcode, name, level FROM regions_region
        WHERE adcode LIKE %(like)s AND adcode LIKE %(scope)s AND level IN ('county', 'township')
        ORDER BY adcode
        """,
        {"like": adcode + "%", "scope": jurisdiction.sql_like()},
    )
