"""Reads about stations: duty days (逢六进站, 逢四议事) and stations near a point (in metres).

Duty rules are JSON on Station.duty_rule:
- {"type": "day_digit", "digit": 6}: days of the month ending in 6 (the 6th, 16th, 26th);
- {"type": "nth_weekday", "n": 4, "weekday": 3}: the 4th Thursday (weekday 0 = Monday;
  n = -1 means the last such weekday of the month).
Unknown or malformed rules never match (and never raise).
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from backend.core.geo import STORAGE_SRID

from .models import Deputy, Station, StationMembership

NEXT_DUTY_HORIZON_DAYS = 62


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def duty_rule_matches(rule, day: dt.date) -> bool:
    if not isinstance(rule, dict):
        return False
    kind = rule.get("type")
    if kind == "day_digit":
        digit = _int(rule.get("digit"))
        return digit is not None and day.day % 10 == digit
    if kind == "nth_weekday":
        n, weekday = _int(rule.get("n")), _int(rule.get("weekday"))
        if n is None or weekday is None or day.weekday() != weekday:
            return False
        if n == -1:
            return day.day + 7 > calendar.monthrange(day.year, day.month)[1]
        return (day.day - 1) // 7 + 1 == n
    return False


def next_duty_date(rule, start: dt.date) -> dt.date | None:
    for offset in range(NEXT_DUTY_HORIZON_DAYS):
        day = start + dt.timedelta(days=offset)
        if duty_rule_matches(rule, day):
            return day
    return None


def deputy_current_stations(*, deputy: Deputy) -> QuerySet[Station]:
    memberships = StationMembership.objects.filter(deputy=deputy, until__isnull=True)
    return Station.objects.filter(id__in=memberships.values("station_id")).order_by("name")


def deputy_duty(*, deputy: Deputy, today: dt.date | None = None) -> list[dict]:
    """Each current station of the deputy with its rule, whether today is a duty day and the
    next duty date (today's duty = the entries with `on_duty_today`)."""
    today = today or timezone.localdate()
    memberships = (
        StationMembership.objects.filter(deputy=deputy, until__isnull=True)
        .select_related("station")
        .order_by("station__name")
    )
    return [
        {
            "station_id": m.station_id,
            "station_name": m.station.name,
            "role": m.role,
            "rule": m.station.duty_rule,
            "on_duty_today": duty_rule_matches(m.station.duty_rule, today),
            "next_duty_date": next_duty_date(m.station.duty_rule, today),
        }
        for m in memberships
    ]


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
