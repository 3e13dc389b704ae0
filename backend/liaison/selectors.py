"""Reads about stations: duty rhythms (逢六进站, 逢四议事; typed DutyRule rows, the arithmetic in
backend.liaison.rhythm on the official holiday calendar the opinions app registers) and
stations near a point.

A station without a duty rule has no duty days (never an error).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from backend.accounts.jurisdiction import Jurisdiction
from backend.core.geo import STORAGE_SRID

from .access import access_station_by_id
from .models import Deputy, DutyRule, RulePurpose, Station, StationMembership
from .rhythm import (
    HORIZON_DAYS,
    DayCalendar,
    DutyRuleSpec,
    Occurrence,
    calendar_between,
    occurrences,
    rule_text,
)

PREVIEW_COUNT = 10


def rule_spec(rule: DutyRule) -> DutyRuleSpec:
    return DutyRuleSpec(
        kind=rule.kind,
        digit=rule.digit,
        nth=rule.nth,
        weekday=rule.weekday,
        weekdays=tuple(rule.weekdays),
        month_day=rule.month_day,
        dates=tuple(rule.dates),
        opens_at=rule.opens_at,
        closes_at=rule.closes_at,
        holiday_policy=rule.holiday_policy,
    )


def day_calendar(start: dt.date, end: dt.date) -> DayCalendar:
    """The official calendar over [start, end] (see rhythm.calendar_between: the opinions app's
    holidays and working days, registered at start-up). One query."""
    return calendar_between(start, end)


def duty_occurrences(
    rule: DutyRule | DutyRuleSpec | None,
    *,
    start: dt.date,
    count: int | None = None,
    end: dt.date | None = None,
    cal: DayCalendar | None = None,
) -> list[Occurrence]:
    """The occurrences of a rule (saved or not) from `start` (see rhythm.occurrences); `cal`
    defaults to the official calendar over the span (pass one to share its query)."""
    if rule is None:
        return []
    spec = rule_spec(rule) if isinstance(rule, DutyRule) else rule
    cal = cal or day_calendar(start, end or start + dt.timedelta(days=HORIZON_DAYS))
    return occurrences(spec, start=start, end=end, count=count, cal=cal)


def next_duty_date(
    rule: DutyRule | None, start: dt.date, cal: DayCalendar | None = None
) -> dt.date | None:
    """The first day on or after `start` the rule is held (skipped holidays passed over)."""
    for occurrence in duty_occurrences(rule, start=start, count=PREVIEW_COUNT, cal=cal):
        if occurrence.day is not None:
            return occurrence.day
    return None


def rule_json(rule: DutyRule | DutyRuleSpec | None) -> dict | None:
    """A rule for the APIs: its fields by kind, hours as HH:MM, the policy and the words."""
    if rule is None:
        return None
    spec = rule_spec(rule) if isinstance(rule, DutyRule) else rule
    return {
        "kind": spec.kind,
        "digit": spec.digit,
        "nth": spec.nth,
        "weekday": spec.weekday,
        "weekdays": list(spec.weekdays),
        "month_day": spec.month_day,
        "dates": [d.isoformat() for d in spec.dates],
        "opens_at": spec.opens_at.strftime("%H:%M"),
        "closes_at": spec.closes_at.strftime("%H:%M"),
        "holiday_policy": spec.holiday_policy,
        "text": rule_text(spec),
    }


def occurrence_json(occurrence: Occurrence) -> dict:
    return {
        "scheduled": occurrence.scheduled.isoformat(),
        "date": occurrence.day.isoformat() if occurrence.day else None,
        "holiday": occurrence.holiday,
        "adjustment": occurrence.adjustment,
    }


def duty_rule_of(station: Station) -> DutyRule | None:
    """The station's duty rule (purpose duty), from a prefetch when `duty_rules` was
    prefetched (see `with_duty_rules`)."""
    prefetched = getattr(station, "duty_rules", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return DutyRule.objects.filter(station=station, purpose=RulePurpose.DUTY).first()


def with_duty_rules(rows: QuerySet, prefix: str = "") -> QuerySet:
    """Prefetch each station's duty rule into `station.duty_rules` (a list of 0 or 1); `prefix`
    reaches the station from other rows ("station__" on memberships)."""
    return rows.prefetch_related(
        Prefetch(
            f"{prefix}rules",
            queryset=DutyRule.objects.filter(purpose=RulePurpose.DUTY),
            to_attr="duty_rules",
        )
    )


def station_rhythm(
    *,
    jurisdiction: Jurisdiction,
    station_id: int,
    start: dt.date | None = None,
    spec: DutyRuleSpec | None = None,
    count: int = PREVIEW_COUNT,
) -> dict:
    """A readable station's duty rule (or, previewed, `spec` unsaved) and its next `count`
    occurrences from `start` (default today), each with the holiday it meets and what the
    policy made of it (`adjustment` "", "moved" or "skipped")."""
    station = access_station_by_id(jurisdiction=jurisdiction, station_id=station_id)
    rule: DutyRule | DutyRuleSpec | None = spec or duty_rule_of(station)
    start = start or timezone.localdate()
    return {
        "station": {"id": station.id, "name": station.name},
        "rule": rule_json(rule),
        "saved": spec is None,
        "from": start.isoformat(),
        "occurrences": [
            occurrence_json(o) for o in duty_occurrences(rule, start=start, count=count)
        ],
    }


def deputy_current_stations(*, deputy: Deputy) -> QuerySet[Station]:
    memberships = StationMembership.objects.filter(deputy=deputy, until__isnull=True)
    return Station.objects.filter(id__in=memberships.values("station_id")).order_by("name")


def deputy_duty(*, deputy: Deputy, today: dt.date | None = None) -> list[dict]:
    """Each current station of the deputy with its rule, whether today is a duty day and the
    next duty date (today's duty = the entries with `on_duty_today`)."""
    today = today or timezone.localdate()
    memberships = with_duty_rules(
        StationMembership.objects.filter(deputy=deputy, until__isnull=True)
        .select_related("station")
        .order_by("station__name"),
        prefix="station__",
    )
    rows = []
    cal = day_calendar(today, today + dt.timedelta(days=HORIZON_DAYS))
    for m in memberships:
        rule = duty_rule_of(m.station)
        nxt = next_duty_date(rule, today, cal)
        rows.append(
            {
                "station_id": m.station_id,
                "station_name": m.station.name,
                "role": m.role,
                "rule": rule_json(rule),
                "on_duty_today": nxt == today,
                "next_duty_date": nxt,
            }
        )
    return rows


# The cast must match the functional GiST index `station_location_geog` exactly
# (CAST(location AS geography(POINT,4326))) for ST_DWithin to use it.
_NEARBY_SQL = f"""
SELECT s.*, ST_Distance(s.location::geography(POINT,{STORAGE_SRID}), q.g) AS distance_m
FROM liaison_station s,
     (SELECT ST_SetSRID(ST_MakePoint(%s, %s), {STORAGE_SRID})::geography AS g) q
WHERE ST_DWithin(s.location::geography(POINT,{STORAGE_SRID}), q.g, %s)
ORDER BY distance_m, s.id
LIMIT %s
"""  # noqa: S608 - only the SRID constant is interpolated


def stations_nearby(*, lon: float, lat: float, radius_m: float, limit: int = 50) -> list[Station]:
    """Stations within `radius_m` metres (geodesic) of a WGS-84 point, nearest first; each has
    `distance_m`. Index-backed: ST_DWithin on the geography cast of `location`."""
    return list(Station.objects.raw(_NEARBY_SQL, [lon, lat, radius_m, limit]))
