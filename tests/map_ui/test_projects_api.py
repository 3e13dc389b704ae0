"""The livelihood-projects operations of the map data API (issue 15) on the hand-built
township: the funnel per call, a call's proposals, a stage move, opening a ballot, the two
tellers' paper counts, closing only with `confirm: true`, the published result with the
turnout, a progress update and the projects layer. Nothing served names a voter."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.projects import services
from backend.projects.models import AnonymousBallot, BallotParticipation
from backend.regions.models import Region
from tests.backend.projects.world import build_world, candidates
from tests.factories import UserFactory

MAP = "/api/map/v1/"


@pytest.fixture
def world(db):
    return build_world()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, url, body):
    return client.post(MAP + url, json.dumps(body), content_type="application/json")


def _no_voter_in(world, session, *responses) -> None:
    """No response names a deputy who voted, or any stored ballot's key."""
    keys = [str(k) for k in AnonymousBallot.objects.values_list("id", flat=True)]
    voters = BallotParticipation.objects.filter(session=session).select_related("deputy__user")
    for response in responses:
        text = response.content.decode()
        assert "deputy" not in text and "has_voted" not in text
        for key in keys:
            assert key not in text
        for p in voters:
            assert p.deputy.user.username not in text and p.deputy.name not in text


def test_the_funnel_the_vote_and_the_published_result(world):
    staff = _client(world.staff)
    props = candidates(world, 3)
    collected = services.proposal_create(
        jurisdiction=world.staff_j(),
        actor=world.staff,
        call=world.call,
        title="新增路灯",
        description="夜间无照明",
        estimated_cost_yuan=50_000,
    )
    calls = staff.get(MAP + "project-calls").json()["results"]
    assert calls[0]["funnel"] == {"collected": 4, "shortlisted": 3, "voted": 0, "implemented": 0}
    assert calls[0]["satisfaction"]["bar_pct"] == 90

    answer = _post(staff, f"proposals/{collected.pk}/advance", {"to_stage": "referred"})
    assert (answer.status_code, answer.json()["field"]) == (400, "reason")
    answer = _post(
        staff, f"proposals/{collected.pk}/advance", {"to_stage": "referred", "reason": "交办"}
    )
    assert answer.status_code == 200 and answer.json()["stage"] == "referred"
    assert answer.json()["next_stages"] == ["consulted", "rejected"]
    rows = staff.get(MAP + f"project-calls/{world.call.pk}/proposals").json()["results"]
    assert [r["stage"] for r in rows] == ["candidate"] * 3 + ["referred"]

    opened = _post(
        staff,
        f"project-calls/{world.call.pk}/ballots",
        {"title": "票决", "proposal_ids": [p.pk for p in props], "max_choices": 3},
    )
    assert (opened.status_code, opened.json()["code"]) == (400, "ballot.invalid_candidates")
    opened = _post(
        staff,
        f"project-calls/{world.call.pk}/ballots",
        {"title": "票决", "proposal_ids": [p.pk for p in props], "max_choices": 2},
    )
    assert opened.status_code == 201
    ballot = opened.json()
    c = [x["id"] for x in ballot["candidates"]]
    from backend.projects.models import BallotSession

    session = BallotSession.objects.get(pk=ballot["id"])
    for deputy, choices in zip(world.deputies[:3], ([c[0], c[1]], [c[0]], []), strict=True):
        services.ballot_cast(deputy=deputy, session=session, choices=choices)
    detail = staff.get(MAP + f"ballots/{session.pk}")
    assert detail.json()["voted_count"] == 3 and detail.json()["turnout"] is None

    county = Region.objects.get(adcode="430121")
    second = _client(UserFactory(username="pteller2", role="staff", jurisdiction=county))
    paper = {
        "ballots": 2,
        "blank": 0,
        "invalid": 0,
        "votes": {str(c[0]): 2, str(c[1]): 1, str(c[2]): 0},
    }
    first = _post(staff, f"ballots/{session.pk}/paper-counts", paper)
    assert first.status_code == 201 and first.json()["matched"] is False
    assert first.json()["ballot"]["paper_entries"][0]["ballots"] is None  # blind for teller 2
    mismatch = _post(
        second,
        f"ballots/{session.pk}/paper-counts",
        dict(paper, votes={**paper["votes"], str(c[2]): 1}),
    )
    assert (mismatch.status_code, mismatch.json()["code"]) == (409, "ballot.paper_mismatch")
    assert mismatch.json()["differences"] == [
        {"line": f"candidate:{c[2]}", "first": 0, "second": 1}
    ]
    assert _post(staff, f"ballots/{session.pk}/paper-counts", paper).status_code == 201
    assert _post(second, f"ballots/{session.pk}/paper-counts", paper).json()["matched"] is True

    refused = _post(staff, f"ballots/{session.pk}/close", {})
    assert (refused.status_code, refused.json()["field"]) == (400, "confirm")
    assert _post(staff, f"ballots/{session.pk}/close", {"confirm": "yes"}).status_code == 400
    leader = _client(world.leader)
    assert _post(leader, f"ballots/{session.pk}/close", {"confirm": True}).status_code == 403
    closed = _post(staff, f"ballots/{session.pk}/close", {"confirm": True})
    assert closed.status_code == 200
    result = closed.json()
    assert (result["status"], result["turnout"], result["turnout_pct"]) == ("closed", 5, 83.3)
    assert (result["blank_count"], result["paper_count"], result["quorum_met"]) == (1, 2, True)
    assert [(x["votes"], x["result"]) for x in result["candidates"]] == [
        (4, "elected"),
        (2, "not_elected"),
        (0, "not_elected"),
    ]
    published = leader.get(MAP + f"ballots/{session.pk}")
    assert published.status_code == 200 and published.json()["turnout"] == 5

    update = _post(
        staff,
        f"proposals/{props[0].pk}/updates",
        {"status": "in_progress", "progress_pct": 40, "note": "路基完成", "department": "县交通局"},
    )
    assert update.status_code == 201 and update.json()["progress_pct"] == 40
    layer = staff.get(MAP + "projects.geojson")
    assert layer["Content-Type"] == "application/geo+json"
    features = {f["id"]: f["properties"] for f in layer.json()["features"]}
    assert features[props[0].pk]["status"] == "in_progress"
    assert features[props[0].pk]["progress_pct"] == 40
    assert props[1].pk not in features  # not chosen: off the layer
    calls = leader.get(MAP + "project-calls").json()["results"]
    assert calls[0]["funnel"]["voted"] == 1
    _no_voter_in(world, session, detail, first, closed, published, layer)


def test_a_leader_of_another_county_sees_nothing(world):
    props = candidates(world, 3)
    session = services.ballot_open(
        jurisdiction=world.staff_j(),
        actor=world.staff,
        call=world.call,
        title="票决",
        proposal_ids=[p.pk for p in props],
        max_choices=2,
    )
    other = _client(world.other_leader)
    assert other.get(MAP + "project-calls").json()["results"] == []
    assert other.get(MAP + "projects.geojson").json()["features"] == []
    for url in (f"project-calls/{world.call.pk}/proposals", f"ballots/{session.pk}"):
        mine, missing = (
            other.get(MAP + url),
            other.get(
                MAP
                + url.replace(str(world.call.pk), "987654321").replace(str(session.pk), "987654321")
            ),
        )
        assert mine.status_code == 404 and mine.content == missing.content


def _hand_built(world):
    """The hand-built township's year (known numbers) beside the world's open call, and a
    county-level call of another county with a placed candidate."""
    from tests.backend.projects.township_year import build_township_year

    year = build_township_year(
        staff=world.staff,
        township=world.township,
        lon=113.0,
        lat=28.0,
        prefix="tf",
        year=world.call.year - 1,
        other_voters=world.deputies,
    )
    other = Region.objects.get(adcode="440785")
    other_staff = UserFactory(username="pother-staff", role="staff", jurisdiction=other)
    from tests.backend.projects.township_year import propose

    call = services.call_create(
        jurisdiction=jurisdiction_of(other_staff),
        actor=other_staff,
        region=other,
        year=world.call.year,
        title="恩平市民生实事项目征集",
        opens_on=world.call.opens_on,
        closes_on=world.call.closes_on,
    )
    propose(other_staff, call, "恩平项目", 1000, {"type": "Point", "coordinates": [112.05, 22.05]})
    return year


def test_the_projects_layer_of_a_region_with_its_popup_facts(world):
    year = _hand_built(world)
    answer = _client(world.leader).get(MAP + "projects.geojson", {"region": "430121001"})
    assert answer.status_code == 200
    features = {f["properties"]["title"]: f for f in answer.json()["features"]}
    assert {t: f["properties"]["status"] for t, f in features.items()} == {
        "村道硬化": "in_progress",
        "污水处理池": "evaluated",
        "垃圾中转站": "done",
        "文化广场": "chosen",
        "卫生室": "candidate",
    }
    assert [features[t]["geometry"]["type"] for t in ("村道硬化", "污水处理池", "垃圾中转站")] == [
        "LineString",
        "Point",
        "Polygon",
    ]
    today = timezone.localdate().isoformat()
    assert features["村道硬化"]["properties"] == {
        "id": year.road.pk,
        "call_id": year.call.pk,
        "title": "村道硬化",
        "status": "in_progress",
        "progress_pct": 40,
        "department": "县交通运输局",
        "budget_yuan": 1_980_000,
        "supervision_count": 2,
        "evaluation_count": 0,
        "satisfaction_pct": None,
        "satisfaction_bar_pct": 90,
        "updated_on": today,
    }
    pond = features["污水处理池"]["properties"]
    assert (pond["satisfaction_pct"], pond["evaluation_count"]) == (66.7, 3)
    assert features["文化广场"]["properties"]["updated_on"] is None

    # The other county's project is on its own leader's layer only; their region is a 404.
    assert "恩平项目" not in features
    other = _client(world.other_leader)
    theirs = other.get(MAP + "projects.geojson").json()["features"]
    assert [f["properties"]["title"] for f in theirs] == ["恩平项目"]
    for url in ("projects.geojson", "project-funnel"):
        refused = other.get(MAP + url, {"region": "430121001"})
        missing = other.get(MAP + url, {"region": "440785999"})
        assert refused.status_code == missing.status_code == 404
        assert refused.content == missing.content
        bad = other.get(MAP + url, {"region": "x1"})
        assert (bad.status_code, bad.json()["code"]) == (400, "map.invalid_region")


def test_the_funnel_per_township_of_a_region(world, django_assert_num_queries):
    year = _hand_built(world)
    # Citizens rate the pond too (3 of 4 satisfied), beside the deputies' 2 of 3.
    from tests.backend.projects.township_year import rate_by_citizens

    rate_by_citizens(year.pond, (5, 3, 3, 2))
    leader = _client(world.leader)
    leader.get(MAP + "project-funnel")  # the session's jurisdiction remembered
    # session, user, jurisdiction, the region; then regions, funnel and scores (deputies' and
    # citizens' in one): none per row
    with django_assert_num_queries(7):
        answer = leader.get(MAP + "project-funnel", {"region": "430121"})
    assert answer.status_code == 200
    assert answer.json() == {
        "results": [
            {
                "adcode": "430121001",
                "name": "星沙街道",
                "calls": 2,
                "funnel": {"collected": 8, "shortlisted": 6, "voted": 4, "implemented": 2},
                "satisfaction": {
                    "evaluations": 7,
                    "satisfied": 5,
                    "pct": 71.4,
                    "deputies": 3,
                    "deputies_pct": 66.7,
                    "citizens": 4,
                    "citizens_pct": 75.0,
                    "bar_pct": 90,
                    "meets_bar": False,
                },
            }
        ]
    }
    # The same pooled satisfaction on the layer's popup and on the call's card.
    layer = leader.get(MAP + "projects.geojson", {"region": "430121001"}).json()["features"]
    pond = next(f["properties"] for f in layer if f["id"] == year.pond.pk)
    assert (pond["satisfaction_pct"], pond["evaluation_count"]) == (71.4, 3)
    cards = leader.get(MAP + "project-calls").json()["results"]
    card = next(c for c in cards if c["id"] == year.call.pk)
    assert card["satisfaction"] == answer.json()["results"][0]["satisfaction"]
    other = _client(world.other_leader).get(MAP + "project-funnel").json()["results"]
    assert [(r["adcode"], r["funnel"]["collected"]) for r in other] == [("440785", 1)]


def test_staff_open_a_call_and_a_ballot_with_its_rules(world):
    """The page's two forms: a call (township or county, year, dates; closing before opening
    is an invalid `closes_on`, not a clash) and a ballot with seats < candidates, minimum
    choices, the quorum and the session date, counted with that quorum."""
    staff = _client(world.staff)
    body = {
        "region": "430121",
        "year": 2027,
        "title": "长沙县2027年民生实事项目征集",
        "opens_on": "2027-01-10",
        "closes_on": "2027-01-01",
    }
    bad = _post(staff, "project-calls", body)
    assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (
        400,
        "project.invalid_field",
        "closes_on",
    )
    created = _post(staff, "project-calls", dict(body, closes_on="2027-03-01"))
    assert created.status_code == 201, created.content
    call = created.json()
    assert (call["adcode"], call["region_name"], call["year"]) == ("430121", "长沙县", 2027)
    assert (call["opens_on"], call["closes_on"]) == ("2027-01-10", "2027-03-01")
    assert call["public_url"] == f"/p/call/{call['id']}/"
    assert call["funnel"] == {"collected": 0, "shortlisted": 0, "voted": 0, "implemented": 0}
    twice = _post(staff, "project-calls", dict(body, closes_on="2027-03-01"))
    assert (twice.status_code, twice.json()["code"]) == (409, "project.call_exists")
    for field, value in (("opens_on", "2027-02-30"), ("year", "2027"), ("region", "43")):
        answer = _post(staff, "project-calls", dict(body, **{field: value}))
        assert (answer.status_code, answer.json()["field"]) == (400, field)
    assert _post(_client(world.leader), "project-calls", body).status_code == 403
    elsewhere = _post(staff, "project-calls", dict(body, region="440785"))
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "region.not_found")

    props = candidates(world, 3)
    url = f"project-calls/{world.call.pk}/ballots"
    ballot = {
        "title": "票决",
        "proposal_ids": [p.pk for p in props],
        "max_choices": 2,
        "min_choices": 1,
        "quorum": "two_thirds",
        "session_on": "2026-01-15",
    }
    assert _post(staff, url, dict(ballot, quorum="all")).json()["field"] == "quorum"
    assert _post(staff, url, dict(ballot, session_on="15/01/2026")).json()["field"] == (
        "session_on"
    )
    full = _post(staff, url, dict(ballot, max_choices=3))
    assert (full.status_code, full.json()["code"]) == (400, "ballot.invalid_candidates")
    opened = _post(staff, url, ballot)
    assert opened.status_code == 201, opened.content
    detail = opened.json()
    assert (detail["quorum"], detail["session_on"], detail["min_choices"]) == (
        "two_thirds",
        "2026-01-15",
        1,
    )
    from backend.projects.models import BallotSession

    session = BallotSession.objects.get(pk=detail["id"])
    first = detail["candidates"][0]["id"]
    for deputy in world.deputies[:3]:  # 3 of 6: more than half would not do, two thirds not met
        services.ballot_cast(deputy=deputy, session=session, choices=[first])
    closed = _post(staff, f"ballots/{session.pk}/close", {"confirm": True}).json()
    assert (closed["turnout"], closed["quorum_met"]) == (3, False)
    assert [c["result"] for c in closed["candidates"]] == ["not_elected"] * 3


def test_the_quorum_rules():
    assert services.quorum_met("half", 4, 6) and not services.quorum_met("half", 3, 6)
    assert services.quorum_met("two_thirds", 4, 6) and not services.quorum_met("two_thirds", 3, 6)
    assert not services.quorum_met("two_thirds", 0, 0)
