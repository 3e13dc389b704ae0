"""Writes of the livelihood-projects funnel (征立决办督评). Invariants enforced here:

- calls, proposals, stages, merges, ballots and progress are written by staff and admins inside
  their jurisdiction (`Jurisdiction.may_act_in`); leaders only read; deputies propose (in an
  open call of a congress they sit in), vote, supervise and evaluate from the phone;
- a proposal moves only along `NEXT_STAGES` (the five forms), each move one
  `ProposalStageChange` with who and why, in the transaction that locks the proposal;
- a ballot is competitive (more candidates than seats) over candidates of its call;
- a deputy casts at most one ballot per session (the participation row's unique constraint);
  the ballot's content is stored without the deputy (`AnonymousBallot`), and the close rewrites
  the session's ballots in random order under fresh keys (docs/security.md, "Secret ballots");
- results are computed once, when the session closes, and published on commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPoint
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.jurisdiction import Jurisdiction
from backend.accounts.models import User
from backend.core import error_codes as codes
from backend.core.db import execute, fetch_dicts
from backend.core.errors import DomainError, NotFound
from backend.core.events import publish_on_commit
from backend.core.geo import STORAGE_SRID
from backend.core.privacy import contact_purge
from backend.intake.selectors import IntakeArea
from backend.intake.services import CONTACT_RETENTION, rate_limit
from backend.liaison.models import CongressLevel, Deputy
from backend.opinions.models import Opinion, OpinionCategory
from backend.opinions.services import normalise_contact
from backend.regions.models import Region

from .access import current_mandates
from .models import (
    AnonymousBallot,
    BallotCandidate,
    BallotParticipation,
    BallotSession,
    BallotStatus,
    CandidateResult,
    CitizenRating,
    PaperCount,
    ProjectCall,
    ProjectEvaluation,
    ProjectStatus,
    ProjectUpdate,
    Proposal,
    ProposalEvidence,
    ProposalSource,
    ProposalStage,
    ProposalStageChange,
    QuorumRule,
    SupervisionVisit,
)
from .selectors import open_call_for

S = ProposalStage
NEXT_STAGES: dict[str, tuple[str, ...]] = {
    S.COLLECTED: (S.REFERRED, S.REJECTED),
    S.REFERRED: (S.CONSULTED, S.REJECTED),
    S.CONSULTED: (S.REVIEWED, S.REJECTED),
    S.REVIEWED: (S.CANDIDATE, S.REJECTED),
}
OPEN_STAGES = (*NEXT_STAGES, S.CANDIDATE)
PLACE_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon")
MAX_REASON = 2000


def _act_in(jurisdiction: Jurisdiction, adcode: str, code: codes.ErrorCode) -> None:
    if not jurisdiction.may_act_in(adcode):
        raise NotFound(code)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise DomainError(codes.PROJECT_REASON_REQUIRED)
    return reason


def place_from_geojson(value: dict | None) -> GEOSGeometry | None:
    """A GeoJSON geometry (WGS-84 lon/lat) as a valid 2D point, line or area; None stays None."""
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or value.get("type") not in PLACE_TYPES
        or not isinstance(value.get("coordinates"), list)
    ):
        raise DomainError(codes.PROJECT_INVALID_PLACE)
    try:
        geometry = GEOSGeometry(json.dumps(value), srid=STORAGE_SRID)
    except (GDALException, GEOSException, ValueError, TypeError) as error:
        raise DomainError(codes.PROJECT_INVALID_PLACE) from error
    if geometry.geom_type not in PLACE_TYPES or geometry.hasz or not geometry.valid:
        raise DomainError(codes.PROJECT_INVALID_PLACE)
    return geometry


def _check_place(call: ProjectCall, place: GEOSGeometry | None) -> None:
    boundary = call.region.boundary
    if place is not None and (boundary is None or not boundary.intersects(place)):
        raise DomainError(codes.PROJECT_INVALID_PLACE)


@transaction.atomic
def call_create(
    *,
    jurisdiction: Jurisdiction,
    actor: User,
    region: Region,
    year: int,
    title: str,
    opens_on: dt.date,
    closes_on: dt.date,
) -> ProjectCall:
    """A call for proposals of the region's congress (a township's, or a county's). Dates
    that close before they open are an invalid field (`closes_on`), not a clash with another
    call; the same region and year again is `project.call_exists`."""
    _act_in(jurisdiction, region.adcode, codes.REGION_NOT_FOUND)
    if len(region.adcode) not in (6, 9):
        raise DomainError(
            codes.PROJECT_INVALID_FIELD,
            _("A call belongs to a township's or a county's congress."),
            field="region",
        )
    if closes_on < opens_on:
        raise DomainError(
            codes.PROJECT_INVALID_FIELD,
            _("The call must close on or after the day it opens."),
            field="closes_on",
        )
    level = CongressLevel.TOWNSHIP if len(region.adcode) == 9 else CongressLevel.COUNTY
    try:
        with transaction.atomic():
            return ProjectCall.objects.create(
                region=region,
                level=level,
                year=year,
                title=title,
                opens_on=opens_on,
                closes_on=closes_on,
                created_by=actor,
                adcode=region.adcode,
                county_adcode=region.adcode[:6],
            )
    except IntegrityError as error:
        raise DomainError(codes.PROJECT_CALL_EXISTS) from error


def _evidence(call: ProjectCall, jurisdiction: Jurisdiction, opinion_ids: Sequence[int]):
    ids = sorted(set(opinion_ids))
    opinions = jurisdiction.filter(Opinion.objects.filter(id__in=ids)).filter(
        adcode__startswith=call.adcode
    )
    if len(ids) != opinions.count():
        raise DomainError(codes.PROJECT_INVALID_EVIDENCE)
    return ids


@transaction.atomic
def proposal_create(
    *,
    jurisdiction: Jurisdiction,
    actor: User,
    call: ProjectCall,
    title: str,
    description: str,
    estimated_cost_yuan: int,
    place: GEOSGeometry | None = None,
    opinion_ids: Sequence[int] = (),
) -> Proposal:
    """A proposal entered by staff; with `opinion_ids` (an opinion cluster's members) it is a
    cluster's proposal and keeps those opinions as its evidence."""
    _act_in(jurisdiction, call.adcode, codes.PROJECT_CALL_NOT_FOUND)
    _check_place(call, place)
    evidence = _evidence(call, jurisdiction, opinion_ids) if opinion_ids else []
    proposal = Proposal.objects.create(
        call=call,
        title=title,
        description=description,
        estimated_cost_yuan=estimated_cost_yuan,
        place=place,
        source=ProposalSource.CLUSTER if evidence else ProposalSource.STAFF,
        proposed_by=actor,
        adcode=call.adcode,
        county_adcode=call.county_adcode,
    )
    ProposalEvidence.objects.bulk_create(
        ProposalEvidence(proposal=proposal, opinion_id=i) for i in evidence
    )
    return proposal


def _cluster_text(opinions: list[Opinion]) -> tuple[str, str]:
    """A title and description for a cluster's proposal: its most frequent category and count
    (staff refine both in the forms that follow)."""
    counts: dict[str, int] = {}
    for opinion in opinions:
        counts[opinion.category] = counts.get(opinion.category, 0) + 1
    top = max(sorted(counts), key=lambda c: counts[c])
    label = str(OpinionCategory(top).label)
    title = _("Opinions gathered here: %(category)s (%(n)s)") % {
        "category": label,
        "n": len(opinions),
    }
    lines = [
        _("From an opinion cluster on the dashboard: %(n)s opinions, kept as evidence.")
        % {"n": len(opinions)}
    ]
    lines += [f"· {o.text[:100]}" for o in opinions[:5]]
    return title[:120], "\n".join(lines)


def _cluster_place(call: ProjectCall, opinions: list[Opinion]) -> GEOSGeometry | None:
    """The cluster's centre as the proposal's point; an opinion's own point when the centre
    falls outside the call's region (a cluster on a bend of the border)."""
    points = [o.location for o in opinions if o.location is not None]
    if not points:
        return None
    centre = MultiPoint(points, srid=STORAGE_SRID).centroid
    boundary = call.region.boundary
    if boundary is not None and not boundary.intersects(centre):
        return points[0]
    return centre


@transaction.atomic
def proposal_create_from_cluster(
    *,
    jurisdiction: Jurisdiction,
    actor: User,
    opinion_ids: Sequence[int],
    call: ProjectCall | None = None,
    title: str = "",
    description: str = "",
    estimated_cost_yuan: int = 0,
) -> Proposal:
    """One click on the dashboard: an opinion cluster (its members, recomputed by the caller)
    becomes a proposal of the call open today for its township or county
    (`selectors.open_call_for`; none is `project.no_open_call`), or of `call` when given. The
    opinions inside the call's region are its evidence; its place is the cluster's centre;
    a title and description are written from the opinions unless given. The same opinions
    already held by one proposal of the call is `project.cluster_proposed` (a double click)."""
    members = list(
        jurisdiction.filter(Opinion.objects.filter(id__in=set(opinion_ids))).order_by("id")
    )
    if not members:
        raise NotFound(codes.PROJECT_NO_CLUSTER)
    if call is None:
        call = open_call_for(jurisdiction=jurisdiction, adcodes=[o.adcode for o in members])
    if call is None:
        raise DomainError(codes.PROJECT_NO_OPEN_CALL)
    _act_in(jurisdiction, call.adcode, codes.PROJECT_CALL_NOT_FOUND)
    members = [o for o in members if o.adcode.startswith(call.adcode)]
    if not members:
        raise DomainError(codes.PROJECT_INVALID_EVIDENCE)
    ProjectCall.objects.select_for_update().filter(pk=call.pk).first()  # one at a time per call
    ids = [o.pk for o in members]
    held = (
        ProposalEvidence.objects.filter(proposal__call=call, opinion_id__in=ids)
        .exclude(proposal__stage=S.MERGED)
        .values("proposal_id")
        .annotate(n=Count("id"))
        .filter(n=len(ids))
        .order_by("proposal_id")
        .first()
    )
    if held is not None:
        raise DomainError(codes.PROJECT_CLUSTER_PROPOSED, id=held["proposal_id"])
    default_title, default_description = _cluster_text(members)
    return proposal_create(
        jurisdiction=jurisdiction,
        actor=actor,
        call=call,
        title=title or default_title,
        description=description or default_description,
        estimated_cost_yuan=estimated_cost_yuan,
        place=_cluster_place(call, members),
        opinion_ids=ids,
    )


@dataclass(frozen=True)
class Uploaded:
    proposal: Proposal
    status: str  # "created" or "duplicate"


def proposal_create_by_deputy(
    *,
    deputy: Deputy,
    call: ProjectCall,
    client_uuid: uuid.UUID,
    title: str,
    description: str,
    estimated_cost_yuan: int,
    place: GEOSGeometry | None = None,
) -> Uploaded:
    """A deputy's proposal from the field, into an open call of a congress they sit in
    (`call` fetched through the access module). Idempotent per (deputy, client_uuid): the same
    content again is a duplicate, other content a 409 project.conflict."""
    stored = Proposal.objects.filter(deputy=deputy, client_uuid=client_uuid).first()
    if stored is not None:
        if (stored.title, stored.description) != (title, description):
            raise DomainError(codes.PROJECT_CONFLICT, id=stored.pk)
        return Uploaded(stored, "duplicate")
    today = timezone.localdate()
    if deputy.user is None:  # the phone's caller always has one
        raise DomainError(codes.AUTH_NOT_A_DEPUTY)
    if not call.opens_on <= today <= call.closes_on:
        raise DomainError(codes.PROJECT_CALL_CLOSED)
    _check_place(call, place)
    try:
        with transaction.atomic():
            proposal = Proposal.objects.create(
                call=call,
                title=title,
                description=description,
                estimated_cost_yuan=estimated_cost_yuan,
                place=place,
                source=ProposalSource.DEPUTY,
                proposed_by=deputy.user,
                deputy=deputy,
                client_uuid=client_uuid,
                adcode=call.adcode,
                county_adcode=call.county_adcode,
            )
    except IntegrityError:  # the same upload, concurrently
        return proposal_create_by_deputy(
            deputy=deputy,
            call=call,
            client_uuid=client_uuid,
            title=title,
            description=description,
            estimated_cost_yuan=estimated_cost_yuan,
            place=place,
        )
    return Uploaded(proposal, "created")


def _locked(jurisdiction: Jurisdiction, proposal_id: int) -> Proposal:
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("call")
        .filter(id=proposal_id)
        .first()
    )
    if proposal is None or not jurisdiction.may_act_in(proposal.adcode):
        raise NotFound(codes.PROJECT_NOT_FOUND)
    return proposal


def _move(proposal: Proposal, to_stage: str, actor: User, reason: str) -> None:
    ProposalStageChange.objects.create(
        proposal=proposal, from_stage=proposal.stage, to_stage=to_stage, actor=actor, reason=reason
    )
    proposal.stage = to_stage


@transaction.atomic
def proposal_advance(
    *,
    jurisdiction: Jurisdiction,
    actor: User,
    proposal_id: int,
    to_stage: str,
    reason: str,
    final_description: str | None = None,
    final_cost_yuan: int | None = None,
) -> Proposal:
    """Move a proposal to its next form (or reject it), recording who, when and why. Becoming
    a candidate may set the final description and cost shown on the ballot."""
    proposal = _locked(jurisdiction, proposal_id)
    reason = _reason(reason)
    if to_stage not in NEXT_STAGES.get(proposal.stage, ()):
        raise DomainError(codes.PROJECT_INVALID_STAGE)
    _move(proposal, to_stage, actor, reason)
    if to_stage == S.CANDIDATE:
        proposal.description = final_description or proposal.description
        if final_cost_yuan is not None:
            proposal.estimated_cost_yuan = final_cost_yuan
    proposal.save(update_fields=["stage", "description", "estimated_cost_yuan"])
    return proposal


@transaction.atomic
def proposal_merge(
    *, jurisdiction: Jurisdiction, actor: User, duplicate_id: int, into_id: int, reason: str
) -> Proposal:
    """Merge a duplicate into a kept proposal of the same call: the duplicate becomes `merged`
    (pointing at the kept one) and its evidence joins the kept proposal's. Returns the kept."""
    if duplicate_id == into_id:
        raise DomainError(codes.PROJECT_INVALID_MERGE)
    first, second = sorted((duplicate_id, into_id))  # lock in id order: no deadlock
    locked = {p.pk: p for p in (_locked(jurisdiction, first), _locked(jurisdiction, second))}
    duplicate, kept = locked[duplicate_id], locked[into_id]
    reason = _reason(reason)
    if (
        duplicate.call_id != kept.call_id
        or duplicate.stage not in OPEN_STAGES
        or kept.stage not in OPEN_STAGES
    ):
        raise DomainError(codes.PROJECT_INVALID_MERGE)
    _move(duplicate, S.MERGED, actor, reason)
    duplicate.merged_into = kept
    duplicate.save(update_fields=["stage", "merged_into"])
    ProposalEvidence.objects.bulk_create(
        [
            ProposalEvidence(proposal=kept, opinion_id=e.opinion_id)
            for e in duplicate.evidence.all()
        ],
        ignore_conflicts=True,
    )
    return kept


# --- the vote (决) -------------------------------------------------------------------------


def eligible_count(call: ProjectCall) -> int:
    """Current deputies of the call's congress today."""
    today = timezone.localdate()
    return (
        Deputy.objects.filter(
            mandates__level=call.level,
            mandates__congress_region_id=call.region_id,
            mandates__status="current",
            mandates__term_start__lte=today,
            mandates__term_end__gte=today,
        )
        .distinct()
        .count()
    )


@transaction.atomic
def ballot_open(
    *,
    jurisdiction: Jurisdiction,
    actor: User,
    call: ProjectCall,
    title: str,
    proposal_ids: Sequence[int],
    max_choices: int,
    min_choices: int = 0,
    quorum: str = QuorumRule.HALF,
    session_on: dt.date | None = None,
) -> BallotSession:
    """Open a secret competitive vote: candidates in the given order, all at the candidate
    stage of `call` and in no other open ballot, more of them than seats; `quorum` says how
    many of the eligible deputies must vote (`QuorumRule`), `session_on` the congress
    session's day."""
    _act_in(jurisdiction, call.adcode, codes.PROJECT_CALL_NOT_FOUND)
    if max_choices < 1 or not 0 <= min_choices <= max_choices:
        raise DomainError(codes.BALLOT_INVALID_SEATS)
    if quorum not in QuorumRule.values:
        raise DomainError(codes.PROJECT_INVALID_FIELD, field="quorum")
    ids = list(dict.fromkeys(proposal_ids))
    found = Proposal.objects.select_for_update().filter(id__in=ids, call=call, stage=S.CANDIDATE)
    busy = BallotCandidate.objects.filter(
        proposal_id__in=ids, session__status=BallotStatus.OPEN
    ).exists()
    if len(ids) <= max_choices or found.count() != len(ids) or busy:
        raise DomainError(codes.BALLOT_INVALID_CANDIDATES)
    session = BallotSession.objects.create(
        call=call,
        title=title,
        min_choices=min_choices,
        max_choices=max_choices,
        quorum=quorum,
        session_on=session_on,
        eligible_count=eligible_count(call),
        opened_by=actor,
        adcode=call.adcode,
        county_adcode=call.county_adcode,
    )
    BallotCandidate.objects.bulk_create(
        BallotCandidate(session=session, proposal_id=pid, position=i + 1)
        for i, pid in enumerate(ids)
    )
    return session


def _check_choices(session: BallotSession, choices: Sequence[int]) -> list[int]:
    chosen = sorted(set(choices))
    if len(chosen) != len(choices):
        raise DomainError(codes.BALLOT_INVALID_CHOICE)
    valid = set(session.candidates.values_list("id", flat=True))
    if not set(chosen) <= valid:
        raise DomainError(codes.BALLOT_INVALID_CHOICE)
    if len(chosen) > session.max_choices:
        raise DomainError(codes.BALLOT_TOO_MANY_CHOICES)
    if chosen and len(chosen) < session.min_choices:
        raise DomainError(codes.BALLOT_TOO_FEW_CHOICES)
    return chosen


def ballot_cast(*, deputy: Deputy, session: BallotSession, choices: Sequence[int]) -> None:
    """Cast the deputy's one secret ballot: `choices` are candidate ids (none = blank). The
    session is re-read locked (`session` came through the access module); the participation
    row and the anonymous content are written in one transaction, and nothing is returned that
    could name the stored ballot."""
    with transaction.atomic():
        session = (
            BallotSession.objects.select_for_update().select_related("call").get(pk=session.pk)
        )
        if session.status != BallotStatus.OPEN:
            raise DomainError(codes.BALLOT_CLOSED)
        call = session.call
        if (
            not current_mandates(deputy.pk)
            .filter(level=call.level, congress_region_id=call.region_id)
            .exists()
        ):
            raise DomainError(codes.BALLOT_NOT_ELIGIBLE)
        chosen = _check_choices(session, choices)
        inserted = execute(
            "INSERT INTO projects_ballotparticipation (session_id, deputy_id)"
            " VALUES (%(s)s, %(d)s) ON CONFLICT DO NOTHING",
            {"s": session.pk, "d": deputy.pk},
        )
        if inserted == 0:
            raise DomainError(codes.BALLOT_ALREADY_VOTED)
        AnonymousBallot.objects.create(session=session, choices=chosen)


def quorum_met(rule: str, turnout: int, eligible: int) -> bool:
    """More than half of the eligible deputies voted, or at least two thirds of them."""
    if rule == QuorumRule.TWO_THIRDS:
        return turnout * 3 >= eligible * 2 and turnout > 0
    return turnout * 2 > eligible


def _results(candidates: list[dict], seats: int, turnout: int, quorum: bool) -> dict[int, str]:
    """Who is chosen: with the quorum (more than half the eligible deputies voted), the
    candidates with more than half of the ballots cast (过半数), most votes first, up to the
    seats. Candidates tied for the last seat(s) are all `tied` (a run-off ballot among them
    decides: the stated rule, no lot, no list order)."""
    results: dict[int, str] = dict.fromkeys(
        (c["id"] for c in candidates), CandidateResult.NOT_ELECTED
    )
    qualified = sorted(
        (c for c in candidates if quorum and c["votes"] * 2 > turnout),
        key=lambda c: -c["votes"],
    )
    if len(qualified) <= seats:
        results.update(dict.fromkeys((c["id"] for c in qualified), CandidateResult.ELECTED))
        return results
    boundary = qualified[seats - 1]["votes"]
    above = [c["id"] for c in qualified if c["votes"] > boundary]
    at = [c["id"] for c in qualified if c["votes"] == boundary]
    results.update(dict.fromkeys(above, CandidateResult.ELECTED))
    fits = len(above) + len(at) <= seats
    results.update(dict.fromkeys(at, CandidateResult.ELECTED if fits else CandidateResult.TIED))
    return results


TALLY_SQL = """
    SELECT c.id, c.proposal_id, count(b.id) AS votes
    FROM projects_ballotcandidate c
    LEFT JOIN projects_anonymousballot b ON b.session_id = c.session_id AND c.id = ANY(b.choices)
    WHERE c.session_id = %(s)s GROUP BY c.id, c.proposal_id
"""
# The close rewrites the session's ballots in random order under new random keys and one
# transaction id: the old rows' insertion order (heap position, xmin) is gone with them.
SHUFFLE_SQL = """
    WITH old AS (DELETE FROM projects_anonymousballot WHERE session_id = %(s)s RETURNING choices)
    INSERT INTO projects_anonymousballot (id, session_id, choices)
    SELECT gen_random_uuid(), %(s)s, choices FROM old ORDER BY random()
"""


def _outcome(result: str) -> str:
    stages: dict[str, str] = {CandidateResult.ELECTED: S.CHOSEN, CandidateResult.TIED: S.CANDIDATE}
    return stages.get(result, S.NOT_CHOSEN)


@transaction.atomic
def ballot_close(*, jurisdiction: Jurisdiction, actor: User, ballot_id: int) -> BallotSession:
    """Close the vote, count it and publish the result at once: turnout, blank ballots, the
    quorum, votes per candidate and who is chosen (`_results`). Chosen proposals become
    projects (planned, budget = the ballot's cost); tied ones stay candidates for a run-off."""
    session = BallotSession.objects.select_for_update().filter(id=ballot_id).first()
    if session is None or not jurisdiction.may_act_in(session.adcode):
        raise NotFound(codes.BALLOT_NOT_FOUND)
    if session.status != BallotStatus.OPEN:
        raise DomainError(codes.BALLOT_CLOSED)
    paper = _matched_paper(session)
    execute(SHUFFLE_SQL, {"s": session.pk})
    ballots = AnonymousBallot.objects.filter(session=session)
    session.paper_count = paper.ballots if paper else 0
    session.invalid_count = paper.invalid if paper else 0
    session.turnout = ballots.count() + session.paper_count
    if session.turnout > session.eligible_count:
        raise DomainError(codes.BALLOT_PAPER_TOO_MANY)
    session.blank_count = ballots.filter(choices=[]).count() + (paper.blank if paper else 0)
    session.quorum_met = quorum_met(session.quorum, session.turnout, session.eligible_count)
    tally = fetch_dicts(TALLY_SQL, {"s": session.pk})
    for row in tally:  # the matched paper count beside the phone ballots
        row["votes"] += int(paper.votes.get(str(row["id"]), 0)) if paper else 0
    results = _results(tally, session.max_choices, session.turnout, session.quorum_met)
    for row in tally:
        BallotCandidate.objects.filter(id=row["id"]).update(
            votes=row["votes"], result=results[row["id"]]
        )
        _close_proposal(row["proposal_id"], _outcome(results[row["id"]]), actor, session)
    session.status = BallotStatus.CLOSED
    session.closed_at = timezone.now()
    session.save()
    publish_on_commit(session.county_adcode, "ballot.closed", {"id": session.pk})
    return session


def _matched_paper(session: BallotSession) -> PaperCount | None:
    """The paper count that enters the tally: the first entry of a matched pair; a lone entry
    still waiting for its second teller stops the close."""
    entries = list(PaperCount.objects.filter(session=session))
    if any(not e.matched for e in entries):
        raise DomainError(codes.BALLOT_PAPER_PENDING)
    return next((e for e in entries if e.entry == 1), None)


def _close_proposal(proposal_id: int, stage: str, actor: User, session: BallotSession) -> None:
    if stage == S.CANDIDATE:
        return
    proposal = Proposal.objects.select_for_update().get(id=proposal_id)
    _move(proposal, stage, actor, session.title)
    if stage == S.CHOSEN:
        proposal.status = ProjectStatus.PLANNED
        proposal.budget_yuan = proposal.estimated_cost_yuan
    proposal.save(update_fields=["stage", "status", "budget_yuan"])


# --- paper ballots counted in the hall, entered twice (唱票计票, 双人录入) ---------------------


@dataclass(frozen=True)
class PaperTally:
    ballots: int
    blank: int
    invalid: int
    votes: dict[int, int]  # candidate id -> votes


def _check_paper(session: BallotSession, tally: PaperTally) -> dict[str, int]:
    numbers = [tally.ballots, tally.blank, tally.invalid, *tally.votes.values()]
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in numbers):
        raise DomainError(codes.BALLOT_PAPER_INVALID)
    candidate_ids = set(session.candidates.values_list("id", flat=True))
    valid = tally.ballots - tally.blank - tally.invalid
    total = sum(tally.votes.values())
    if (
        set(tally.votes) != candidate_ids
        or valid < 0
        or any(v > valid for v in tally.votes.values())
        or total > valid * session.max_choices
        or total < valid * max(1, session.min_choices)
    ):
        raise DomainError(codes.BALLOT_PAPER_INVALID)
    phone = BallotParticipation.objects.filter(session=session).count()
    if phone + tally.ballots > session.eligible_count:
        raise DomainError(codes.BALLOT_PAPER_TOO_MANY)
    return {str(k): v for k, v in sorted(tally.votes.items())}


def _differences(first: PaperCount, tally: PaperTally, votes: dict[str, int]) -> list[dict]:
    lines = [
        ("ballots", first.ballots, tally.ballots),
        ("blank", first.blank, tally.blank),
        ("invalid", first.invalid, tally.invalid),
    ]
    lines += [(f"candidate:{k}", first.votes.get(k), v) for k, v in votes.items()]
    return [{"line": name, "first": a, "second": b} for name, a, b in lines if a != b]


def paper_count_enter(
    *, jurisdiction: Jurisdiction, actor: User, ballot_id: int, tally: PaperTally
) -> PaperCount:
    """One teller's entry of the hall's paper count of an open ballot. The first entry waits;
    the second must come from another staff account and match it line by line: then both are
    `matched` and the count goes into the tally at the close, beside the phone ballots. A
    second entry that differs is refused (`ballot.paper_mismatch`, with the differing lines)
    and voids the first: both tellers count again."""
    with transaction.atomic():
        session = BallotSession.objects.select_for_update().filter(id=ballot_id).first()
        if session is None or not jurisdiction.may_act_in(session.adcode):
            raise NotFound(codes.BALLOT_NOT_FOUND)
        if session.status != BallotStatus.OPEN:
            raise DomainError(codes.BALLOT_CLOSED)
        votes = _check_paper(session, tally)
        entries = list(PaperCount.objects.filter(session=session))
        if any(e.matched for e in entries):
            raise DomainError(codes.BALLOT_PAPER_DONE)
        fields = {
            "session": session,
            "teller": actor,
            "ballots": tally.ballots,
            "blank": tally.blank,
            "invalid": tally.invalid,
            "votes": votes,
        }
        if not entries:
            return PaperCount.objects.create(entry=1, **fields)
        first = entries[0]
        if first.teller_id == actor.pk:
            raise DomainError(codes.BALLOT_PAPER_SAME_TELLER)
        differences = _differences(first, tally, votes)
        if not differences:
            PaperCount.objects.filter(pk=first.pk).update(matched=True)
            return PaperCount.objects.create(entry=2, matched=True, **fields)
        first.delete()  # void: committed with this block, then the refusal
    raise DomainError(codes.BALLOT_PAPER_MISMATCH, differences=differences)


# --- implement, supervise, evaluate (办督评) -------------------------------------------------


def _chosen(proposal: Proposal) -> None:
    if proposal.stage != S.CHOSEN:
        raise DomainError(codes.PROJECT_NOT_CHOSEN)


@transaction.atomic
def project_update(
    *,
    jurisdiction: Jurisdiction,
    actor: User,
    proposal_id: int,
    status: str,
    progress_pct: int,
    note: str,
    department: str | None = None,
) -> ProjectUpdate:
    """A dated progress update of a chosen project; the project's status and progress follow."""
    proposal = _locked(jurisdiction, proposal_id)
    _chosen(proposal)
    if not 0 <= progress_pct <= 100:
        raise DomainError(codes.PROJECT_INVALID_PROGRESS)
    if status not in ProjectStatus.values:
        raise DomainError(codes.PROJECT_INVALID_STAGE)
    update = ProjectUpdate.objects.create(
        proposal=proposal,
        status=status,
        progress_pct=progress_pct,
        note=_reason(note),
        author=actor,
    )
    proposal.status, proposal.progress_pct = status, progress_pct
    proposal.department = department if department is not None else proposal.department
    proposal.save(update_fields=["status", "progress_pct", "department"])
    publish_on_commit(proposal.county_adcode, "project.updated", {"id": proposal.pk})
    return update


def supervision_record(
    *,
    deputy: Deputy,
    proposal: Proposal,
    client_uuid: uuid.UUID,
    findings: str,
    visited_at: dt.datetime,
) -> tuple[SupervisionVisit, str]:
    """A deputy's inspection of a chosen project (fetched through the access module), once per
    (deputy, client_uuid): the same findings again are a duplicate, others a 409."""
    _chosen(proposal)
    stored = SupervisionVisit.objects.filter(deputy=deputy, client_uuid=client_uuid).first()
    if stored is not None:
        if stored.findings != findings or stored.proposal_id != proposal.pk:
            raise DomainError(codes.PROJECT_CONFLICT, id=stored.pk)
        return stored, "duplicate"
    try:
        with transaction.atomic():
            visit = SupervisionVisit.objects.create(
                proposal=proposal,
                deputy=deputy,
                client_uuid=client_uuid,
                findings=findings,
                visited_at=visited_at,
            )
    except IntegrityError:
        return supervision_record(
            deputy=deputy,
            proposal=proposal,
            client_uuid=client_uuid,
            findings=findings,
            visited_at=visited_at,
        )
    return visit, "created"


def evaluation_record(
    *, deputy: Deputy, proposal: Proposal, satisfied: bool, comment: str = ""
) -> ProjectEvaluation:
    """A deputy's satisfaction with a chosen project; a second answer replaces the first."""
    _chosen(proposal)
    evaluation, _created = ProjectEvaluation.objects.update_or_create(
        proposal=proposal, deputy=deputy, defaults={"satisfied": satisfied, "comment": comment}
    )
    return evaluation


# --- citizens, through the public pages (群众提议, 群众满意度) --------------------------------

MAX_CITIZEN_TITLE = 120
MAX_CITIZEN_DESCRIPTION = 2000


def call_is_open(call: ProjectCall) -> bool:
    return call.opens_on <= timezone.localdate() <= call.closes_on


def _citizen_text(value: str, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(codes.PROJECT_TEXT_REQUIRED, field=field)
    if len(value) > max_length:
        raise DomainError(
            codes.OPINION_TEXT_TOO_LONG,
            _("%(field)s may have at most %(n)s characters.") % {"field": field, "n": max_length},
            field=field,
        )
    return value


def proposal_create_by_citizen(
    *,
    call: ProjectCall,
    title: str,
    description: str,
    lon: float | None,
    lat: float | None,
    phone: str,
    consent: bool,
    client_ip: str,
) -> Proposal:
    """A citizen's proposal (群众提议) to an open call, from its public page: no account, so
    no author (source `citizen`); the optional point must lie in the call's region (the
    intake's area check, with its tolerance at the border); a phone number is kept (digits)
    only with the consent tick and read masked. The intake's gates apply: the rate limits per
    IP address and per number (the challenge was checked by the caller, with the request)."""
    if not call_is_open(call):
        raise DomainError(codes.PROJECT_CALL_CLOSED)
    title = _citizen_text(title, "title", MAX_CITIZEN_TITLE)
    description = _citizen_text(description, "description", MAX_CITIZEN_DESCRIPTION)
    contact = normalise_contact(phone)
    if contact and not consent:
        raise DomainError(codes.INTAKE_CONSENT_REQUIRED, field="consent")
    place = None
    if lon is not None and lat is not None:
        region = call.region
        area = IntakeArea(name=region.name, region=region, centre=None)
        if region.boundary is None or not area.covers(lon, lat):
            raise DomainError(
                codes.INTAKE_LOCATION_OUT_OF_AREA,
                _("The place is outside %(area)s: pick it again, or send without a place.")
                % {"area": region.name},
                field="location",
            )
        place = GEOSGeometry(f"SRID={STORAGE_SRID};POINT({lon} {lat})")
    rate_limit("ip", client_ip or "unknown")
    if contact:
        rate_limit("phone", contact)
    return Proposal.objects.create(
        call=call,
        title=title,
        description=description,
        estimated_cost_yuan=0,  # estimated later by the government's discussion (交办)
        place=place,
        source=ProposalSource.CITIZEN,
        proposed_by=None,
        citizen_contact=contact,
        contact_consent=bool(contact),
        adcode=call.adcode,
        county_adcode=call.county_adcode,
    )


# The retention of a citizen's number, as the intake's (its QR page's privacy notice): 180 days
# after the proposal is settled. Settled: not taken forward, merged or not chosen (the stage
# change's time), or chosen and built (the progress update that says done).
SETTLED_STAGES = (S.REJECTED, S.MERGED, S.NOT_CHOSEN)


@contact_purge
def citizen_contacts_purge(*, now: dt.datetime | None = None) -> int:
    """Blank the phone number (and its consent) of every citizen's proposal settled more than
    `CONTACT_RETENTION` (180 days) ago; the number of proposals cleared. Idempotent. Run by
    the intake's daily job `intake.purge_contacts` with the opinions' numbers."""
    cutoff = (now or timezone.now()) - CONTACT_RETENTION
    settled = ProposalStageChange.objects.filter(to_stage__in=SETTLED_STAGES, at__lt=cutoff)
    built = Proposal.objects.filter(updates__status=ProjectStatus.DONE, updates__at__lt=cutoff)
    return (
        Proposal.objects.filter(source=ProposalSource.CITIZEN)
        .exclude(citizen_contact="")
        .filter(
            Q(stage__in=SETTLED_STAGES, pk__in=Subquery(settled.values("proposal_id")))
            | Q(stage=S.CHOSEN, status=ProjectStatus.DONE, pk__in=Subquery(built.values("pk")))
        )
        .update(citizen_contact="", contact_consent=False)
    )


def device_hash(token: str) -> str:
    """The keyed hash a device's rating is stored under (the token itself is never stored)."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:rating-device:{token}".encode()).hexdigest()


def citizen_rating_record(
    *, proposal: Proposal, rating, device_token: str, client_ip: str
) -> CitizenRating:
    """A citizen's satisfaction (1-5) with a finished project (fetched through the public
    access), once per device: a second from the same device is `project.already_rated`, also
    when two arrive at once (the unique constraint decides). Rate-limited per IP address."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError(codes.INTAKE_INVALID_RATING, field="rating")
    key = device_hash(device_token)
    if CitizenRating.objects.filter(proposal=proposal, device_hash=key).exists():
        raise DomainError(codes.PROJECT_ALREADY_RATED)
    rate_limit("rating", client_ip or "unknown")
    try:
        with transaction.atomic():
            return CitizenRating.objects.create(proposal=proposal, rating=rating, device_hash=key)
    except IntegrityError as error:
        raise DomainError(codes.PROJECT_ALREADY_RATED) from error
