"""A year of field activity for the demo: deputies' outings to their grid cells, each outing a
few household visits minutes apart (so no "too fast" jumps), plus forums and evening talks, and
citizens' opinions that cluster around a few local problems. Pure Python/shapely; no Django.

Habits (PersonPlan.profile): keen deputies visit ~70-110 households a year, regular ones ~35-60
(the "12345" target is 50), faded ones stopped months ago (their cells turn "stale"), idle ones
barely go out (with the unassigned cells, the "never visited" gaps on the coverage map).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
HOUSEHOLD_TARGET = {"keen": (70, 110), "regular": (35, 60), "faded": (15, 40), "idle": (0, 5)}
FADED_STOPPED_DAYS = 100  # > 90: their cells turn "stale" on the 90-day map
HOUSEHOLDS_PER_OUTING = 3.6  # mean over the outing kinds below
DISTRICT_OUTING_SHARE = 0.08
# Campaign months (千名代表访万人) see twice the outings.
MONTH_WEIGHT = {
    1: 0.6,
    2: 0.5,
    3: 2.0,
    4: 1.2,
    5: 1.0,
    6: 1.0,
    7: 0.9,
    8: 0.9,
    9: 2.0,
    10: 1.0,
    11: 1.2,
    12: 0.8,
}
GROUP_KINDS = (
    ("forum", 0.04, (5, 20)),
    ("evening_talk", 0.04, (4, 15)),
    ("survey", 0.03, (1, 3)),
    ("reception", 0.04, (1, 6)),
)
_NOTES = {
    "household": (
        "了解家庭生产生活情况",
        "宣传惠民政策",
        "听取对村道建设的意见",
        "走访困难家庭",
        "了解农田灌溉用水情况",
        "宣讲基层治理工作",
        "收集群众对医保的意见",
        "",
    ),
    "forum": ("召开村民座谈会", "组织代表议事座谈", "与种养大户座谈"),
    "evening_talk": ("屋场夜话", "院落夜话，听取群众意见"),
    "survey": ("调研乡村产业发展", "调研农村人居环境整治"),
    "reception": ("接待来访群众", "代表接待日接待群众"),
}
OPINION_TEXTS = {
    "roads": (
        "村道路面破损，雨天难行",
        "路口缺少减速带，存在安全隐患",
        "桥梁护栏损坏需维修",
        "公交班次太少，出行不便",
    ),
    "water": ("自来水水压不足", "雨季排水沟堵塞积水", "饮用水偶有浑浊", "灌溉水渠需清淤"),
    "health": ("村卫生室药品不全", "希望增加老年人体检服务", "医保报销流程繁琐"),
    "education": ("学校门口交通拥堵", "希望开办课后托管服务", "校车接送时间不合理"),
    "environment": ("垃圾清运不及时", "养殖场异味扰民", "河道有生活垃圾", "工地扬尘较大"),
    "agriculture": ("农资价格上涨", "希望提供种植技术培训", "农产品销售渠道不畅"),
    "safety": ("路灯不亮，夜间出行不安全", "老旧房屋存在安全隐患", "电动车充电不规范"),
    "welfare": ("独居老人需要关爱服务", "低保申请材料复杂", "希望增加养老服务设施"),
    "other": ("希望增加文体活动场地", "快递网点太远", "网络信号差"),
}
OPINION_BASE_RATE = 0.004
OPINION_HOTSPOT_RATE = 0.15
HOTSPOT_RADIUS_M = 1_500.0


@dataclass
class CellShape:
    id: int
    code: str
    geometry: BaseGeometry  # WGS-84
    households: int
    bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        shapely.prepare(self.geometry)
        self.bounds = tuple(self.geometry.bounds)


@dataclass
class Visitor:
    deputy_id: int
    profile: str
    assigned: list[int]  # cell ids
    district: list[int]  # cell ids


@dataclass
class Hotspot:
    lon: float
    lat: float
    category: str


def random_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def point_in(cell: CellShape, rng: np.random.Generator) -> tuple[float, float]:
    """A uniformly random point inside the cell (rejection sampling on its bounding box)."""
    minx, miny, maxx, maxy = cell.bounds
    for _ in range(20):
        xs = rng.uniform(minx, maxx, 16)
        ys = rng.uniform(miny, maxy, 16)
        inside = np.flatnonzero(shapely.contains_xy(cell.geometry, xs, ys))
        if inside.size:
            return float(xs[inside[0]]), float(ys[inside[0]])
    p = cell.geometry.representative_point()
    return p.x, p.y


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day in [start, end], weighted by campaign month and lighter at weekends."""
    span = (end - start).days
    while True:
        day = start + dt.timedelta(days=rng.randint(0, span))
        weight = MONTH_WEIGHT[day.month] * (0.6 if day.weekday() >= 5 else 1.0)
        if rng.random() * 2.0 < weight:
            return day


def _accuracy_m(rng: random.Random) -> float:
    if rng.random() < 0.03:
        return round(rng.uniform(110, 400), 1)  # a poor fix indoors or under trees
    return round(min(math.exp(rng.gauss(math.log(9), 0.6)), 95.0), 1)


def plan_visits(
    visitors: list[Visitor],
    cells: dict[int, CellShape],
    rng: random.Random,
    *,
    today: dt.date,
    days: int = 365,
    intensity: float = 1.0,
) -> list[dict]:
    """Visit rows (the shape `visits_ingest` takes) for `days` ending yesterday, in time order.
    `intensity` scales every deputy's yearly target (a shorter history gets a share of it).
    Deputies rotate through their assigned cells in time order, with an occasional outing to
    another cell of their electoral district."""
    rows: list[dict] = []
    first_day = today - dt.timedelta(days=days)
    last_day = today - dt.timedelta(days=1)
    points = np.random.default_rng(rng.getrandbits(64))  # seeded from rng: reproducible
    for visitor in visitors:
        pool = [c for c in visitor.assigned if c in cells] or [
            c for c in visitor.district if c in cells
        ]
        if not pool:
            continue
        rng.shuffle(pool)
        district = [c for c in visitor.district if c in cells] or pool
        low, high = HOUSEHOLD_TARGET[visitor.profile]
        outings = round(rng.randint(low, high) * intensity / HOUSEHOLDS_PER_OUTING)
        end = (
            last_day
            if visitor.profile != "faded"
            else today - dt.timedelta(days=FADED_STOPPED_DAYS)
        )
        if end < first_day:
            continue
        for k, day in enumerate(sorted(_day(rng, first_day, end) for _ in range(outings))):
            cell_id = (
                rng.choice(district)
                if rng.random() < DISTRICT_OUTING_SHARE
                else pool[k % len(pool)]
            )
            _outing(rows, visitor, cells[cell_id], day, rng, points)
    rows.sort(key=lambda r: r["recorded_at"])
    return rows


def _outing(
    rows: list[dict],
    visitor: Visitor,
    cell: CellShape,
    day: dt.date,
    rng: random.Random,
    points: np.random.Generator,
) -> int:
    """One outing to one cell: a group activity, or 1-5 household visits 10-25 minutes apart.
    Returns the households reached."""
    roll, acc = rng.random(), 0.0
    for kind, share, (low, high) in GROUP_KINDS:
        acc += share
        if roll < acc:
            hour = rng.randint(19, 20) if kind == "evening_talk" else rng.randint(9, 16)
            at = dt.datetime(
                day.year, day.month, day.day, hour, rng.randint(0, 59), tzinfo=LOCAL_TZ
            )
            households = rng.randint(low, high)
            rows.append(_row(visitor, cell, kind, at, households, "", rng, points))
            return households
    at = dt.datetime(
        day.year, day.month, day.day, rng.randint(8, 16), rng.randint(0, 59), tzinfo=LOCAL_TZ
    )
    n = rng.randint(1, 5)
    homes = rng.sample(range(max(cell.households, n)), n)
    for home in homes:
        rows.append(_row(visitor, cell, "household", at, 1, f"{cell.code}/{home}", rng, points))
        at += dt.timedelta(minutes=rng.randint(10, 25))
    return n


def _row(
    visitor: Visitor,
    cell: CellShape,
    kind: str,
    at: dt.datetime,
    households: int,
    household_ref: str,
    rng: random.Random,
    points: np.random.Generator,
) -> dict:
    lon, lat = point_in(cell, points)
    return {
        "deputy_id": visitor.deputy_id,
        "client_uuid": random_uuid(rng),
        "kind": kind,
        "lon": round(lon, 7),
        "lat": round(lat, 7),
        "accuracy_m": _accuracy_m(rng),
        "recorded_at": at.astimezone(dt.UTC),
        "households": households,
        "household_ref": household_ref,
        "notes": rng.choice(_NOTES[kind]),
        "mock_location": rng.random() < 0.002,
    }


def weekly_batches(
    rows: list[dict], *, max_rows: int = 5_000
) -> list[tuple[list[dict], dt.datetime]]:
    """Split time-ordered rows into batches of one ISO week (at most `max_rows`), each with the
    `received_at` a phone syncing at the end of it would have (so history is not "stale")."""
    batches: list[tuple[list[dict], dt.datetime]] = []
    current: list[dict] = []
    week = None
    for row in rows:
        key = row["recorded_at"].astimezone(LOCAL_TZ).isocalendar()[:2]
        if current and (key != week or len(current) >= max_rows):
            batches.append((current, current[-1]["recorded_at"] + dt.timedelta(hours=2)))
            current = []
        week = key
        current.append(row)
    if current:
        batches.append((current, current[-1]["recorded_at"] + dt.timedelta(hours=2)))
    return batches


def plan_hotspots(cells: list[CellShape], rng: random.Random, count: int) -> list[Hotspot]:
    """A few places where one kind of problem keeps coming up (for the cluster layer)."""
    weighted = [c for c in cells if c.households > 0] or cells
    chosen = rng.sample(weighted, min(count, len(weighted)))
    categories = ("roads", "water", "environment", "safety", "welfare", "roads", "water")
    hotspots = []
    for i, cell in enumerate(chosen):
        p = cell.geometry.representative_point()
        hotspots.append(Hotspot(p.x, p.y, categories[i % len(categories)]))
    return hotspots


def plan_opinions(
    visits: list[tuple[int, dict]], hotspots: list[Hotspot], rng: random.Random
) -> list[dict]:
    """Opinions taken down during visits (visit id, row): more of them, and of one category,
    near the hotspots. Each opinion: deputy_id, visit_id, category, text, lon, lat,
    recorded_at, client_uuid."""
    opinions = []
    m_per_deg = 111_320.0
    for visit_id, row in visits:
        if row["kind"] not in ("household", "forum", "evening_talk", "reception"):
            continue
        near = None
        for h in hotspots:
            dx = (row["lon"] - h.lon) * m_per_deg * math.cos(math.radians(h.lat))
            dy = (row["lat"] - h.lat) * m_per_deg
            if dx * dx + dy * dy < HOTSPOT_RADIUS_M**2:
                near = h
                break
        rate = OPINION_HOTSPOT_RATE if near else OPINION_BASE_RATE
        if rng.random() >= rate:
            continue
        category = (
            near.category if near and rng.random() < 0.75 else rng.choice(list(OPINION_TEXTS))
        )
        opinions.append(
            {
                "deputy_id": row["deputy_id"],
                "visit_id": visit_id,
                "category": category,
                "text": rng.choice(OPINION_TEXTS[category]),
                "lon": row["lon"],
                "lat": row["lat"],
                "recorded_at": row["recorded_at"] + dt.timedelta(minutes=rng.randint(1, 8)),
                "client_uuid": random_uuid(rng),
            }
        )
    return opinions


# The closed loop after registration (backend.opinions.services.opinion_transition), replayed
# for the demo: the station forwards within a day, the department starts within about a day
# and answers within its 3 working days (a few ask for the extension, a few sit on it and go
# overdue), the citizen rates most answers (a few unsatisfied: re-handled and answered again),
# the station archives the rest without a rating.
RATINGS = ((5, 50), (4, 28), (3, 12), (2, 7), (1, 3))
SECOND_RATINGS = ((5, 40), (4, 35), (3, 15), (2, 10))
EXTENDED_SHARE = 0.08
STUCK_SHARE = 0.04
UNRATED_SHARE = 0.10
HANDLERS = {
    "roads": "交通运输局",
    "water": "水务局",
    "health": "卫生健康局",
    "education": "教育局",
    "environment": "生态环境分局",
    "agriculture": "农业农村局",
    "safety": "公安局",
    "welfare": "民政局",
    "other": "镇人民政府",
}
ANSWERS = (
    "已转交承办单位办理，现场答复群众。",
    "问题已解决，已电话告知群众。",
    "已约定时间上门答复。",
)


def _hours(low: float, high: float, rng: random.Random) -> dt.timedelta:
    return dt.timedelta(hours=rng.uniform(low, high))


def _weighted(choices, rng: random.Random) -> int:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def plan_opinion_loop(
    opinions: list[tuple[int, str, dt.datetime]], rng: random.Random, until: dt.datetime
) -> list[tuple[int, list[dict]]]:
    """(opinion id, category, registered at) → (opinion id, steps): each step an `action`, its
    time `at` and the service's fields; `by` is "station" or "deputy". Steps after `until` are
    left out, so recent opinions stop part-way (registered, forwarded, handling, answered)."""
    plans = []
    for opinion_id, category, registered in opinions:
        forward = registered + _hours(1, 20, rng)
        start = forward + _hours(2, 30, rng)
        extended = rng.random() < EXTENDED_SHARE
        stuck = rng.random() < STUCK_SHARE
        answer = start + (dt.timedelta(days=rng.uniform(6, 20)) if stuck else _hours(12, 70, rng))
        answer += dt.timedelta(days=2) if extended else dt.timedelta()
        rating, second = _weighted(RATINGS, rng), _weighted(SECOND_RATINGS, rng)
        rate = answer + _hours(12, 96, rng)
        text = rng.choice(ANSWERS)
        steps: list[dict[str, Any]] = [
            {"action": "forward", "at": forward, "by": "station", "handler": HANDLERS[category]},
            {"action": "start", "at": start, "by": "station"},
        ]
        if extended:
            steps.append(
                {
                    "action": "extend",
                    "at": start + _hours(24, 40, rng),
                    "by": "station",
                    "reason": "需要多部门协调，申请延期两个工作日。",
                }
            )
        steps.append({"action": "answer", "at": answer, "by": "deputy", "answer": text})
        if rng.random() < UNRATED_SHARE:
            steps.append({"action": "close", "at": rate, "by": "station"})
        else:
            steps.append({"action": "rate", "at": rate, "by": "station", "rating": rating})
            if rating <= 2:
                again = rate + _hours(24, 72, rng)
                steps.append(
                    {
                        "action": "answer",
                        "at": again,
                        "by": "deputy",
                        "answer": "已重新办理，再次答复群众。",
                    }
                )
                steps.append(
                    {
                        "action": "rate",
                        "at": again + _hours(12, 72, rng),
                        "by": "station",
                        "rating": second,
                    }
                )
        steps.sort(key=lambda step: step["at"])
        plans.append((opinion_id, [step for step in steps if step["at"] <= until]))
    return plans
