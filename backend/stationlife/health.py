"""Station health over a period (多而不活、建而少用): per station, duty days held vs scheduled,
attendance, opinions received, median hours to forward and to answer, satisfaction, active
deputies, the six haves (六有) and the registers (一表两卡三簿); a league table of a region's
stations with the inactive ones flagged.

Invariants:
- scheduled duty days: the days in [start, min(end, today)] the station's duty rule is held
  (after the holiday policy); held: those with at least one rostered deputy present
  (backend.reporting.attendance); the attendance rate is that module's present / decided;
- opinions received: recorded in the period, taken at the station (its QR code) or by one of
  its deputies (membership open at some time in the period); hours to forward / to answer run
  from the registration (the first history row) to the first `forwarded` / `answered` or
  `reviewing` row, medians over the opinions that reached it; satisfaction: the mean rating;
- active deputies: open members at `end` with a verified visit or check-in, or an opinion, in
  the ACTIVE_DAYS (90) days up to `end`;
- inactive: at least INACTIVE_MIN_DEPUTIES deputies and fewer than INACTIVE_SHARE of them active.
A fixed number of queries for any number of stations.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from backend.accounts.jurisdiction import Jurisdiction
from backend.liaison.access import access_station_by_id
from backend.liaison.models import SIX_HAVES, Station, StationMembership
from backend.liaison.rhythm import HORIZON_DAYS
from backend.liaison.selectors import (
    day_calendar,
    duty_occurrences,
    duty_rule_of,
    next_duty_date,
    rule_spec,
    rule_text,
    with_duty_rules,
)
from backend.opinions.models import Opinion, OpinionTransition
from backend.reporting.attendance import PRESENT, duty_days, tally
from backend.visits.models import CheckIn, Visit
from backend.visits.selectors import UNVERIFIED_CHECKIN_FLAGS, UNVERIFIED_VISIT_FLAGS

from .models import REGISTERS, StationRegisters

ACTIVE_DAYS = 90
INACTIVE_MIN_DEPUTIES = 5
INACTIVE_SHARE = 0.3
DEFAULT_DAYS = 90
LEAGUE_LIMIT = 500


def default_period(start, end, today):
    end = end or today
    return start or end - dt.timedelta(days=DEFAULT_DAYS - 1), end


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _median_hours(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _members(stations: list[Station], start: dt.date, end: dt.date):
    rows = StationMembership.objects.filter(station__in=stations, since__lte=end).filter(
        Q(until__isnull=True) | Q(until__gte=start)
    )
    return rows


def _active_deputies(deputy_ids: set[int], end: dt.date) -> set[int]:
    if not deputy_ids:
        return set()
    since, until = (
        _aware(end - dt.timedelta(days=ACTIVE_DAYS - 1)),
        _aware(end + dt.timedelta(days=1)),
    )
    span = {"deputy_id__in": deputy_ids, "recorded_at__gte": since, "recorded_at__lt": until}
    visits = Visit.objects.filter(**span).exclude(
        flags__overlap=[str(f) for f in UNVERIFIED_VISIT_FLAGS]
    )
    checkins = CheckIn.objects.filter(**span).exclude(
        flags__overlap=[str(f) for f in UNVERIFIED_CHECKIN_FLAGS]
    )
    opinions = Opinion.objects.filter(**span)
    active: set[int] = set()
    for rows in (visits, checkins, opinions):
        active |= set(rows.values_list("deputy_id", flat=True).distinct())
    return active


def _opinions(ids: list[int], in_period: dict, start: dt.date, end: dt.date):
    """The opinions received in the period, each with its stations and first history marks."""
    deputy_station: dict[int, set[int]] = defaultdict(set)
    for station_id, deputies in in_period.items():
        for deputy_id in deputies:
            deputy_station[deputy_id].add(station_id)
    opinions = list(
        Opinion.objects.filter(
            recorded_at__gte=_aware(start), recorded_at__lt=_aware(end + dt.timedelta(days=1))
        )
        .filter(Q(station_id__in=ids) | Q(deputy_id__in=list(deputy_station)))
        .values("id", "station_id", "deputy_id", "rating")
    )
    stations_of: dict[int, set[int]] = {}
    for o in opinions:
        owners = set(deputy_station.get(o["deputy_id"], ())) if o["deputy_id"] else set()
        if o["station_id"] in ids:
            owners.add(o["station_id"])
        stations_of[o["id"]] = owners
    first: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
    history = (
        OpinionTransition.objects.filter(opinion_id__in=list(stations_of))
        .order_by("at", "id")
        .values_list("opinion_id", "to_status", "at")
    )
    for opinion_id, to_status, at in history:
        marks = first[opinion_id]
        marks.setdefault("registered", at)
        if to_status == "forwarded":
            marks.setdefault("forwarded", at)
        if to_status in ("answered", "reviewing"):
            marks.setdefault("answered", at)
    return opinions, stations_of, first


def health_rows(
    stations: list[Station], *, start: dt.date, end: dt.date, today: dt.date
) -> list[dict]:
    """The health figures of each station (in the given order); see the module's invariants."""
    if not stations:
        return []
    ids = [s.id for s in stations]
    members = list(_members(stations, start, end).values("station_id", "deputy_id", "until"))
    in_period: dict[int, set[int]] = defaultdict(set)
    open_at_end: dict[int, set[int]] = defaultdict(set)
    for m in members:
        in_period[m["station_id"]].add(m["deputy_id"])
        if m["until"] is None or m["until"] >= end:
            open_at_end[m["station_id"]].add(m["deputy_id"])
    # duty days: one attendance pass over every station's memberships
    last = min(end, today)
    days, _named = duty_days(start=start, end=end, today=today, station_ids=ids)
    by_station: dict[int, list] = defaultdict(list)
    for d in days:
        by_station[d.station_id].append(d)
    cal = day_calendar(start, end)
    ahead = day_calendar(today, today + dt.timedelta(days=HORIZON_DAYS))
    opinions, stations_of, first = _opinions(ids, in_period, start, end)
    registers = dict(
        StationRegisters.objects.filter(station_id__in=ids).values_list("station_id", "kept")
    )
    active = _active_deputies({d for ds in open_at_end.values() for d in ds}, end)

    rows = []
    for station in stations:
        rule = duty_rule_of(station)
        scheduled = (
            [
                o.day
                for o in duty_occurrences(rule, start=start, end=last, cal=cal)
                if o.day is not None
            ]
            if last >= start
            else []
        )
        held = {d.day for d in by_station[station.id] if d.status == PRESENT}
        mine = [o for o in opinions if station.id in stations_of[o["id"]]]
        forward = _hours_to(mine, first, "forwarded")
        answer = _hours_to(mine, first, "answered")
        ratings = [o["rating"] for o in mine if o["rating"] is not None]
        deputies = open_at_end[station.id]
        active_here = deputies & active
        kept = registers.get(station.id) or {}
        six = station.six_haves or {}
        rows.append(
            {
                "station": {
                    "id": station.id,
                    "name": station.name,
                    "kind": station.kind,
                    "address": station.address,
                    "adcode": station.adcode,
                },
                "duty_rule": rule_text(rule_spec(rule)) if rule else None,
                "next_duty_date": _iso(next_duty_date(rule, today, ahead)) if rule else None,
                "duty_days": {
                    "scheduled": len(scheduled),
                    "held": len(held & set(scheduled)),
                },
                "attendance": tally(by_station[station.id]),
                "opinions": {
                    "received": len(mine),
                    "median_hours_to_forward": _median_hours(forward),
                    "median_hours_to_answer": _median_hours(answer),
                    "rated": len(ratings),
                    "satisfaction": round(sum(ratings) / len(ratings), 2) if ratings else None,
                },
                "deputies": len(deputies),
                "active_deputies": len(active_here),
                "six_haves": {k: bool(six.get(k)) for k in SIX_HAVES},
                "six_haves_met": sum(1 for k in SIX_HAVES if six.get(k)),
                "registers": {k: bool(kept.get(k)) for k in REGISTERS},
                "registers_kept": sum(1 for k in REGISTERS if kept.get(k)),
                "inactive": len(deputies) >= INACTIVE_MIN_DEPUTIES
                and len(active_here) < INACTIVE_SHARE * len(deputies),
            }
        )
    return rows


def _hours_to(opinions: list[dict], first: dict, mark: str) -> list[float]:
    hours = []
    for o in opinions:
        marks = first.get(o["id"], {})
        if "registered" in marks and mark in marks:
            hours.append((marks[mark] - marks["registered"]).total_seconds() / 3600)
    return hours


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def station_health(
    *,
    jurisdiction: Jurisdiction,
    station_id: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
) -> dict:
    """A readable station's health over [start, end] (default: the 90 days to today)."""
    station = access_station_by_id(jurisdiction=jurisdiction, station_id=station_id)
    today = today or timezone.localdate()
    start, end = default_period(start, end, today)
    station = with_duty_rules(Station.objects.filter(id=station.id)).get()
    row = health_rows([station], start=start, end=end, today=today)[0]
    return {"from": start.isoformat(), "to": end.isoformat(), **row}


def station_league(
    *,
    jurisdiction: Jurisdiction,
    start: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
) -> dict:
    """The stations inside the jurisdiction (a county, as a rule), ranked: active share of
    deputies, then attendance rate, then opinions received; the inactive flagged."""
    today = today or timezone.localdate()
    start, end = default_period(start, end, today)
    stations = list(
        with_duty_rules(
            jurisdiction.filter(Station.objects.all()).order_by("adcode", "name", "id")
        )[:LEAGUE_LIMIT]
    )
    rows = health_rows(stations, start=start, end=end, today=today)

    def key(row):
        share = row["active_deputies"] / row["deputies"] if row["deputies"] else 0.0
        rate = row["attendance"]["rate"] or 0.0
        return (-share, -rate, -row["opinions"]["received"], row["station"]["name"])

    rows.sort(key=key)
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "count": len(rows),
        "inactive": sum(1 for r in rows if r["inactive"]),
        "results": rows,
    }
