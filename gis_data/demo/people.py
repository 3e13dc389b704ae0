"""The demo's people and their places: villages (clusters of grid cells), electoral districts,
stations, deputies of five levels with mandates and station memberships, and grid assignments.
Pure Python/numpy over plain records; no Django. Figures follow domain.md: a county of ~80
stations and ~2,400 deputies (most at township and county level, a few city, provincial and
national ones, some holding two mandates, ~10% former deputies serving as special liaisons).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .places import CountySpec, TownshipPlan, village_name, village_stems

# Deputies per 2,400 of a county (scaled with --deputies).
LEVEL_SHARE = {"national": 2, "provincial": 12, "city": 50, "county": 300, "former": 240}
TWO_MANDATE_SHARE = {"county": 0.4, "upper": 0.5}  # county+township; upper level+county
STATIONS_PER_2400 = 80
HOUSEHOLDS_PER_VILLAGE = {"rural": 700, "urban": 2_500}
VILLAGES_PER_COUNTY_DISTRICT = 3.5

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤"
)
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华文辉玉兰志国红梅海燕春林晓东国强"
    "德华小红永红雪梅宏伟建国丽华卫东建军俊杰思远子涵雨欣嘉怡浩然佳豪梓轩瑞光新民金凤银花秋菊"
)
_OCCUPATIONS = (
    ("村党组织书记", 14),
    ("村（居）委会主任", 10),
    ("种养大户", 12),
    ("个体工商户", 8),
    ("企业负责人", 10),
    ("工人", 8),
    ("教师", 7),
    ("医生", 5),
    ("乡镇干部", 9),
    ("社区工作者", 6),
    ("农民", 8),
    ("律师", 1),
    ("退役军人", 2),
)
TERMS = {  # level: (term number, years before this year it started, length in years)
    "township": (18, 4, 5),
    "county": (18, 4, 5),
    "city": (16, 4, 5),
    "provincial": (14, 3, 5),
    "national": (14, 3, 5),
}
FORMER_TERM = 17


@dataclass
class CellInfo:
    id: int
    code: str
    township: int  # index into the county's townships
    lon: float  # a point inside the cell (representative point)
    lat: float
    households: int


@dataclass
class Village:
    index: int
    township: int
    name: str
    urban: bool
    cells: list[int]  # CellInfo indices
    lon: float
    lat: float
    households: int
    district: int = -1  # county electoral district index


@dataclass
class StationPlan:
    key: str
    kind: str
    name: str
    township: int
    lon: float
    lat: float
    village: int | None = None  # the village whose cells form its service area
    sector: str = ""
    parent_key: str | None = None
    geofence_radius_m: int = 200
    six_haves: dict = field(default_factory=dict)
    duty_rule: dict | None = None
    address: str = ""


@dataclass
class MandatePlan:
    level: str  # township | county | city | provincial | national
    congress: str  # adcode of the congress's region
    district: str  # adcode of the electoral district's region (a township)
    cells: list[int]  # cell ids
    term_number: int
    term_start: dt.date
    term_end: dt.date
    status: str = "current"


@dataclass
class PersonPlan:
    name: str
    gender: str
    birth_year: int
    occupation: str
    township: int
    village: int
    mandates: list[MandatePlan] = field(default_factory=list)
    stations: list[str] = field(default_factory=list)  # station keys
    heads: list[str] = field(default_factory=list)
    assigned_cells: list[int] = field(default_factory=list)  # cell ids
    profile: str = "regular"  # visiting habit: regular | keen | faded | idle


def scaled(count: int, deputies: int, minimum: int = 0) -> int:
    return max(minimum, round(count * deputies / 2400))


def apportion(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split `total` by `weights` (largest remainders), each at least `minimum` if possible."""
    n = len(weights)
    if n == 0:
        return []
    base = [minimum] * n if total >= minimum * n else [0] * n
    rest = total - sum(base)
    wsum = sum(weights) or 1.0
    shares = [rest * w / wsum for w in weights]
    floors = [math.floor(s) for s in shares]
    leftover = rest - sum(floors)
    order = sorted(range(n), key=lambda i: shares[i] - floors[i], reverse=True)
    for i in order[:leftover]:
        floors[i] += 1
    return [b + f for b, f in zip(base, floors, strict=True)]


def cluster(
    points: np.ndarray, weights: np.ndarray, k: int, rng: random.Random, iterations: int = 4
) -> np.ndarray:
    """Label each point with one of `k` compact clusters (weighted k-means, seeded)."""
    n = len(points)
    k = max(1, min(k, n))
    centres = points[rng.sample(range(n), k)].copy()
    labels = np.zeros(n, dtype=np.int64)
    for _ in range(iterations):
        d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        labels = d2.argmin(axis=1)
        for j in range(k):
            members = labels == j
            if members.any():
                w = weights[members] + 1e-9
                centres[j] = (points[members] * w[:, None]).sum(axis=0) / w.sum()
    # Relabel densely (an emptied cluster leaves a gap).
    _, dense = np.unique(labels, return_inverse=True)
    return dense


def plan_villages(
    cells: list[CellInfo], townships: list[TownshipPlan], rng: random.Random
) -> list[Village]:
    """Cut each township's cells into villages (rural) or communities (streets)."""
    villages: list[Village] = []
    cos_lat = math.cos(math.radians(cells[0].lat)) if cells else 1.0
    for t_index, township in enumerate(townships):
        members = [i for i, c in enumerate(cells) if c.township == t_index]
        if not members:
            continue
        urban = township.kind == "street"
        xy = np.array([[cells[i].lon * cos_lat, cells[i].lat] for i in members])
        hh = np.array([cells[i].households for i in members], dtype=float)
        target = HOUSEHOLDS_PER_VILLAGE["urban" if urban else "rural"]
        k = max(1, min(len(members), round(hh.sum() / target)))
        labels = cluster(xy, hh, k, rng)
        stems = village_stems(rng, int(labels.max()) + 1)
        for label in range(int(labels.max()) + 1):
            idx = [members[j] for j in np.flatnonzero(labels == label)]
            house = sum(cells[i].households for i in idx)
            w = np.array([cells[i].households + 1 for i in idx], dtype=float)
            lon = float(np.average([cells[i].lon for i in idx], weights=w))
            lat = float(np.average([cells[i].lat for i in idx], weights=w))
            # The village's centre is the inside point of its cell nearest the weighted mean
            # (a mean of a concave village can fall outside it).
            centre = min(idx, key=lambda i: (cells[i].lon - lon) ** 2 + (cells[i].lat - lat) ** 2)
            lon, lat = cells[centre].lon, cells[centre].lat
            villages.append(
                Village(
                    index=len(villages),
                    township=t_index,
                    name=village_name(stems[label], urban),
                    urban=urban,
                    cells=idx,
                    lon=lon,
                    lat=lat,
                    households=house,
                )
            )
    return villages


def plan_county_districts(
    villages: list[Village], townships: list[TownshipPlan], rng: random.Random
) -> list[list[int]]:
    """County electoral districts: groups of ~3.5 neighbouring villages within a township."""
    districts: list[list[int]] = []
    for t_index in range(len(townships)):
        own = [v for v in villages if v.township == t_index]
        if not own:
            continue
        k = max(1, round(len(own) / VILLAGES_PER_COUNTY_DISTRICT))
        xy = np.array([[v.lon, v.lat] for v in own])
        labels = cluster(xy, np.array([v.households for v in own], dtype=float), k, rng)
        for label in range(int(labels.max()) + 1):
            group = [own[j].index for j in np.flatnonzero(labels == label)]
            for vi in group:
                villages[vi].district = len(districts)
            districts.append(group)
    return districts


def _nearest(items: list, lon: float, lat: float):
    return min(items, key=lambda s: (s.lon - lon) ** 2 + (s.lat - lat) ** 2)


def plan_stations(
    county: CountySpec,
    townships: list[TownshipPlan],
    villages: list[Village],
    rng: random.Random,
    *,
    total: int,
) -> list[StationPlan]:
    """One 联络站 per township seat, then a legislative contact point, industry contact points,
    service posts and 联络点 in the largest villages, up to `total` stations."""
    stations: list[StationPlan] = []
    for t_index, township in enumerate(townships):
        stations.append(
            StationPlan(
                key=f"T{t_index}",
                kind="station",
                name=f"{township.name}人大代表联络站",
                township=t_index,
                lon=township.seat[0],
                lat=township.seat[1],
                six_haves=_six_haves(rng, 0.97),
                duty_rule={"kind": "day_digit", "digit": 6},
                address=f"{county.name}{township.name}人民政府院内",
            )
        )
    remaining = max(total - len(stations), 0)
    rural = [v for v in villages if not v.urban] or list(villages)
    used: set[int] = set()
    if remaining and townships:
        seat_village = _nearest(
            [v for v in villages if v.township == 0] or villages, *townships[0].seat
        )
        used.add(seat_village.index)
        stations.append(
            _at_village(
                county,
                townships,
                seat_village,
                "legislative",
                f"{county.name}基层立法联系点",
                rng,
                duty_rule={"kind": "nth_weekday", "nth": 4, "weekday": 3},
            )
        )
        remaining -= 1
    for sector in county.sectors[: max(0, min(len(county.sectors), remaining // 8))]:
        village = rng.choice([v for v in rural if v.index not in used] or rural)
        used.add(village.index)
        stations.append(
            _at_village(
                county,
                townships,
                village,
                "industry",
                f"{sector}产业代表联系点",
                rng,
                sector=sector,
            )
        )
        remaining -= 1
    for _ in range(min(remaining // 7, 10)):
        village = rng.choice([v for v in rural if v.index not in used] or rural)
        used.add(village.index)
        stations.append(
            _at_village(
                county, townships, village, "post", f"{village.name}代表服务岗", rng, radius=100
            )
        )
        remaining -= 1
    for village in _round_robin_by_size(villages, used, remaining):
        used.add(village.index)
        stations.append(
            _at_village(
                county,
                townships,
                village,
                "point",
                f"{townships[village.township].name}{village.name}人大代表联络点",
                rng,
                radius=150,
            )
        )
        remaining -= 1
    return stations


def _round_robin_by_size(villages: list[Village], used: set[int], count: int) -> list[Village]:
    """Up to `count` unused villages, the largest of each township in turn: liaison points
    spread over the county instead of crowding the dense urban streets."""
    queues: dict[int, list[Village]] = {}
    for village in sorted(villages, key=lambda v: v.households, reverse=True):
        if village.index not in used:
            queues.setdefault(village.township, []).append(village)
    chosen: list[Village] = []
    while len(chosen) < count and any(queues.values()):
        for township in sorted(queues):
            if queues[township] and len(chosen) < count:
                chosen.append(queues[township].pop(0))
    return chosen


def _six_haves(rng: random.Random, p: float) -> dict:
    keys = ("sign", "premises", "rules", "boards", "plan", "records")
    return {k: rng.random() < p for k in keys}


def _at_village(
    county: CountySpec,
    townships: list[TownshipPlan],
    village: Village,
    kind: str,
    name: str,
    rng: random.Random,
    *,
    sector: str = "",
    radius: int = 200,
    duty_rule: dict | None = None,
) -> StationPlan:
    township = townships[village.township]
    return StationPlan(
        key=f"{kind[0].upper()}{village.index}",
        kind=kind,
        name=name,
        township=village.township,
        lon=village.lon,
        lat=village.lat,
        village=village.index,
        sector=sector,
        parent_key=f"T{village.township}",
        geofence_radius_m=radius,
        six_haves=_six_haves(rng, 0.85 if kind == "point" else 0.7),
        duty_rule=duty_rule or {"kind": "day_digit", "digit": 6},
        address=f"{county.name}{township.name}{village.name}",
    )


def person_name(rng: random.Random) -> tuple[str, str]:
    gender = "F" if rng.random() < 0.32 else "M"
    given = "".join(rng.choice(_GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
    return rng.choice(_SURNAMES) + given, gender


def _term(level: str, today: dt.date, former: bool = False) -> tuple[int, dt.date, dt.date]:
    number, years_ago, length = TERMS[level]
    start = dt.date(today.year - years_ago, 1, 15)
    if former:
        return FORMER_TERM, dt.date(start.year - length, 1, 15), start - dt.timedelta(days=1)
    return number, start, dt.date(start.year + length, 1, 14)


@dataclass
class CountyContext:
    county: CountySpec
    county_adcode: str
    city_adcode: str
    province_adcode: str
    townships: list[TownshipPlan]
    cells: list[CellInfo]
    villages: list[Village]
    districts: list[list[int]]  # village indices per county district
    today: dt.date


def _new_person(ctx: CountyContext, rng: random.Random, village: Village) -> PersonPlan:
    name, gender = person_name(rng)
    occupation = rng.choices([o for o, _ in _OCCUPATIONS], [w for _, w in _OCCUPATIONS])[0]
    return PersonPlan(
        name=name,
        gender=gender,
        birth_year=rng.randint(1962, 1996),
        occupation=occupation,
        township=village.township,
        village=village.index,
    )


def _mandate(
    ctx: CountyContext, level: str, cells: list[int], township: int, former: bool = False
) -> MandatePlan:
    congress = {
        "township": ctx.townships[township].adcode,
        "county": ctx.county_adcode,
        "city": ctx.city_adcode,
        "provincial": ctx.province_adcode,
        "national": ctx.province_adcode,
    }[level]
    number, start, end = _term(level, ctx.today, former)
    return MandatePlan(
        level=level,
        congress=congress,
        district=ctx.townships[township].adcode,
        cells=[ctx.cells[i].id for i in cells],
        term_number=number,
        term_start=start,
        term_end=end,
        status="former" if former else "current",
    )


def _district_cells(ctx: CountyContext, district: int) -> list[int]:
    return [c for vi in ctx.districts[district] for c in ctx.villages[vi].cells]


def plan_roster(ctx: CountyContext, rng: random.Random, *, deputies: int) -> list[PersonPlan]:
    """About `deputies` persons of five levels, each with mandates whose districts are villages
    (township congress) or groups of villages (county congress and above)."""
    counts = {
        level: scaled(n, deputies, 1 if level != "former" else 0)
        for level, n in LEVEL_SHARE.items()
    }
    people: list[PersonPlan] = []
    district_hh = [sum(ctx.villages[v].households for v in d) for d in ctx.districts]
    # County deputies: 1-3 per district, by households.
    county_people: list[PersonPlan] = []
    for d_index, n in enumerate(apportion(counts["county"], district_hh)):
        for _ in range(n):
            village = ctx.villages[rng.choice(ctx.districts[d_index])]
            person = _new_person(ctx, rng, village)
            person.mandates.append(
                _mandate(ctx, "county", _district_cells(ctx, d_index), village.township)
            )
            county_people.append(person)
    people += county_people
    # Upper levels: half of them are also county deputies (one person, two mandates).
    upper = [lvl for lvl in ("national", "provincial", "city") for _ in range(counts[lvl])]
    for level in upper:
        if county_people and rng.random() < TWO_MANDATE_SHARE["upper"]:
            person = rng.choice(county_people)
            if any(m.level == level for m in person.mandates):
                continue
            person.mandates.append(_mandate(ctx, level, [], person.township))
            person.mandates[-1].cells = list(person.mandates[0].cells)
        else:
            d_index = rng.randrange(len(ctx.districts))
            village = ctx.villages[rng.choice(ctx.districts[d_index])]
            person = _new_person(ctx, rng, village)
            person.mandates.append(
                _mandate(ctx, level, _district_cells(ctx, d_index), village.township)
            )
            people.append(person)
    # Former deputies serving as special liaisons (往届代表, 特邀联络员).
    for _ in range(counts["former"]):
        village = rng.choice(ctx.villages)
        person = _new_person(ctx, rng, village)
        level = (
            "township"
            if ctx.townships[village.township].has_congress and rng.random() < 0.6
            else "county"
        )
        person.mandates.append(_mandate(ctx, level, village.cells, village.township, True))
        people.append(person)
    # Township deputies fill the rest, by village households; 40% of county deputies living
    # in a town also sit in their township congress.
    congress_villages = [v for v in ctx.villages if ctx.townships[v.township].has_congress]
    for person in county_people:
        village = ctx.villages[person.village]
        if (
            ctx.townships[village.township].has_congress
            and rng.random() < TWO_MANDATE_SHARE["county"]
        ):
            person.mandates.append(_mandate(ctx, "township", village.cells, village.township))
    remaining = max(deputies - len(people), len(congress_villages) and 1)
    shares = apportion(remaining, [v.households for v in congress_villages])
    for village, n in zip(congress_villages, shares, strict=True):
        for _ in range(n):
            person = _new_person(ctx, rng, village)
            person.mandates.append(_mandate(ctx, "township", village.cells, village.township))
            people.append(person)
    _profiles(people, rng)
    return people


def _profiles(people: list[PersonPlan], rng: random.Random) -> None:
    for person in people:
        roll = rng.random()
        person.profile = (
            "keen"
            if roll < 0.12
            else "regular"
            if roll < 0.82
            else "faded"
            if roll < 0.92
            else "idle"
        )


def plan_memberships(
    ctx: CountyContext, people: list[PersonPlan], stations: list[StationPlan], rng: random.Random
) -> None:
    """Mixed grouping (混合编组进站): everyone joins the 联络点 of their village if it has one,
    else their township's 联络站; service posts, industry and legislative contact points take
    nearby or suitable deputies as second memberships; each station gets one head of group."""
    by_village = {s.village: s.key for s in stations if s.kind == "point"}
    for person in people:
        person.stations.append(by_village.get(person.village, f"T{person.township}"))
    for station in stations:
        if station.kind not in ("post", "industry", "legislative"):
            continue
        if station.kind == "legislative":
            pool = [p for p in people if any(m.level != "township" for m in p.mandates)]
            size = 25
        elif station.kind == "industry":
            pool = [p for p in people if p.occupation in ("企业负责人", "种养大户", "个体工商户")]
            size = 20
        else:
            pool = [p for p in people if p.township == station.township]
            size = 12
        pool = pool or people
        pool.sort(
            key=lambda p: (
                (ctx.villages[p.village].lon - station.lon) ** 2
                + (ctx.villages[p.village].lat - station.lat) ** 2
            )
        )
        for person in pool[: min(size, len(pool))]:
            if station.key not in person.stations:
                person.stations.append(station.key)
    _top_up(ctx, people, stations)
    rank = {"national": 0, "provincial": 1, "city": 2, "county": 3, "township": 4}
    members: dict[str, list[PersonPlan]] = {}
    for person in people:
        for key in person.stations:
            members.setdefault(key, []).append(person)
    for key, group in members.items():
        current = [p for p in group if any(m.status == "current" for m in p.mandates)] or group
        head = min(current, key=lambda p: (min(rank[m.level] for m in p.mandates), -p.birth_year))
        head.heads.append(key)


MIN_MEMBERS = 3


def _top_up(ctx: CountyContext, people: list[PersonPlan], stations: list[StationPlan]) -> None:
    """A station with fewer than MIN_MEMBERS deputies (a community point in an urban street,
    where there is no township congress) also takes the nearest deputies of its township."""
    count: dict[str, int] = {}
    for person in people:
        for key in person.stations:
            count[key] = count.get(key, 0) + 1
    for station in stations:
        missing = MIN_MEMBERS - count.get(station.key, 0)
        if missing <= 0:
            continue
        nearby = sorted(
            (p for p in people if p.township == station.township and station.key not in p.stations),
            key=lambda p: (
                (ctx.villages[p.village].lon - station.lon) ** 2
                + (ctx.villages[p.village].lat - station.lat) ** 2
            ),
        )
        for person in nearby[:missing]:
            person.stations.append(station.key)


def plan_assignments(
    ctx: CountyContext,
    people: list[PersonPlan],
    rng: random.Random,
    *,
    unassigned_share: float = 0.08,
) -> None:
    """Most cells get one responsible deputy of their own district (township deputies in towns,
    county deputies in streets); ~8% stay unassigned (work for the staff assignment page)."""
    by_village: dict[int, list[PersonPlan]] = {}
    by_district: dict[int, list[PersonPlan]] = {}
    by_township: dict[int, list[PersonPlan]] = {}
    for person in people:
        levels = {m.level for m in person.mandates if m.status == "current"}
        if "township" in levels:
            by_village.setdefault(person.village, []).append(person)
        if levels & {"county", "city", "provincial", "national"}:
            by_district.setdefault(ctx.villages[person.village].district, []).append(person)
        if levels:
            by_township.setdefault(person.township, []).append(person)
    for village in ctx.villages:
        # A village without deputies of its own is looked after by its township's.
        pool = by_village.get(village.index, []) + by_district.get(
            village.district, []
        ) or by_township.get(village.township, [])
        if not pool:
            continue
        order = list(village.cells)
        rng.shuffle(order)
        for k, cell_index in enumerate(order):
            if rng.random() < unassigned_share:
                continue
            pool[k % len(pool)].assigned_cells.append(ctx.cells[cell_index].id)
    # Former deputies (special liaisons) often help in one cell of their old district.
    for person in people:
        if all(m.status == "former" for m in person.mandates) and rng.random() < 0.3:
            village = ctx.villages[person.village]
            person.assigned_cells.append(ctx.cells[rng.choice(village.cells)].id)
    for person in people:
        person.assigned_cells = list(dict.fromkeys(person.assigned_cells))
