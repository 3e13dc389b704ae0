"""A citizen's number on a livelihood-project proposal is kept 180 days after the proposal is
settled (not taken forward, merged, not chosen, or chosen and built), as an opinion's number
after it is closed; the intake's daily job `intake.purge_contacts` clears both."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import caches
from django.utils import timezone

from backend.intake.tasks import purge_contacts
from backend.projects import services
from backend.projects.models import Proposal, ProposalStage
from tests.backend.projects.world import build_world


@pytest.fixture
def world(db):
    caches["mobile_api_throttle"].clear()
    yield build_world()
    caches["mobile_api_throttle"].clear()


def _citizen(world, title: str, phone: str) -> Proposal:
    return services.proposal_create_by_citizen(
        call=world.call,
        title=title,
        description="说明",
        lon=None,
        lat=None,
        phone=phone,
        consent=True,
        client_ip=f"10.0.0.{phone[-1]}",
    )


def _contacts() -> dict[str, tuple[str, bool]]:
    return {
        p.title: (p.citizen_contact, p.contact_consent) for p in Proposal.objects.order_by("title")
    }


def test_the_daily_job_clears_numbers_180_days_after_a_proposal_settles(world):
    staff = world.staff_j()
    rejected = _citizen(world, "a 不采纳", "13800000001")
    _open = _citizen(world, "b 仍在征集", "13800000002")
    built = _citizen(world, "c 已建成", "13800000003")
    services.proposal_advance(
        jurisdiction=staff,
        actor=world.staff,
        proposal_id=rejected.pk,
        to_stage=ProposalStage.REJECTED,
        reason="不属于民生实事范围",
    )
    Proposal.objects.filter(pk=built.pk).update(stage=ProposalStage.CHOSEN, status="planned")
    services.project_update(
        jurisdiction=staff,
        actor=world.staff,
        proposal_id=built.pk,
        status="done",
        progress_pct=100,
        note="完工",
    )
    kept = {
        "a 不采纳": ("13800000001", True),
        "b 仍在征集": ("13800000002", True),
        "c 已建成": ("13800000003", True),
    }
    now = timezone.now()
    with time_machine.travel(now + dt.timedelta(days=179), tick=False):
        assert purge_contacts() == 0
    assert _contacts() == kept
    with time_machine.travel(now + dt.timedelta(days=181), tick=False):
        assert purge_contacts() == 2  # the job: the settled two
        assert purge_contacts() == 0  # and again: nothing left
    assert _contacts() == {
        "a 不采纳": ("", False),
        "b 仍在征集": ("13800000002", True),  # not settled: kept
        "c 已建成": ("", False),
    }
    # the rest of each proposal stays, as a record
    assert Proposal.objects.get(pk=rejected.pk).stage == ProposalStage.REJECTED
    assert Proposal.objects.get(pk=built.pk).status == "done"
