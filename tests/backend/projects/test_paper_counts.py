"""Paper ballots counted in the hall, entered twice by two tellers: a mismatch is refused and
voids the pair, the same teller cannot enter both, another county sees a 404, and only a
matched pair joins the phone ballots in the tally."""

from __future__ import annotations

import pytest

from backend.accounts.access import jurisdiction_of
from backend.core import error_codes as codes
from backend.core.errors import DomainError, NotFound
from backend.projects import selectors, services
from backend.projects.models import PaperCount
from backend.projects.services import PaperTally
from backend.regions.models import Region
from tests.factories import UserFactory

from .world import build_world, candidates


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def tellers(world):
    county = Region.objects.get(adcode="430121")
    second = UserFactory(username="pteller2", role="staff", jurisdiction=county)
    return world.staff, second


def _session(world, seats=2):
    return services.ballot_open(
        jurisdiction=world.staff_j(),
        actor=world.staff,
        call=world.call,
        title="2026年民生实事项目票决",
        proposal_ids=[p.pk for p in candidates(world, 3)],
        max_choices=seats,
    )


def _cids(session):
    return list(session.candidates.order_by("position").values_list("id", flat=True))


def _enter(user, session, ballots, blank, invalid, votes):
    return services.paper_count_enter(
        jurisdiction=jurisdiction_of(user),
        actor=user,
        ballot_id=session.pk,
        tally=PaperTally(ballots, blank, invalid, votes),
    )


def test_a_mismatch_is_caught_and_voids_both_entries(world, tellers):
    session = _session(world)
    c = _cids(session)
    first = _enter(tellers[0], session, 3, 1, 0, {c[0]: 2, c[1]: 1, c[2]: 0})
    assert (first.entry, first.matched) == (1, False)
    assert selectors.ballot_detail(session=session)["paper_entries"][0]["ballots"] is None
    with pytest.raises(DomainError) as excinfo:
        _enter(tellers[1], session, 3, 1, 0, {c[0]: 2, c[1]: 0, c[2]: 1})
    assert excinfo.value.code == codes.BALLOT_PAPER_MISMATCH.code
    assert excinfo.value.details["differences"] == [
        {"line": f"candidate:{c[1]}", "first": 1, "second": 0},
        {"line": f"candidate:{c[2]}", "first": 0, "second": 1},
    ]
    assert not PaperCount.objects.filter(session=session).exists()  # both count again


def test_the_same_teller_cannot_enter_both_counts(world, tellers):
    session = _session(world)
    c = _cids(session)
    votes = {c[0]: 2, c[1]: 1, c[2]: 0}
    _enter(tellers[0], session, 3, 1, 0, votes)
    with pytest.raises(DomainError) as excinfo:
        _enter(tellers[0], session, 3, 1, 0, votes)
    assert excinfo.value.code == codes.BALLOT_PAPER_SAME_TELLER.code
    assert PaperCount.objects.filter(session=session).count() == 1
    with pytest.raises(DomainError) as excinfo:  # a lone entry stops the close
        services.ballot_close(jurisdiction=world.staff_j(), actor=world.staff, ballot_id=session.pk)
    assert excinfo.value.code == codes.BALLOT_PAPER_PENDING.code


def test_inconsistent_counts_are_refused(world, tellers):
    session = _session(world)
    c = _cids(session)
    for ballots, blank, invalid, votes, code in (
        (3, 1, 0, {c[0]: 2, c[1]: 1}, codes.BALLOT_PAPER_INVALID),  # a candidate missing
        (3, 2, 2, {c[0]: 0, c[1]: 0, c[2]: 0}, codes.BALLOT_PAPER_INVALID),
        (3, 0, 0, {c[0]: 4, c[1]: 0, c[2]: 0}, codes.BALLOT_PAPER_INVALID),
        (3, 0, 0, {c[0]: 3, c[1]: 3, c[2]: 3}, codes.BALLOT_PAPER_INVALID),  # > 2 seats each
        (3, 0, 0, {c[0]: -1, c[1]: 0, c[2]: 0}, codes.BALLOT_PAPER_INVALID),
        (7, 7, 0, {c[0]: 0, c[1]: 0, c[2]: 0}, codes.BALLOT_PAPER_TOO_MANY),  # 6 eligible
    ):
        with pytest.raises(DomainError) as excinfo:
            _enter(tellers[0], session, ballots, blank, invalid, votes)
        assert excinfo.value.code == code.code


def test_a_staff_member_of_another_county_gets_a_404(world, tellers):
    session = _session(world)
    c = _cids(session)
    other = Region.objects.get(adcode="440785")
    stranger = UserFactory(username="pstranger", role="staff", jurisdiction=other)
    with pytest.raises(NotFound) as excinfo:
        _enter(stranger, session, 3, 1, 0, {c[0]: 2, c[1]: 1, c[2]: 0})
    assert excinfo.value.code == codes.BALLOT_NOT_FOUND.code
    with pytest.raises(NotFound):  # leaders only read
        _enter(world.leader, session, 3, 1, 0, {c[0]: 2, c[1]: 1, c[2]: 0})


def test_the_tally_includes_the_matched_paper_count(world, tellers):
    session = _session(world)
    c = _cids(session)
    services.ballot_cast(deputy=world.deputies[0], session=session, choices=[c[0], c[1]])
    services.ballot_cast(deputy=world.deputies[1], session=session, choices=[])
    votes = {c[0]: 2, c[1]: 0, c[2]: 1}  # 4 paper ballots: 1 blank, 1 invalid, 2 valid
    _enter(tellers[0], session, 4, 1, 1, votes)
    second = _enter(tellers[1], session, 4, 1, 1, votes)
    assert (second.entry, second.matched) == (2, True)
    with pytest.raises(DomainError) as excinfo:
        _enter(tellers[1], session, 4, 1, 1, votes)
    assert excinfo.value.code == codes.BALLOT_PAPER_DONE.code
    closed = services.ballot_close(
        jurisdiction=world.staff_j(), actor=world.staff, ballot_id=session.pk
    )
    assert (closed.turnout, closed.blank_count, closed.paper_count, closed.invalid_count) == (
        6,
        2,
        4,
        1,
    )
    detail = selectors.ballot_detail(session=closed)
    assert [(x["votes"], x["result"]) for x in detail["candidates"]] == [
        (3, "not_elected"),  # 3 of 6 is not more than half
        (1, "not_elected"),
        (1, "not_elected"),
    ]
    assert [e["matched"] for e in detail["paper_entries"]] == [True, True]
    with pytest.raises(DomainError) as excinfo:
        _enter(tellers[0], session, 4, 1, 1, votes)
    assert excinfo.value.code == codes.BALLOT_CLOSED.code
