"""One township's year of livelihood projects with known numbers, built through the services
(shared by the dashboard's browser test and the export test).

In `township` (a region of at least 0.02° × 0.02° from (lon, lat)), three deputies of its
congress, one call and eight proposals: five go through the five forms to a ballot with four
seats (all four chosen, the fifth not), one stays a candidate outside the ballot, one is only
collected, one is rejected. Of the chosen: a road (line) in progress at 40% with two
supervision visits, a sewage pond (point) done and evaluated by the three deputies (two
satisfied: 66.7%, below the 90% bar), a refuse station (area) done, a square (point) chosen
with no update yet. Funnel: collected 8, shortlisted 6, voted 4, implemented 2."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.projects import services
from tests.backend.projects.world import deputy_of

FUNNEL = {"collected": 8, "shortlisted": 6, "voted": 4, "implemented": 2}
STAGES = ("referred", "consulted", "reviewed", "candidate")


@dataclass
class TownshipYear:
    call: object
    road: object  # in_progress, 40%, 2 supervision visits
    pond: object  # evaluated (done, 2 of 3 satisfied)
    station: object  # done
    square: object  # chosen
    clinic: object  # candidate
    lamps: object  # not chosen: off the map
    deputies: list


def _place(kind: str, lon: float, lat: float) -> dict:
    if kind == "Point":
        return {"type": "Point", "coordinates": [lon, lat]}
    if kind == "LineString":
        return {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.012, lat + 0.004]]}
    ring = [[lon, lat], [lon + 0.004, lat], [lon + 0.004, lat + 0.004], [lon, lat + 0.004]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def propose(staff, call, title: str, cost: int, place: dict | None, stages=STAGES):
    jurisdiction = jurisdiction_of(staff)
    proposal = services.proposal_create(
        jurisdiction=jurisdiction,
        actor=staff,
        call=call,
        title=title,
        description=f"{title}：群众反映强烈",
        estimated_cost_yuan=cost,
        place=services.place_from_geojson(place),
    )
    for stage in stages:
        services.proposal_advance(
            jurisdiction=jurisdiction,
            actor=staff,
            proposal_id=proposal.pk,
            to_stage=stage,
            reason=f"{stage}：同意",
        )
    proposal.refresh_from_db()
    return proposal


def build_township_year(
    *,
    staff,
    township,
    lon: float,
    lat: float,
    prefix: str,
    year: int | None = None,
    other_voters=(),
) -> TownshipYear:
    """`other_voters`: the township's other current deputies (all vote, for the quorum)."""
    jurisdiction = jurisdiction_of(staff)
    deputies = [deputy_of(township, f"{prefix}-dep{i}") for i in range(3)]
    today = timezone.localdate()
    year = year or today.year
    call = services.call_create(
        jurisdiction=jurisdiction,
        actor=staff,
        region=township,
        year=year,
        title=f"{township.name}{year}年民生实事项目征集",
        opens_on=today - dt.timedelta(days=60),
        closes_on=today - dt.timedelta(days=30),
    )

    def at(kind: str, dlon: float, dlat: float) -> dict:
        return _place(kind, lon + dlon, lat + dlat)

    road = propose(staff, call, "村道硬化", 1_980_000, at("LineString", 0.002, 0.011))
    pond = propose(staff, call, "污水处理池", 500_000, at("Point", 0.005, 0.005))
    station = propose(staff, call, "垃圾中转站", 300_000, at("Polygon", 0.012, 0.002))
    square = propose(staff, call, "文化广场", 800_000, at("Point", 0.004, 0.017))
    lamps = propose(staff, call, "路灯", 120_000, at("Point", 0.016, 0.017))
    clinic = propose(staff, call, "卫生室", 400_000, at("Point", 0.016, 0.009))
    propose(staff, call, "农贸市场", 2_000_000, None, stages=())
    propose(staff, call, "高尔夫球场", 9_000_000, None, stages=("rejected",))

    chosen = [road, pond, station, square]
    session = services.ballot_open(
        jurisdiction=jurisdiction,
        actor=staff,
        call=call,
        title="票决",
        proposal_ids=[p.pk for p in [*chosen, lamps]],
        max_choices=4,
    )
    ids = {c.proposal_id: c.id for c in session.candidates.all()}
    for deputy in [*deputies, *other_voters]:
        services.ballot_cast(deputy=deputy, session=session, choices=[ids[p.pk] for p in chosen])
    services.ballot_close(jurisdiction=jurisdiction, actor=staff, ballot_id=session.pk)

    for project, status, pct, department in (
        (road, "in_progress", 40, "县交通运输局"),
        (pond, "done", 100, "县住建局"),
        (station, "done", 100, "镇环卫所"),
    ):
        services.project_update(
            jurisdiction=jurisdiction,
            actor=staff,
            proposal_id=project.pk,
            status=status,
            progress_pct=pct,
            note="进展",
            department=department,
        )
    for project in (road, pond, station, square):
        project.refresh_from_db()
    for deputy in deputies[:2]:
        services.supervision_record(
            deputy=deputy,
            proposal=road,
            client_uuid=uuid.uuid4(),
            findings="路基已完成",
            visited_at=timezone.now(),
        )
    for deputy, satisfied in zip(deputies, (True, True, False), strict=True):
        services.evaluation_record(deputy=deputy, proposal=pond, satisfied=satisfied)
    return TownshipYear(call, road, pond, station, square, clinic, lamps, deputies)


def rate_by_citizens(proposal, ratings) -> None:
    """Citizens' ratings (1-5) of a done project, one device each, through the service of the
    public page (3 and up count as satisfied)."""
    for i, rating in enumerate(ratings):
        services.citizen_rating_record(
            proposal=proposal, rating=rating, device_token=f"device-{proposal.pk}-{i}", client_ip=""
        )
