"""Permission-checked fetches of calls, proposals and ballots: missing and forbidden give the
same 404.

Staff, leaders and admins reach the rows of their jurisdiction (adcode prefix). A deputy (the
phone app, no region-wide reads) reaches what their current mandates entitle them to: the calls,
ballots and chosen projects of a congress they currently sit in (`congress_of`).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.errors import NotFound
from backend.liaison.models import Mandate, MandateStatus

from .models import (
    BallotSession,
    ProjectCall,
    ProjectEvaluation,
    ProjectStatus,
    Proposal,
    ProposalStage,
)


def current_mandates(deputy_id: int) -> QuerySet[Mandate]:
    """The deputy's current seats today (status current, inside the term)."""
    today = timezone.localdate()
    return Mandate.objects.filter(
        deputy_id=deputy_id,
        status=MandateStatus.CURRENT,
        term_start__lte=today,
        term_end__gte=today,
    )


def congress_of(deputy_id: int | None, field: str = "") -> Q:
    """Rows whose call belongs to a congress the deputy currently sits in (level and region
    agree with one current mandate); nothing for anyone else. `field` is the path to the call
    ("" on ProjectCall itself, "call__" on proposals and ballots)."""
    if deputy_id is None:
        return Q(pk__in=[])
    seats = list(current_mandates(deputy_id).values_list("level", "congress_region_id"))
    if not seats:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    for level, region_id in seats:
        q |= Q(**{f"{field}level": level, f"{field}region_id": region_id})
    return q


def _visible(jurisdiction: Jurisdiction, field: str) -> Q:
    if jurisdiction.user_id is None:
        return Q(pk__in=[])
    if jurisdiction.reads_regions:
        return jurisdiction.q("adcode")
    return congress_of(jurisdiction.deputy_id, field)


def access_call_by_id(*, jurisdiction: Jurisdiction, call_id: int) -> ProjectCall:
    call = ProjectCall.objects.filter(_visible(jurisdiction, ""), id=call_id).first()
    if call is None:
        raise NotFound(codes.PROJECT_CALL_NOT_FOUND)
    return call


def access_proposal_by_id(
    *, jurisdiction: Jurisdiction, proposal_id: int, for_update: bool = False
) -> Proposal:
    """A proposal inside the jurisdiction; for a deputy, one of a congress they sit in."""
    queryset = Proposal.objects.filter(_visible(jurisdiction, "call__"), id=proposal_id)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    proposal = queryset.select_related("call").first()
    if proposal is None:
        raise NotFound(codes.PROJECT_NOT_FOUND)
    return proposal


def access_ballot_by_id(
    *, jurisdiction: Jurisdiction, ballot_id: int, for_update: bool = False
) -> BallotSession:
    """A ballot session inside the jurisdiction, or of a congress the deputy sits in.
    `for_update` locks the session row: casting and closing take it, so a ballot is never
    counted half-way and none arrives after the close."""
    queryset = BallotSession.objects.filter(_visible(jurisdiction, "call__"), id=ballot_id)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    session = queryset.select_related("call").first()
    if session is None:
        raise NotFound(codes.BALLOT_NOT_FOUND)
    return session


# --- the citizens' public pages (no login): what anyone may reach ---------------------------


def access_call_public_by_id(*, call_id: int) -> ProjectCall:
    """A call for the citizens' proposal page (its QR code): any call, open or not (the page
    says when it is closed; only an open one takes proposals)."""
    call = ProjectCall.objects.select_related("region").filter(id=call_id).first()
    if call is None:
        raise NotFound(codes.PROJECT_CALL_NOT_FOUND)
    return call


def access_project_public_by_id(*, proposal_id: int) -> Proposal:
    """A project citizens may rate: chosen by the vote and done, or already evaluated by the
    deputies. Anything else (missing, a proposal, a project still being built) is the same
    404."""
    evaluated = ProjectEvaluation.objects.filter(proposal=OuterRef("pk"))
    proposal = (
        Proposal.objects.select_related("call__region")
        .filter(id=proposal_id, stage=ProposalStage.CHOSEN)
        .filter(Q(status=ProjectStatus.DONE) | Exists(evaluated))
        .first()
    )
    if proposal is None:
        raise NotFound(codes.PROJECT_NOT_FOUND)
    return proposal
