"""Reads about stations: duty rhythms (逢六进站, 逢四议事; typed DutyRule rows, the arithmetic in
backend.liaison.rhythm on the official holiday calendar the opinions app registers) and
stations near a point.

A station without a duty rule has no duty days (never an error).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from backend.accounts.jurisdiction import Jurisdiction
from backend.core.geo import STORAGE_SRID

from .access import access_station_by_id
from .models import (
    CongressLevel,
    Deputy,
    DutyRequest,
    DutyRequestKind,
    DutyRequestStatus,
    DutyRule,
    Mandate,
    MandateStatus,
    RotaAction,
    RotaChange,
    RulePurpose,
    Station,
    StationMembership,
)
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
        deputies_per_day=rule.deputies_per_day,
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
        "deputies_per_day": spec.deputies_per_day,
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


# --- the rota (docs/stations.md) ---------------------------------------------------------------
#
# Invariants:
# - the generated rota of a station is every deputy whose membership is open on a held day of
#   its duty rule (`since` <= day <= `until`), mixed levels together; with the rule's
#   `deputies_per_day` set, only that many of them, round robin: the members open that day
#   ordered by deputy id (n of them), the station's held days of the day's year indexed from 0
#   (the first held day on or after 1 January), and the day's members taken from position
#   (index * deputies_per_day) mod n on, wrapping, never one twice;
# - a staff RotaChange on (station, deputy, day) overrides it: `add` puts the deputy on a held
#   day (a change on a day the rule does not hold is ignored), `remove` takes them off; an
#   approved swap is written as those two changes;
# - an approved leave request marks the deputy's slot `leave` (attendance: excused).
# A fixed number of queries per call, whatever the span.


@dataclass(frozen=True)
class RotaSlot:
    station_id: int
    deputy_id: int
    day: dt.date
    opens_at: dt.time
    closes_at: dt.time
    added: bool = False  # put there by staff or a swap, not by the rule
    leave: bool = False  # approved leave (请假)


def _month_span(month: dt.date) -> tuple[dt.date, dt.date]:
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return start, end


def month_span(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month of `month`."""
    return _month_span(month)


def _rota_stations(
    memberships: list, changes: list, station_ids: set[int] | None
) -> dict[int, Station]:
    """The stations the rota names (with their duty rules): the memberships', then those only
    a change (or the caller, a station without members) names, in one more query."""
    stations: dict[int, Station] = {m.station_id: m.station for m in memberships}
    missing = ({c.station_id for c in changes} | (station_ids or set())) - set(stations)
    if missing:
        stations.update({s.id: s for s in with_duty_rules(Station.objects.filter(id__in=missing))})
    return stations


@dataclass(frozen=True)
class _Member:
    station_id: int
    deputy_id: int
    since: dt.date
    until: dt.date | None

    def open_on(self, day: dt.date) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)


def rotation_members(
    members: Iterable[_Member], day: dt.date, index: int, per_day: int
) -> list[int]:
    """The deputies a rotating rule puts on duty on a held day (see the invariants above):
    `index` is the day's place among the station's held days of its year (from 0)."""
    ids = sorted({m.deputy_id for m in members if m.open_on(day)})
    if not ids:
        return []
    n = len(ids)
    offset = (index * per_day) % n
    return [ids[(offset + j) % n] for j in range(min(per_day, n))]


def _year_indexes(
    rule: DutyRule, start: dt.date, end: dt.date, cal: DayCalendar
) -> dict[dt.date, int]:
    """Each held day in [start, end] → its index among the held days of its year (from 0)."""
    index: dict[dt.date, int] = {}
    for year in range(start.year, end.year + 1):
        last = min(end, dt.date(year, 12, 31))
        days = [
            o.day
            for o in duty_occurrences(rule, start=dt.date(year, 1, 1), end=last, cal=cal)
            if o.day
        ]
        index.update((day, i) for i, day in enumerate(sorted(days)) if day >= start)
    return index


def _rota_keys(
    members: list[_Member],
    changes: list,
    held: dict[int, set[dt.date]],
    rotation: dict[int, tuple[int, dict[dt.date, int]]],
) -> dict[tuple[int, int, dt.date], bool]:
    """(station, deputy, day) → added by a change: the generated rota with the changes.
    `rotation`: station id → (deputies per day, held day → index in its year)."""
    keys: dict[tuple[int, int, dt.date], bool] = {}
    by_station: dict[int, list[_Member]] = {}
    for m in members:
        by_station.setdefault(m.station_id, []).append(m)
    for station_id, rows in by_station.items():
        for day in held.get(station_id, ()):
            if station_id in rotation:
                per_day, index = rotation[station_id]
                chosen = rotation_members(rows, day, index[day], per_day)
            else:
                chosen = [m.deputy_id for m in rows if m.open_on(day)]
            for deputy_id in chosen:
                keys[(station_id, deputy_id, day)] = False
    for c in changes:
        key = (c.station_id, c.deputy_id, c.day)
        if c.action == RotaAction.REMOVE:
            keys.pop(key, None)
        elif c.day in held.get(c.station_id, ()):
            keys.setdefault(key, True)
    return keys


@dataclass(frozen=True)
class Rota:
    slots: list[RotaSlot]  # sorted by (day, station, deputy)
    stations: dict[int, Station]  # with their duty rules
    held: dict[int, set[dt.date]]  # station id → held duty days in the span


def rota_slots(
    *,
    start: dt.date,
    end: dt.date,
    station_ids: Iterable[int] | None = None,
    deputy_id: int | None = None,
) -> tuple[list[RotaSlot], dict[int, Station]]:
    """The rota in [start, end] of the given stations (every deputy) or of one deputy (every
    station), sorted by (day, station, deputy); and the stations it names (with duty rules)."""
    rota = rota_between(start=start, end=end, station_ids=station_ids, deputy_id=deputy_id)
    return rota.slots, rota.stations


def _open_in(start: dt.date, end: dt.date) -> Q:
    return Q(Q(until__isnull=True) | Q(until__gte=start), since__lte=end)


def _rotating(stations: dict[int, Station]) -> dict[int, DutyRule]:
    """Station id → duty rule, for the stations whose duty rule rotates."""
    found = {}
    for station_id, station in stations.items():
        rule = duty_rule_of(station)
        if rule is not None and rule.deputies_per_day:
            found[station_id] = rule
    return found


def _members(
    memberships: list, rotating: dict[int, DutyRule], deputy_id: int | None, span: tuple
) -> list[_Member]:
    """The memberships the rota is generated from: the scope's, and for one deputy's rota
    every member of their rotating stations (whose turn it is depends on all of them; one
    more query, only then)."""
    rows = [_Member(m.station_id, m.deputy_id, m.since, m.until) for m in memberships]
    if deputy_id is None or not rotating:
        return rows
    others = StationMembership.objects.filter(_open_in(*span), station_id__in=rotating).values_list(
        "station_id", "deputy_id", "since", "until"
    )
    rows = [m for m in rows if m.station_id not in rotating]
    return rows + [_Member(*row) for row in others]


def rota_between(
    *,
    start: dt.date,
    end: dt.date,
    station_ids: Iterable[int] | None = None,
    deputy_id: int | None = None,
) -> Rota:
    """The rota (see rota_slots) with each station's held days."""
    ids = set(station_ids) if station_ids is not None else None
    if ids is not None:
        scope = Q(station_id__in=ids)
    elif deputy_id is not None:
        scope = Q(deputy_id=deputy_id)
    else:
        raise ValueError("rota_slots needs station_ids or deputy_id")
    memberships = list(
        with_duty_rules(
            StationMembership.objects.filter(scope).filter(_open_in(start, end)),
            prefix="station__",
        ).select_related("station")
    )
    changes = list(RotaChange.objects.filter(scope, day__gte=start, day__lte=end))
    stations = _rota_stations(memberships, changes, ids)
    rotating = _rotating(stations)
    # a rotating rule counts its held days from 1 January: the calendar reaches back to it
    cal = day_calendar(start.replace(month=1, day=1) if rotating else start, end)
    held = {
        station_id: {
            o.day
            for o in duty_occurrences(duty_rule_of(station), start=start, end=end, cal=cal)
            if o.day
        }
        for station_id, station in stations.items()
    }
    rotation = {
        sid: (rule.deputies_per_day or 0, _year_indexes(rule, start, end, cal))
        for sid, rule in rotating.items()
    }
    members = _members(memberships, rotating, None if ids is not None else deputy_id, (start, end))
    leave = set(
        DutyRequest.objects.filter(
            scope,
            kind=DutyRequestKind.LEAVE,
            status=DutyRequestStatus.APPROVED,
            day__gte=start,
            day__lte=end,
        ).values_list("station_id", "deputy_id", "day")
    )
    slots = []
    for (station_id, deputy, day), added in _rota_keys(members, changes, held, rotation).items():
        if ids is None and deputy != deputy_id:
            continue  # a rotating station's other members, read to find the deputy's turns
        rule = duty_rule_of(stations[station_id])
        assert rule is not None  # held days exist only for a rule
        slots.append(
            RotaSlot(
                station_id,
                deputy,
                day,
                rule.opens_at,
                rule.closes_at,
                added=added,
                leave=(station_id, deputy, day) in leave,
            )
        )
    slots.sort(key=lambda s: (s.day, s.station_id, s.deputy_id))
    return Rota(slots, stations, held)


def held_duty_days(station: Station, start: dt.date, end: dt.date) -> list[dt.date]:
    """The days in [start, end] the station's duty rule is held (after the holiday policy)."""
    rule = duty_rule_of(station)
    return [o.day for o in duty_occurrences(rule, start=start, end=end) if o.day]


def _levels(deputy_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each deputy's current levels (mixed grouping shows them), national first."""
    order = {level: i for i, level in enumerate(CongressLevel.values)}
    found: dict[int, set[str]] = {}
    rows = Mandate.objects.filter(deputy_id__in=set(deputy_ids), status=MandateStatus.CURRENT)
    for deputy_id, level in rows.values_list("deputy_id", "level"):
        found.setdefault(deputy_id, set()).add(level)
    return {d: sorted(levels, key=order.__getitem__) for d, levels in found.items()}


def station_rota(
    *, jurisdiction: Jurisdiction, station_id: int, month: dt.date, today: dt.date | None = None
) -> dict:
    """A readable station's rota for a month: each held duty day with its hours and deputies
    (added by staff or not, on leave or not), and the deputies staff may add (the station's
    members that month). Names and levels only, no contact. A fixed number of queries."""
    station = access_station_by_id(jurisdiction=jurisdiction, station_id=station_id)
    start, end = _month_span(month)
    rota = rota_between(start=start, end=end, station_ids=[station.id])
    slots = rota.slots
    rule = duty_rule_of(rota.stations[station.id])
    members = list(
        StationMembership.objects.filter(station=station, since__lte=end)
        .filter(Q(until__isnull=True) | Q(until__gte=start))
        .values_list("deputy_id", flat=True)
    )
    ids = set(members) | {s.deputy_id for s in slots}
    names = dict(Deputy.objects.filter(id__in=ids).values_list("id", "name"))
    levels = _levels(ids)
    by_day: dict[dt.date, list[RotaSlot]] = {}
    for day in sorted(rota.held[station.id]):
        by_day[day] = []
    for slot in slots:
        by_day.setdefault(slot.day, []).append(slot)

    def person(deputy_id: int) -> dict:
        return {
            "id": deputy_id,
            "name": names.get(deputy_id, ""),
            "levels": levels.get(deputy_id, []),
        }

    return {
        "station": {"id": station.id, "name": station.name},
        "month": start.strftime("%Y-%m"),
        "rule": rule_json(rule),
        "days": [
            {
                "date": day.isoformat(),
                "opens_at": rule.opens_at.strftime("%H:%M") if rule else None,
                "closes_at": rule.closes_at.strftime("%H:%M") if rule else None,
                "past": day < (today or timezone.localdate()),
                "deputies": [
                    person(s.deputy_id) | {"added": s.added, "leave": s.leave}
                    for s in sorted(rows, key=lambda s: names.get(s.deputy_id, ""))
                ],
            }
            for day, rows in sorted(by_day.items())
        ],
        "members": sorted((person(d) for d in set(members)), key=lambda p: p["name"]),
    }


def rostered(*, station_id: int, deputy_id: int, day: dt.date) -> bool:
    """Whether the deputy is on the station's rota that day."""
    slots, _stations = rota_slots(start=day, end=day, station_ids=[station_id])
    return any(s.deputy_id == deputy_id for s in slots)


# --- leave and swap requests ---------------------------------------------------------------


def duty_request_json(row: DutyRequest) -> dict:
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "date": row.day.isoformat(),
        "station": {"id": row.station_id, "name": row.station.name},
        "deputy": {"id": row.deputy_id, "name": row.deputy.name},
        "substitute": (
            {"id": row.substitute_id, "name": row.substitute.name} if row.substitute else None
        ),
        "reason": row.reason,
        "created_at": timezone.localtime(row.created_at).isoformat(),
        "decided_at": timezone.localtime(row.decided_at).isoformat() if row.decided_at else None,
        "decision_note": row.decision_note,
    }


def _requests(rows: QuerySet[DutyRequest]) -> QuerySet[DutyRequest]:
    return rows.select_related("station", "deputy", "substitute")


def duty_request_list(
    *,
    jurisdiction: Jurisdiction,
    status: str | None = None,
    station_id: int | None = None,
    limit: int = 200,
) -> list[dict]:
    """Requests at stations inside the jurisdiction (staff, leaders), newest first; one query."""
    rows = jurisdiction.filter(DutyRequest.objects.all(), field="station__adcode")
    if status:
        rows = rows.filter(status=status)
    if station_id is not None:
        rows = rows.filter(station_id=station_id)
    return [duty_request_json(r) for r in _requests(rows)[:limit]]


def deputy_duty_requests(*, deputy: Deputy, limit: int = 100) -> list[dict]:
    """The deputy's own requests, newest first; one query."""
    return [duty_request_json(r) for r in _requests(deputy.duty_requests.all())[:limit]]
