"""Demo station rhythm (issue 13): a year of duty at every station with a duty rule. Each rule
gets a rota size (2 or 3 deputies a day, in turn: DutyRule.deputies_per_day), and over the
year to today the rostered deputies (backend.liaison.selectors.rota_between, the product's own
rota) mostly come: a check-in inside the fence within the station's hours, through the
check-in import (the check-in service's geofence and flags, set-based). Some turns are missed,
a few checked in from the car park down the road (outside the fence: absent), some excused by
leave approved by the county's staff a day ahead; a few requests for the coming weeks wait
for a decision. Each held day someone attended opened a reception with citizens received.

Deterministic (seeded), idempotent (a station whose duty rule already has a rota size is left
alone, so a second load adds nothing) and set-based (a handful of statements whatever the
size). No opinions: those come from the visits (gis_data.demo.activity)."""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.liaison.models import (
    DutyRequest,
    DutyRequestKind,
    DutyRequestStatus,
    DutyRule,
    Reception,
    RulePurpose,
    Station,
)
from backend.liaison.selectors import RotaSlot, rota_between
from backend.visits.services import CheckInRow, checkins_import

DAYS = 365  # of history, to yesterday
AHEAD_DAYS = 30  # pending requests for the coming weeks
PER_DAY = (2, 2, 3)  # deputies on duty a day, by station
RELIABILITY = (0.74, 0.95)  # per deputy and station: the share of their turns they come
LEAVE_SHARE = 0.05  # of past turns: approved leave (请假)
PENDING_SHARE = 0.06  # of coming turns: a request waiting for staff
FAR_SHARE = 0.03  # of the turns they come: checked in outside the fence
LEAVE_REASONS = ("出差", "病假", "参加县人代会专题培训", "家中有事", "单位值班", "外出开会")
CITIZENS = (0, 1, 2, 2, 3, 3, 4, 4, 5, 6, 7, 9, 12)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def _deciders() -> tuple[dict[str, User], User | None]:
    """The staff account of each county (by its jurisdiction's county adcode), and the admin
    for counties without one."""
    staff: dict[str, User] = {}
    rows = User.objects.filter(role=Role.STAFF, jurisdiction__isnull=False).order_by("id")
    for user in rows.select_related("jurisdiction"):
        if user.jurisdiction is not None:
            staff.setdefault(user.jurisdiction.adcode[:6], user)
    admin = User.objects.filter(is_superuser=True).order_by("id").first()
    return staff, admin


def _checkin(slot: RotaSlot, station: Station, rng: random.Random, far: bool) -> CheckInRow:
    """A fix at the station (a few metres off), or 300-800 m away; within the day's hours."""
    distance_m = rng.uniform(300, 800) if far else abs(rng.gauss(0, 30))
    bearing = rng.uniform(0, 2 * math.pi)
    lat = station.location.y + distance_m * math.cos(bearing) / 111_320.0
    lon = station.location.x + distance_m * math.sin(bearing) / (
        111_320.0 * math.cos(math.radians(station.location.y))
    )
    opens = dt.datetime.combine(slot.day, slot.opens_at)
    span_min = (dt.datetime.combine(slot.day, slot.closes_at) - opens).total_seconds() // 60
    at = timezone.make_aware(opens + dt.timedelta(minutes=rng.randint(0, int(min(150, span_min)))))
    return CheckInRow(
        slot.deputy_id,
        slot.station_id,
        _uuid(rng),
        round(lon, 7),
        round(lat, 7),
        round(rng.uniform(4, 30), 1),
        at,
        at + dt.timedelta(minutes=rng.randint(1, 20)),
    )


def _request(
    slot: RotaSlot, status: str, decider: User | None, rng: random.Random, today: dt.date
) -> tuple[DutyRequest, dt.datetime]:
    """A leave request for the slot and when it was asked (2-6 days ahead, not after today);
    an approved one decided within the day by the county's staff."""
    asked = min(slot.day - dt.timedelta(days=rng.randint(2, 6)), today)
    asked_at = _local(asked, dt.time(rng.randint(8, 20), rng.randint(0, 59)))
    row = DutyRequest(
        kind=DutyRequestKind.LEAVE,
        deputy_id=slot.deputy_id,
        station_id=slot.station_id,
        day=slot.day,
        reason=rng.choice(LEAVE_REASONS),
        status=status,
    )
    if status == DutyRequestStatus.APPROVED:
        row.decided_by = decider
        row.decided_at = asked_at + dt.timedelta(hours=rng.randint(2, 20))
        row.decision_note = "同意，已安排其他代表接待。"
    return row, asked_at


@transaction.atomic
def load_station_rhythm(today: dt.date, seed: int) -> dict[str, int]:
    rng = random.Random(f"station rhythm {seed}")  # noqa: S311 - demo data, not secrets
    rules = list(
        DutyRule.objects.filter(purpose=RulePurpose.DUTY, deputies_per_day__isnull=True)
        .select_related("station")
        .order_by("station_id")
    )
    counts = {"rotas": len(rules), "checkins": 0, "leave": 0, "pending": 0, "receptions": 0}
    if not rules:
        return counts
    for rule in rules:
        rule.deputies_per_day = rng.choice(PER_DAY)
    DutyRule.objects.bulk_update(rules, ["deputies_per_day"])
    stations = {rule.station_id: rule.station for rule in rules}
    rota = rota_between(
        start=today - dt.timedelta(days=DAYS),
        end=today + dt.timedelta(days=AHEAD_DAYS),
        station_ids=stations,
    )
    staff, admin = _deciders()
    reliability: dict[tuple[int, int], float] = {}
    checkins: list[CheckInRow] = []
    requests: list[tuple[DutyRequest, dt.datetime]] = []
    attended: set[tuple[int, dt.date]] = set()
    for slot in rota.slots:  # sorted by (day, station, deputy): the same draws every load
        station = stations[slot.station_id]
        decider = staff.get(station.county_adcode, admin)
        if slot.day >= today:
            if rng.random() < PENDING_SHARE:
                requests.append(_request(slot, DutyRequestStatus.PENDING, None, rng, today))
            continue
        if rng.random() < LEAVE_SHARE:
            requests.append(_request(slot, DutyRequestStatus.APPROVED, decider, rng, today))
            continue
        key = (slot.station_id, slot.deputy_id)
        if key not in reliability:
            reliability[key] = rng.uniform(*RELIABILITY)
        if rng.random() >= reliability[key]:
            continue  # absent
        far = rng.random() < FAR_SHARE
        checkins.append(_checkin(slot, station, rng, far))
        if not far:
            attended.add((slot.station_id, slot.day))
    rows = DutyRequest.objects.bulk_create([row for row, _asked in requests], batch_size=2_000)
    for row, asked_at in requests:  # created_at is auto_now_add: when it was asked, afterwards
        row.created_at = asked_at
    DutyRequest.objects.bulk_update(rows, ["created_at"], batch_size=2_000)
    counts["checkins"] = checkins_import(rows=checkins)
    receptions = [
        Reception(
            station_id=station_id,
            day=day,
            citizens_received=rng.choice(CITIZENS),
            recorded_by=staff.get(stations[station_id].county_adcode, admin),
        )
        for station_id, day in sorted(attended)
    ]
    Reception.objects.bulk_create(receptions, batch_size=2_000, ignore_conflicts=True)
    counts["receptions"] = len(receptions)
    counts["leave"] = sum(r.status == DutyRequestStatus.APPROVED for r in rows)
    counts["pending"] = len(requests) - counts["leave"]
    return counts
