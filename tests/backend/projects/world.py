"""A hand-built township's year for the projects funnel: a township of 长沙县 with 6 current
deputies of its congress, a staff member and a leader of the county, a leader elsewhere, and
one open call. Shared by the backend, phone-API and browser tests."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.liaison.models import CongressLevel
from backend.opinions.services import opinion_create
from backend.projects import services
from tests.factories import DeputyFactory, MandateFactory, RegionFactory, UserFactory, square

TOWNSHIP = "430121001"


@dataclass
class World:
    township: object
    staff: object
    leader: object
    other_leader: object
    deputies: list
    outsider: object
    call: object

    def staff_j(self):
        return jurisdiction_of(self.staff)


def deputy_of(region, username: str, level=CongressLevel.TOWNSHIP):
    deputy = DeputyFactory(region=region, user=UserFactory(username=username, role="deputy"))
    today = timezone.localdate()
    MandateFactory(
        deputy=deputy,
        level=level,
        congress_region=region,
        term_start=today - dt.timedelta(days=400),
        term_end=today + dt.timedelta(days=800),
    )
    return deputy


def build_world(n_deputies: int = 6) -> World:
    county = RegionFactory(adcode="430121", name="长沙县")
    township = RegionFactory(adcode=TOWNSHIP, name="星沙街道", boundary=square(113.0, 28.0, 0.05))
    other = RegionFactory(adcode="440785", name="恩平市", boundary=square(112.0, 22.0, 0.1))
    staff = UserFactory(username="pstaff", role="staff", jurisdiction=county)
    leader = UserFactory(username="pleader", role="leader", jurisdiction=county)
    other_leader = UserFactory(username="pother", role="leader", jurisdiction=other)
    deputies = [deputy_of(township, f"pdep{i}") for i in range(n_deputies)]
    outsider = deputy_of(county, "pcounty", level=CongressLevel.COUNTY)  # not of the township
    today = timezone.localdate()
    call = services.call_create(
        jurisdiction=jurisdiction_of(staff),
        actor=staff,
        region=township,
        year=today.year,
        title="星沙街道民生实事项目征集",
        opens_on=today - dt.timedelta(days=10),
        closes_on=today + dt.timedelta(days=20),
    )
    return World(township, staff, leader, other_leader, deputies, outsider, call)


def opinion_at(deputy, lon=113.01, lat=28.01, text="村口道路破损，雨天积水"):
    return opinion_create(
        deputy=deputy,
        client_uuid=uuid.uuid4(),
        category="roads",
        text=text,
        recorded_at=timezone.now(),
        lon=lon,
        lat=lat,
    ).opinion


def candidates(world: World, n: int) -> list:
    """n proposals taken through the five forms to the ballot."""
    out = []
    for i in range(n):
        proposal = services.proposal_create(
            jurisdiction=world.staff_j(),
            actor=world.staff,
            call=world.call,
            title=f"项目{i + 1}",
            description="说明",
            estimated_cost_yuan=100_000 * (i + 1),
            place=services.place_from_geojson(
                {"type": "Point", "coordinates": [113.01 + i * 0.001, 28.01]}
            ),
        )
        for stage in ("referred", "consulted", "reviewed", "candidate"):
            services.proposal_advance(
                jurisdiction=world.staff_j(),
                actor=world.staff,
                proposal_id=proposal.pk,
                to_stage=stage,
                reason=f"{stage} ok",
            )
        proposal.refresh_from_db()
        out.append(proposal)
    return out
