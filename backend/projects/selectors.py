"""Reads of the livelihood-projects funnel. Every read takes a `Jurisdiction` (or, on the
phone, the deputy whose congresses decide what they see). Nothing here reads
`AnonymousBallot` except the count at close; no read joins a participation to a ballot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from backend.accounts.jurisdiction import Jurisdiction

from .access import congress_of
from .models import (
    BallotParticipation,
    BallotSession,
    BallotStatus,
    PaperCount,
    ProjectCall,
    ProjectEvaluation,
    ProjectStatus,
    Proposal,
    ProposalStage,
)

FUNNEL = {
    "collected": ~Q(stage=ProposalStage.MERGED),
    "shortlisted": Q(
        stage__in=[
            ProposalStage.CANDIDATE,
            ProposalStage.CHOSEN,
            ProposalStage.NOT_CHOSEN,
        ]
    ),
    "voted": Q(stage=ProposalStage.CHOSEN),
    "implemented": Q(stage=ProposalStage.CHOSEN, status="done"),
}


def call_list(*, jurisdiction: Jurisdiction) -> QuerySet[ProjectCall]:
    """Calls inside the jurisdiction (staff, leaders) or of the deputy's congresses."""
    if jurisdiction.reads_regions:
        queryset = jurisdiction.filter(ProjectCall.objects.all())
    else:
        queryset = ProjectCall.objects.filter(congress_of(jurisdiction.deputy_id))
    return queryset.select_related("region").order_by("-year", "adcode")


def call_funnel(*, call: ProjectCall) -> dict[str, int]:
    """The Cili funnel of one call (accessed): collected, shortlisted, voted, implemented."""
    return Proposal.objects.filter(call=call).aggregate(
        **{name: Count("id", filter=q) for name, q in FUNNEL.items()}
    )


def township_funnel(*, jurisdiction: Jurisdiction, year: int | None = None) -> list[dict]:
    """The Cili funnel per region holding a call in the jurisdiction (a township; the county
    for a county's call), summed over its calls (of `year`, or every year), with the deputies'
    satisfaction with its projects against the 90% bar. Three queries, ordered by adcode."""
    calls = jurisdiction.filter(ProjectCall.objects.all())
    if year is not None:
        calls = calls.filter(year=year)
    regions = calls.values("adcode", "region__name").annotate(calls=Count("id")).order_by("adcode")
    funnels = {
        f["call__adcode"]: f
        for f in Proposal.objects.filter(call__in=calls)
        .values("call__adcode")
        .annotate(**{name: Count("id", filter=q) for name, q in FUNNEL.items()})
        .order_by()
    }
    scores = {
        s["proposal__call__adcode"]: s
        for s in ProjectEvaluation.objects.filter(proposal__call__in=calls)
        .values("proposal__call__adcode")
        .annotate(total=Count("id"), satisfied=Count("id", filter=Q(satisfied=True)))
        .order_by()
    }
    rows = []
    for r in regions:
        funnel: Mapping[str, Any] = funnels.get(r["adcode"], {})
        score: Mapping[str, Any] = scores.get(r["adcode"], {})
        rows.append(
            {
                "adcode": r["adcode"],
                "name": r["region__name"],
                "calls": r["calls"],
                "funnel": {name: funnel.get(name, 0) for name in FUNNEL},
                "satisfaction": _satisfaction(score.get("total", 0), score.get("satisfied", 0)),
            }
        )
    return rows


def _satisfaction(total: int, satisfied: int) -> dict:
    pct = round(100 * satisfied / total, 1) if total else None
    return {
        "evaluations": total,
        "satisfied": satisfied,
        "pct": pct,
        "bar_pct": SATISFACTION_BAR_PCT,
        "meets_bar": None if pct is None else pct >= SATISFACTION_BAR_PCT,
    }


def proposal_list(*, call: ProjectCall) -> QuerySet[Proposal]:
    """A call's proposals (the call came through the access module), with the counts the work
    list and the map show."""
    return (
        Proposal.objects.filter(call=call)
        .annotate(
            evidence_count=Count("evidence", distinct=True),
            supervision_count=Count("supervisions", distinct=True),
            evaluation_count=Count("evaluations", distinct=True),
            satisfied_count=Count(
                "evaluations", filter=Q(evaluations__satisfied=True), distinct=True
            ),
        )
        .order_by("id")
    )


def project_list(*, jurisdiction: Jurisdiction, year: int | None = None) -> QuerySet[Proposal]:
    """Ballot candidates and chosen projects of the calls in the jurisdiction (of `year`, or
    every year) with their township's name, supervision and evaluation counts and the time of
    their latest progress update (`last_update_at`, None before the first)."""
    stages = [ProposalStage.CANDIDATE, ProposalStage.CHOSEN]
    queryset = jurisdiction.filter(Proposal.objects.filter(stage__in=stages))
    if year is not None:
        queryset = queryset.filter(call__year=year)
    return queryset.annotate(
        township=F("call__region__name"),
        supervision_count=Count("supervisions", distinct=True),
        evaluation_count=Count("evaluations", distinct=True),
        satisfied_count=Count("evaluations", filter=Q(evaluations__satisfied=True), distinct=True),
        last_update_at=Max("updates__at"),
    ).order_by("adcode", "id")


def project_map(*, jurisdiction: Jurisdiction) -> QuerySet[Proposal]:
    """Placed candidates and projects of every call in the jurisdiction: the map layer."""
    return project_list(jurisdiction=jurisdiction).filter(place__isnull=False).order_by("id")


def last_update_on(proposal: Proposal) -> str | None:
    """The date (Asia/Shanghai) of a listed project's latest progress update, ISO."""
    at = getattr(proposal, "last_update_at", None)
    return timezone.localdate(at).isoformat() if at else None


def ballot_list(*, jurisdiction: Jurisdiction) -> QuerySet[BallotSession]:
    """Ballot sessions in the jurisdiction, or of the deputy's congresses (the phone)."""
    if jurisdiction.reads_regions:
        queryset = jurisdiction.filter(BallotSession.objects.all())
    else:
        queryset = BallotSession.objects.filter(congress_of(jurisdiction.deputy_id, "call__"))
    return queryset.select_related("call").order_by("-id")


def ballot_detail(*, session: BallotSession, deputy_id: int | None = None) -> dict:
    """A session (accessed) for its page: candidates (with votes and result once closed),
    the counts once closed, and whether the deputy asking has voted (never what)."""
    closed = session.status == BallotStatus.CLOSED
    candidates = [
        {
            "id": c.id,
            "position": c.position,
            "proposal_id": c.proposal_id,
            "title": c.proposal.title,
            "description": c.proposal.description,
            "estimated_cost_yuan": c.proposal.estimated_cost_yuan,
            "votes": c.votes if closed else None,
            "result": c.result if closed else None,
        }
        for c in session.candidates.select_related("proposal").order_by("position")
    ]
    voted = (
        deputy_id is not None
        and BallotParticipation.objects.filter(session=session, deputy_id=deputy_id).exists()
    )
    return {
        "id": session.pk,
        "title": session.title,
        "call_id": session.call_id,
        "status": session.status,
        "min_choices": session.min_choices,
        "max_choices": session.max_choices,
        "eligible_count": session.eligible_count,
        "has_voted": voted,
        "opened_at": session.opened_at,
        "closed_at": session.closed_at,
        "turnout": session.turnout if closed else None,
        "blank_count": session.blank_count if closed else None,
        "quorum_met": session.quorum_met if closed else None,
        "paper_count": session.paper_count if closed else None,
        "invalid_count": session.invalid_count if closed else None,
        "paper_entries": paper_entries(session=session),
        "candidates": candidates,
    }


def paper_entries(*, session: BallotSession) -> list[dict]:
    """The tellers' entries of the paper count: who entered which, when, matched or waiting.
    The numbers of a waiting first entry are not shown (the second teller counts blind)."""
    return [
        {
            "entry": e.entry,
            "teller": e.teller.get_full_name() or e.teller.username,
            "teller_id": e.teller_id,
            "matched": e.matched,
            "at": e.at,
            "ballots": e.ballots if e.matched else None,
        }
        for e in PaperCount.objects.filter(session=session).select_related("teller")
    ]


SATISFACTION_BAR_PCT = 90  # Yueyang: satisfaction afterwards at least 90%


def call_summary(*, call: ProjectCall) -> dict:
    """One call (accessed) with its township's funnel (collected, shortlisted, voted,
    implemented), the deputies' satisfaction with its projects against the 90% bar, and its
    ballots."""
    evaluations = ProjectEvaluation.objects.filter(proposal__call=call).aggregate(
        total=Count("id"), satisfied=Count("id", filter=Q(satisfied=True))
    )
    return {
        "id": call.pk,
        "title": call.title,
        "adcode": call.adcode,
        "region_name": call.region.name,
        "year": call.year,
        "opens_on": call.opens_on,
        "closes_on": call.closes_on,
        "funnel": call_funnel(call=call),
        "satisfaction": _satisfaction(evaluations["total"], evaluations["satisfied"]),
        "ballots": [
            {"id": b.pk, "title": b.title, "status": b.status}
            for b in BallotSession.objects.filter(call=call).order_by("id")
        ],
    }


def map_status(proposal: Proposal) -> str:
    """The projects layer's colour: candidate, chosen, in_progress, done, evaluated."""
    if proposal.stage == ProposalStage.CANDIDATE:
        return "candidate"
    if getattr(proposal, "evaluation_count", 0):
        return "evaluated"
    if proposal.status in (ProjectStatus.IN_PROGRESS, ProjectStatus.DONE):
        return str(proposal.status)
    return "chosen"


def satisfaction_pct(proposal: Proposal) -> float | None:
    total = getattr(proposal, "evaluation_count", 0)
    return round(100 * getattr(proposal, "satisfied_count", 0) / total, 1) if total else None


def phone_votes(*, session: BallotSession) -> int:
    """How many deputies have voted on the phone so far: a count, never who."""
    return BallotParticipation.objects.filter(session=session).count()
