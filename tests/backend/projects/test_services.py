"""The funnel on a hand-built township: collect, shortlist, merge, the secret competitive vote,
implementation, supervision and evaluation, and what other callers see."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone, translation

from backend.accounts.access import jurisdiction_of
from backend.core import error_codes as codes
from backend.core.errors import DomainError, NotFound
from backend.projects import selectors, services
from backend.projects.access import (
    access_ballot_by_id,
    access_call_by_id,
    access_proposal_by_id,
)
from backend.projects.models import (
    AnonymousBallot,
    BallotParticipation,
    ProposalStage,
)

from .world import build_world, candidates, opinion_at


@pytest.fixture
def world(db):
    return build_world()


def _code(excinfo) -> str:
    return excinfo.value.code


def test_a_cluster_becomes_a_proposal_keeping_its_opinions(world):
    opinions = [opinion_at(world.deputies[0]) for _ in range(3)]
    proposal = services.proposal_create(
        jurisdiction=world.staff_j(),
        actor=world.staff,
        call=world.call,
        title="村口道路硬化",
        description="三条意见聚集",
        estimated_cost_yuan=800_000,
        place=services.place_from_geojson(
            {"type": "LineString", "coordinates": [[113.01, 28.01], [113.02, 28.02]]}
        ),
        opinion_ids=[o.pk for o in opinions],
    )
    assert proposal.source == "cluster"
    assert sorted(proposal.evidence.values_list("opinion_id", flat=True)) == sorted(
        o.pk for o in opinions
    )
    assert proposal.place.geom_type == "LineString"


def test_evidence_outside_the_call_or_place_outside_the_region_is_refused(world):
    kwargs = {
        "jurisdiction": world.staff_j(),
        "actor": world.staff,
        "call": world.call,
        "title": "t",
        "description": "d",
        "estimated_cost_yuan": 1,
    }
    with pytest.raises(DomainError) as excinfo:
        services.proposal_create(**kwargs, opinion_ids=[999_999])
    assert _code(excinfo) == codes.PROJECT_INVALID_EVIDENCE.code
    with pytest.raises(DomainError) as excinfo:
        services.proposal_create(
            **kwargs, place=services.place_from_geojson({"type": "Point", "coordinates": [90, 40]})
        )
    assert _code(excinfo) == codes.PROJECT_INVALID_PLACE.code
    for bad in ({"type": "Point"}, {"type": "Nope", "coordinates": 1}, {"coordinates": "x"}):
        with pytest.raises(DomainError):
            services.place_from_geojson(bad)


def test_the_five_forms_are_stages_with_who_when_why(world):
    (proposal,) = candidates(world, 1)
    history = list(proposal.stages.values_list("from_stage", "to_stage", "actor_id", "reason"))
    assert history == [
        ("collected", "referred", world.staff.pk, "referred ok"),
        ("referred", "consulted", world.staff.pk, "consulted ok"),
        ("consulted", "reviewed", world.staff.pk, "reviewed ok"),
        ("reviewed", "candidate", world.staff.pk, "candidate ok"),
    ]
    with pytest.raises(DomainError) as excinfo:
        services.proposal_advance(
            jurisdiction=world.staff_j(),
            actor=world.staff,
            proposal_id=proposal.pk,
            to_stage="referred",
            reason="again",
        )
    assert _code(excinfo) == codes.PROJECT_INVALID_STAGE.code


def test_a_stage_needs_a_reason_and_the_leader_cannot_move_it(world):
    proposal = services.proposal_create(
        jurisdiction=world.staff_j(),
        actor=world.staff,
        call=world.call,
        title="t",
        description="d",
        estimated_cost_yuan=1,
    )
    with pytest.raises(DomainError) as excinfo:
        services.proposal_advance(
            jurisdiction=world.staff_j(),
            actor=world.staff,
            proposal_id=proposal.pk,
            to_stage="referred",
            reason="  ",
        )
    assert _code(excinfo) == codes.PROJECT_REASON_REQUIRED.code
    with pytest.raises(NotFound):
        services.proposal_advance(
            jurisdiction=jurisdiction_of(world.leader),
            actor=world.leader,
            proposal_id=proposal.pk,
            to_stage="referred",
            reason="x",
        )


def test_merging_a_duplicate_moves_its_evidence(world):
    a_op, b_op = opinion_at(world.deputies[0]), opinion_at(world.deputies[1])
    make = lambda ops: services.proposal_create(  # noqa: E731
        jurisdiction=world.staff_j(),
        actor=world.staff,
        call=world.call,
        title="路灯",
        description="d",
        estimated_cost_yuan=1,
        opinion_ids=[o.pk for o in ops],
    )
    kept, duplicate = make([a_op]), make([b_op, a_op])
    services.proposal_merge(
        jurisdiction=world.staff_j(),
        actor=world.staff,
        duplicate_id=duplicate.pk,
        into_id=kept.pk,
        reason="同一路段",
    )
    duplicate.refresh_from_db()
    assert (duplicate.stage, duplicate.merged_into_id) == ("merged", kept.pk)
    assert sorted(kept.evidence.values_list("opinion_id", flat=True)) == sorted([a_op.pk, b_op.pk])
    with pytest.raises(DomainError):
        services.proposal_merge(
            jurisdiction=world.staff_j(),
            actor=world.staff,
            duplicate_id=kept.pk,
            into_id=duplicate.pk,
            reason="x",
        )


def _open(world, props, seats=2, minimum=0):
    return services.ballot_open(
        jurisdiction=world.staff_j(),
        actor=world.staff,
        call=world.call,
        title="2026年民生实事项目票决",
        proposal_ids=[p.pk for p in props],
        max_choices=seats,
        min_choices=minimum,
    )


def _cids(session):
    return list(session.candidates.order_by("position").values_list("id", flat=True))


def test_a_ballot_must_be_competitive(world):
    props = candidates(world, 3)
    with pytest.raises(DomainError) as excinfo:
        _open(world, props, seats=3)
    assert _code(excinfo) == codes.BALLOT_INVALID_CANDIDATES.code
    collected = services.proposal_create(
        jurisdiction=world.staff_j(),
        actor=world.staff,
        call=world.call,
        title="t",
        description="d",
        estimated_cost_yuan=1,
    )
    with pytest.raises(DomainError):
        _open(world, [*props, collected], seats=2)
    session = _open(world, props, seats=2)
    assert session.eligible_count == 6  # the township's deputies, not the county's
    with pytest.raises(DomainError):  # the same candidates in a second open ballot
        _open(world, props, seats=1)


def test_the_vote_rules_and_the_published_result(world):
    props = candidates(world, 4)
    session = _open(world, props, seats=2, minimum=1)
    c = _cids(session)
    d = world.deputies
    cast = lambda i, choices: services.ballot_cast(  # noqa: E731
        deputy=d[i], session=session, choices=choices
    )
    for choices, code in (
        ([c[0], c[1], c[2]], codes.BALLOT_TOO_MANY_CHOICES),
        ([c[0], c[0]], codes.BALLOT_INVALID_CHOICE),
        ([999_999], codes.BALLOT_INVALID_CHOICE),
    ):
        with pytest.raises(DomainError) as excinfo:
            cast(0, choices)
        assert _code(excinfo) == code.code
    with pytest.raises(DomainError) as excinfo:
        services.ballot_cast(deputy=world.outsider, session=session, choices=[c[0]])
    assert _code(excinfo) == codes.BALLOT_NOT_ELIGIBLE.code
    cast(0, [c[0], c[1]])
    cast(1, [c[0], c[1]])
    cast(2, [c[0]])
    cast(3, [c[0], c[2]])
    cast(4, [])  # blank: counted as turnout
    with pytest.raises(DomainError) as excinfo:
        cast(0, [c[3]])
    assert _code(excinfo) == codes.BALLOT_ALREADY_VOTED.code
    assert BallotParticipation.objects.filter(session=session).count() == 5
    detail = selectors.ballot_detail(session=session, deputy_id=d[0].pk)
    assert detail["has_voted"] is True and detail["turnout"] is None
    assert all(x["votes"] is None for x in detail["candidates"])

    closed = services.ballot_close(
        jurisdiction=world.staff_j(), actor=world.staff, ballot_id=session.pk
    )
    assert (closed.turnout, closed.blank_count, closed.quorum_met) == (5, 1, True)
    detail = selectors.ballot_detail(session=closed)
    assert [(x["votes"], x["result"]) for x in detail["candidates"]] == [
        (4, "elected"),
        (2, "not_elected"),  # 2 of 5 is not more than half
        (1, "not_elected"),
        (0, "not_elected"),
    ]
    props[0].refresh_from_db()
    assert (props[0].stage, props[0].status, props[0].budget_yuan) == ("chosen", "planned", 100_000)
    with pytest.raises(DomainError) as excinfo:
        cast(5, [c[0]])
    assert _code(excinfo) == codes.BALLOT_CLOSED.code


def test_a_tie_for_the_last_seat_is_left_to_a_run_off(world):
    props = candidates(world, 3)
    session = _open(world, props, seats=1)
    c = _cids(session)
    for i, choice in enumerate([c[0], c[0], c[0], c[1], c[1], c[1]]):
        services.ballot_cast(deputy=world.deputies[i], session=session, choices=[choice])
    session = services.ballot_close(
        jurisdiction=world.staff_j(), actor=world.staff, ballot_id=session.pk
    )
    results = [x["result"] for x in selectors.ballot_detail(session=session)["candidates"]]
    assert results == ["not_elected", "not_elected", "not_elected"]  # 3 of 6: no majority
    # With majorities: 2 seats, two at 4 votes each over a third at 4 → tie for the seats.
    assert services._results(
        [{"id": 1, "votes": 5}, {"id": 2, "votes": 4}, {"id": 3, "votes": 4}], 2, 6, True
    ) == {1: "elected", 2: "tied", 3: "tied"}
    assert services._results([{"id": 1, "votes": 6}], 1, 6, False) == {1: "not_elected"}


def test_without_quorum_nobody_is_chosen(world):
    props = candidates(world, 2)
    session = _open(world, props, seats=1)
    for i in range(3):  # 3 of 6: not more than half
        services.ballot_cast(deputy=world.deputies[i], session=session, choices=[_cids(session)[0]])
    closed = services.ballot_close(
        jurisdiction=world.staff_j(), actor=world.staff, ballot_id=session.pk
    )
    assert closed.quorum_met is False
    assert {p.stage for p in type(props[0]).objects.filter(pk__in=[p.pk for p in props])} == {
        ProposalStage.NOT_CHOSEN
    }


def test_nothing_stored_links_a_ballot_to_its_voter(world):
    session = _open(world, candidates(world, 3), seats=2)
    c = _cids(session)
    for i in range(4):
        services.ballot_cast(deputy=world.deputies[i], session=session, choices=[c[i % 3]])
    columns = {f.column for f in AnonymousBallot._meta.get_fields() if hasattr(f, "column")}
    assert columns == {"id", "session_id", "choices"}
    part = {f.column for f in BallotParticipation._meta.get_fields() if hasattr(f, "column")}
    assert part == {"id", "session_id", "deputy_id"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_name IN ('projects_anonymousballot', 'projects_ballotparticipation')"
        )
        types = dict(cursor.fetchall())
    assert not any("time" in t or "date" in t for t in types.values())
    before = set(AnonymousBallot.objects.values_list("id", flat=True))
    services.ballot_close(jurisdiction=world.staff_j(), actor=world.staff, ballot_id=session.pk)
    after = set(AnonymousBallot.objects.values_list("id", flat=True))
    assert len(after) == 4 and not (before & after)  # rewritten under new keys at the close
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT xmin::text) FROM projects_anonymousballot WHERE session_id = %s",
            [session.pk],
        )
        assert cursor.fetchone()[0] == 1  # one transaction id for all: no order left


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_ballots_of_one_deputy_make_one_row():
    world = build_world(n_deputies=2)
    session = _open(world, candidates(world, 3), seats=2)
    c = _cids(session)
    barrier = threading.Barrier(2)
    outcomes: list = []

    def vote(choice):
        try:
            barrier.wait()
            services.ballot_cast(deputy=world.deputies[0], session=session, choices=[choice])
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(c[i],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == sorted(["ok", codes.BALLOT_ALREADY_VOTED.code])
    assert BallotParticipation.objects.filter(session=session).count() == 1
    assert AnonymousBallot.objects.filter(session=session).count() == 1


def test_implement_supervise_evaluate(world):
    props = candidates(world, 2)
    session = _open(world, props, seats=1)
    for i in range(4):
        services.ballot_cast(deputy=world.deputies[i], session=session, choices=[_cids(session)[0]])
    services.ballot_close(jurisdiction=world.staff_j(), actor=world.staff, ballot_id=session.pk)
    project = props[0]
    services.project_update(
        jurisdiction=world.staff_j(),
        actor=world.staff,
        proposal_id=project.pk,
        status="in_progress",
        progress_pct=40,
        note="路基完成",
        department="县交通运输局",
    )
    with pytest.raises(DomainError) as excinfo:
        services.project_update(
            jurisdiction=world.staff_j(),
            actor=world.staff,
            proposal_id=props[1].pk,
            status="in_progress",
            progress_pct=10,
            note="x",
        )
    assert _code(excinfo) == codes.PROJECT_NOT_CHOSEN.code
    deputy = world.deputies[0]
    seen = access_proposal_by_id(
        jurisdiction=jurisdiction_of(deputy.user).own_records(), proposal_id=project.pk
    )
    key = uuid.uuid4()
    record = {"deputy": deputy, "proposal": seen, "client_uuid": key, "findings": "进度正常"}
    first = services.supervision_record(**record, visited_at=timezone.now())
    again = services.supervision_record(**record, visited_at=timezone.now())
    assert (first[1], again[1], first[0].pk) == ("created", "duplicate", again[0].pk)
    services.evaluation_record(deputy=deputy, proposal=seen, satisfied=True)
    services.evaluation_record(deputy=world.deputies[1], proposal=seen, satisfied=False)
    row = selectors.proposal_list(call=world.call).get(pk=project.pk)
    assert (row.status, row.progress_pct, row.department) == ("in_progress", 40, "县交通运输局")
    assert (row.supervision_count, row.evaluation_count, row.satisfied_count) == (1, 2, 1)
    assert selectors.call_funnel(call=world.call) == {
        "collected": 2,
        "shortlisted": 2,
        "voted": 1,
        "implemented": 0,
    }


def test_a_leader_of_another_county_and_an_outsider_deputy_see_nothing(world):
    (proposal,) = candidates(world, 1)
    other = jurisdiction_of(world.other_leader)
    outsider = jurisdiction_of(world.outsider.user).own_records()
    for j in (other, outsider):
        with pytest.raises(NotFound):
            access_call_by_id(jurisdiction=j, call_id=world.call.pk)
        with pytest.raises(NotFound):
            access_proposal_by_id(jurisdiction=j, proposal_id=proposal.pk)
        assert list(selectors.call_list(jurisdiction=j)) == []
        assert list(selectors.project_map(jurisdiction=other)) == []
    leader = jurisdiction_of(world.leader)
    assert access_call_by_id(jurisdiction=leader, call_id=world.call.pk) == world.call
    member = jurisdiction_of(world.deputies[0].user).own_records()
    assert access_call_by_id(jurisdiction=member, call_id=world.call.pk) == world.call
    session = _open(world, [proposal, *candidates(world, 1)], seats=1)
    with pytest.raises(NotFound):
        access_ballot_by_id(jurisdiction=outsider, ballot_id=session.pk)


def test_a_call_that_closes_before_it_opens_names_the_field(db):
    """The bug: the dates' check constraint surfaced as project.call_exists (409)."""
    world = build_world()
    today = timezone.localdate()
    with pytest.raises(DomainError) as refused, translation.override("en"):
        services.call_create(
            jurisdiction=world.staff_j(),
            actor=world.staff,
            region=world.township,
            year=today.year + 1,
            title="明年的征集",
            opens_on=today,
            closes_on=today - dt.timedelta(days=1),
        )
    error = refused.value
    assert (error.code, error.status, error.details) == (
        "project.invalid_field",
        400,
        {"field": "closes_on"},
    )
    assert str(error.message) == "The call must close on or after the day it opens."
    with pytest.raises(DomainError) as twice:
        services.call_create(
            jurisdiction=world.staff_j(),
            actor=world.staff,
            region=world.township,
            year=today.year,
            title="again",
            opens_on=today,
            closes_on=today,
        )
    assert twice.value.code == "project.call_exists"
