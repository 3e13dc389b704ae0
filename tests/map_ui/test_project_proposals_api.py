"""Creating proposals through the map data API (issue 15, 征): a staff proposal into a call
(the /projects/ page's form) and the dashboard's one click from an opinion cluster into the
call open today for its township, its opinions kept as evidence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from backend.projects.models import Proposal, ProposalEvidence, ProposalSource
from tests.backend.projects.world import build_world, opinion_at
from tests.factories import RegionFactory, UserFactory, square
from tests.map_ui.test_projects_api import MAP, _client, _post

PLACE = "project.invalid_place"


@pytest.fixture
def world(db):
    return build_world()


def _cluster(world, n=3):
    """n opinions within 100 m of each other in the township: one cluster of the map."""
    opinions = [opinion_at(world.deputies[0], lon=113.01 + i * 0.0005, lat=28.01) for i in range(n)]
    staff = _client(world.staff)
    fc = staff.get(MAP + "clusters.geojson", {"region": world.township.adcode, "days": 90}).json()
    assert len(fc["features"]) == 1
    return opinions, fc["features"][0]["id"]


def test_a_staff_proposal_with_its_place_and_sources(world):
    evidence = opinion_at(world.deputies[0])
    staff = _client(world.staff)
    body = {
        "title": "村口路灯",
        "description": "夜间无照明，老人出行不便",
        "estimated_cost_yuan": 80_000,
        "place": {"type": "Point", "coordinates": [113.02, 28.02]},
        "opinion_ids": [evidence.pk],
    }
    answer = _post(staff, f"project-calls/{world.call.pk}/proposals", body)
    assert answer.status_code == 201, answer.content
    proposal = Proposal.objects.get()
    assert answer.json()["proposal"] == {
        "id": proposal.pk,
        "call_id": world.call.pk,
        "title": "村口路灯",
        "description": "夜间无照明，老人出行不便",
        "estimated_cost_yuan": 80_000,
        "source": "cluster",  # opinions as its sources
        "citizen_contact": "",
        "stage": "collected",
        "next_stages": ["referred", "rejected"],
        "merged_into_id": None,
        "has_place": True,
        "department": "",
        "budget_yuan": None,
        "status": "",
        "progress_pct": 0,
        "evidence_count": 1,
        "supervision_count": 0,
        "evaluation_count": 0,
        "satisfaction_pct": None,
        "rating_url": None,
    }
    assert answer.json()["call"]["funnel"]["collected"] == 1
    assert proposal.place.coords == pytest.approx((113.02, 28.02))
    assert proposal.proposed_by == world.staff

    plain = _post(staff, f"project-calls/{world.call.pk}/proposals", {**body, "opinion_ids": []})
    assert plain.json()["proposal"]["source"] == ProposalSource.STAFF


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"title": "  "}, 400, "project.invalid_field", "title"),
        ({"description": None}, 400, "project.invalid_field", "description"),
        ({"estimated_cost_yuan": -1}, 400, "project.invalid_field", "estimated_cost_yuan"),
        ({"estimated_cost_yuan": 10**13}, 400, "project.invalid_field", "estimated_cost_yuan"),
        (
            {"place": {"type": "Point", "coordinates": [120.0, 30.0]}},
            400,
            "project.invalid_place",
            None,
        ),
        (
            {"place": {"type": "Point", "coordinates": [113.0, "x"]}},
            400,
            "project.invalid_place",
            None,
        ),
        ({"opinion_ids": [987654321]}, 400, "project.invalid_evidence", None),
        ({"opinion_ids": "1,2"}, 400, "project.invalid_field", "opinion_ids"),
    ],
)
def test_invalid_proposals_are_refused_with_their_code(world, change, status, code, field):
    body = {"title": "路灯", "description": "说明", "estimated_cost_yuan": 1, **change}
    answer = _post(_client(world.staff), f"project-calls/{world.call.pk}/proposals", body)
    assert (answer.status_code, answer.json()["code"], answer.json().get("field")) == (
        status,
        code,
        field,
    )
    assert not Proposal.objects.exists()


def test_one_click_turns_a_cluster_into_a_proposal_of_the_open_call(world):
    opinions, cluster_id = _cluster(world)
    outside = opinion_at(world.deputies[0], lon=113.04, lat=28.04)  # not of the cluster
    staff = _client(world.staff)
    ref = {"id": cluster_id, "region": world.township.adcode, "days": 90}
    answer = _post(staff, "proposals", {"cluster": ref})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["call"]["id"] == world.call.pk
    assert body["proposal"]["source"] == "cluster"
    assert body["proposal"]["evidence_count"] == 3
    assert body["proposal"]["title"] == "此处群众意见集中：道路交通 (3)"
    proposal = Proposal.objects.get()
    assert sorted(ProposalEvidence.objects.values_list("opinion_id", flat=True)) == sorted(
        o.pk for o in opinions
    )
    assert outside.pk not in ProposalEvidence.objects.values_list("opinion_id", flat=True)
    assert proposal.place.geom_type == "Point"
    assert proposal.place.x == pytest.approx(113.0105, abs=1e-6)

    again = _post(staff, "proposals", {"cluster": ref})
    assert (again.status_code, again.json()["code"], again.json()["id"]) == (
        409,
        "project.cluster_proposed",
        proposal.pk,
    )
    # the page's own call path takes a cluster too, with a title of its own
    titled = _post(
        staff,
        f"project-calls/{world.call.pk}/proposals",
        {"cluster": ref, "title": "修路", "estimated_cost_yuan": 5},
    )
    assert titled.status_code == 409  # the same opinions: still the one proposal
    assert Proposal.objects.count() == 1


def test_no_open_call_is_a_clear_error(world):
    _opinions, cluster_id = _cluster(world)
    today = timezone.localdate()
    type(world.call).objects.filter(pk=world.call.pk).update(
        opens_on=today - dt.timedelta(days=60), closes_on=today - dt.timedelta(days=1)
    )
    answer = _post(
        _client(world.staff),
        "proposals",
        {"cluster": {"id": cluster_id, "region": world.township.adcode, "days": 90}},
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "project.no_open_call"
    assert "征集" in answer.json()["message"]
    assert not Proposal.objects.exists()


def test_who_may_turn_a_cluster_into_a_proposal(world):
    _opinions, cluster_id = _cluster(world)
    ref = {"cluster": {"id": cluster_id, "region": world.township.adcode, "days": 90}}
    other = RegionFactory(adcode="430182", name="宁乡市", boundary=square(112.5, 28.2, 0.1))
    other_staff = UserFactory(username="ostaff", role="staff", jurisdiction=other)
    for user, status, code in (
        (world.leader, 403, "project.not_allowed"),  # reads only
        (world.other_leader, 403, "project.not_allowed"),
        (world.deputies[0].user, 404, "region.not_found"),  # no region-wide reads
        (other_staff, 404, "project.no_cluster"),  # the township is outside: no such cluster
    ):
        answer = _post(_client(user), "proposals", ref)
        assert (answer.status_code, answer.json()["code"]) == (status, code), user
        on_call = _post(_client(user), f"project-calls/{world.call.pk}/proposals", {"title": "x"})
        assert on_call.status_code == status
    missing = _post(_client(other_staff), "project-calls/987654321/proposals", {"title": "x"})
    foreign = _post(
        _client(other_staff), f"project-calls/{world.call.pk}/proposals", {"title": "x"}
    )
    assert missing.content == foreign.content  # missing and forbidden look the same
    gone = _post(_client(world.staff), "proposals", {"cluster": {**ref["cluster"], "id": 1}})
    assert (gone.status_code, gone.json()["code"]) == (404, "project.no_cluster")
    assert _post(_client(world.staff), "proposals", {"title": "x"}).json()["field"] == "cluster"
    assert not Proposal.objects.exists()
