"""Reads of the livelihood-projects funnel. Every read takes a `Jurisdiction` (or, on the
phone, the deputy whose congresses decide what they see). Nothing here reads
`AnonymousBallot` except the count at close; no read joins a participation to a ballot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from backend.accounts.jurisdiction import Jurisdiction

from .access import congress_of
from .models import (
    BallotParticipation,
    BallotSession,
    BallotStatus,
    CitizenRating,
    PaperCount,
    ProjectCall,
    ProjectEvaluation,
    ProjectStatus,
    Proposal,
    ProposalStage,
)

CITIZEN_SATISFIED_FROM = 3  # of 5: 基本满意 and better count as satisfied (满意率)

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


def open_call_for(*, jurisdiction: Jurisdiction, adcodes: list[str]) -> ProjectCall | None:
    """The call open today that a set of opinions (their `adcodes`) belongs to: of the calls
    of the jurisdiction whose region holds at least one of them, the one holding the most, a
    township's before its county's (the nearer congress), then the lower id. None if no call
    of theirs is open."""
    today = timezone.localdate()
    calls = jurisdiction.filter(
        ProjectCall.objects.filter(opens_on__lte=today, closes_on__gte=today)
    ).filter(adcode__in={a[:n] for a in adcodes for n in (6, 9)})

    def held(call: ProjectCall) -> tuple[int, int, int]:
        inside = sum(1 for a in adcodes if a.startswith(call.adcode))
        return (-inside, -len(call.adcode), call.pk)

    return min(calls, key=held, default=None)


def call_funnel(*, call: ProjectCall) -> dict[str, int]:
    """The Cili funnel of one call (accessed): collected, shortlisted, voted, implemented."""
    return Proposal.objects.filter(call=call).aggregate(
        **{name: Count("id", filter=q) for name, q in FUNNEL.items()}
    )


def township_funnel(*, jurisdiction: Jurisdiction, year: int | None = None) -> list[dict]:
    """The Cili funnel per region holding a call in the jurisdiction (a township; the county
    for a county's call), summed over its calls (of `year`, or every year), with the deputies'
    and citizens' satisfaction with its projects against the 90% bar (`satisfaction`). Three
    queries (the deputies' and the citizens' answers in one), ordered by adcode."""
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
    deputies = (
        ProjectEvaluation.objects.filter(proposal__call__in=calls)
        .values(adcode=F("proposal__call__adcode"))
        .annotate(
            citizen=Value(False),
            total=Count("id"),
            satisfied=Count("id", filter=Q(satisfied=True)),
        )
        .order_by()
    )
    citizens = (
        CitizenRating.objects.filter(proposal__call__in=calls)
        .values(adcode=F("proposal__call__adcode"))
        .annotate(
            citizen=Value(True),
            total=Count("id"),
            satisfied=Count("id", filter=Q(rating__gte=CITIZEN_SATISFIED_FROM)),
        )
        .order_by()
    )
    scores: dict[str, dict[str, int]] = {}
    for s in deputies.union(citizens, all=True):
        score = scores.setdefault(s["adcode"], {})
        side = "citizens" if s["citizen"] else "deputies"
        score[side], score[side + "_satisfied"] = s["total"], s["satisfied"]
    rows = []
    for r in regions:
        funnel: Mapping[str, Any] = funnels.get(r["adcode"], {})
        counts = scores.get(r["adcode"], {})
        rows.append(
            {
                "adcode": r["adcode"],
                "name": r["region__name"],
                "calls": r["calls"],
                "funnel": {name: funnel.get(name, 0) for name in FUNNEL},
                "satisfaction": satisfaction(
                    counts.get("deputies", 0),
                    counts.get("deputies_satisfied", 0),
                    counts.get("citizens", 0),
                    counts.get("citizens_satisfied", 0),
                ),
            }
        )
    return rows


def _with_satisfaction(queryset: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """Deputies' evaluations and citizens' ratings per proposal, counted in subqueries (no
    join fan-out with the other counts)."""
    evaluations = ProjectEvaluation.objects.filter(proposal=OuterRef("pk")).values("proposal")
    ratings = CitizenRating.objects.filter(proposal=OuterRef("pk")).values("proposal")

    def counted(rows, **filters):
        return Coalesce(
            Subquery(rows.filter(**filters).annotate(n=Count("id")).values("n")), Value(0)
        )

    return queryset.annotate(
        evaluation_count=counted(evaluations),
        satisfied_count=counted(evaluations, satisfied=True),
        citizen_count=counted(ratings),
        citizen_satisfied_count=counted(ratings, rating__gte=CITIZEN_SATISFIED_FROM),
    )


def proposal_list(*, call: ProjectCall) -> QuerySet[Proposal]:
    """A call's proposals (the call came through the access module), with the counts the work
    list and the map show."""
    return _with_satisfaction(
        Proposal.objects.filter(call=call).annotate(
            evidence_count=Count("evidence", distinct=True),
            supervision_count=Count("supervisions", distinct=True),
        )
    ).order_by("id")


def project_list(*, jurisdiction: Jurisdiction, year: int | None = None) -> QuerySet[Proposal]:
    """Ballot candidates and chosen projects of the calls in the jurisdiction (of `year`, or
    every year) with their township's name, supervision and evaluation counts and the time of
    their latest progress update (`last_update_at`, None before the first)."""
    stages = [ProposalStage.CANDIDATE, ProposalStage.CHOSEN]
    queryset = jurisdiction.filter(Proposal.objects.filter(stage__in=stages))
    if year is not None:
        queryset = queryset.filter(call__year=year)
    return _with_satisfaction(
        queryset.annotate(
            township=F("call__region__name"),
            supervision_count=Count("supervisions", distinct=True),
            last_update_at=Max("updates__at"),
        )
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
        "quorum": session.quorum,
        "session_on": session.session_on,
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


def _pct(part: int, total: int) -> float | None:
    return round(100 * part / total, 1) if total else None


def satisfaction(deputies: int, deputies_satisfied: int, citizens: int, citizens_satisfied: int):
    """The satisfaction against the 90% bar: deputies' evaluations (satisfied yes/no) and
    citizens' ratings (satisfied from 3 of 5: 基本满意, 满意, 非常满意) counted together in
    `pct`, each also on its own. `evaluations`/`satisfied` are the pooled answers."""
    total, satisfied = deputies + citizens, deputies_satisfied + citizens_satisfied
    pct = _pct(satisfied, total)
    return {
        "evaluations": total,
        "satisfied": satisfied,
        "pct": pct,
        "deputies": deputies,
        "deputies_pct": _pct(deputies_satisfied, deputies),
        "citizens": citizens,
        "citizens_pct": _pct(citizens_satisfied, citizens),
        "bar_pct": SATISFACTION_BAR_PCT,
        "meets_bar": None if pct is None else pct >= SATISFACTION_BAR_PCT,
    }


def call_summary(*, call: ProjectCall) -> dict:
    """One call (accessed) with its township's funnel (collected, shortlisted, voted,
    implemented), the deputies' and citizens' satisfaction with its projects against the 90%
    bar (`satisfaction`), and its ballots."""
    evaluations = ProjectEvaluation.objects.filter(proposal__call=call).aggregate(
        total=Count("id"), satisfied=Count("id", filter=Q(satisfied=True))
    )
    ratings = CitizenRating.objects.filter(proposal__call=call).aggregate(
        total=Count("id"), satisfied=Count("id", filter=Q(rating__gte=CITIZEN_SATISFIED_FROM))
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
        "satisfaction": satisfaction(
            evaluations["total"], evaluations["satisfied"], ratings["total"], ratings["satisfied"]
        ),
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
    """Deputies' and citizens' satisfaction together (`_with_satisfaction`'s counts)."""
    total = getattr(proposal, "evaluation_count", 0) + getattr(proposal, "citizen_count", 0)
    satisfied = getattr(proposal, "satisfied_count", 0) + getattr(
        proposal, "citizen_satisfied_count", 0
    )
    return _pct(satisfied, total)


def project_public(*, proposal: Proposal) -> dict:
    """What the citizens' satisfaction page shows of a finished project (public access): its
    facts, progress and the satisfaction so far; nobody's name, no contact."""
    row = _with_satisfaction(Proposal.objects.filter(pk=proposal.pk)).get()
    return {
        "id": proposal.pk,
        "title": proposal.title,
        "description": proposal.description,
        "region_name": proposal.call.region.name,
        "year": proposal.call.year,
        "department": proposal.department,
        "status": proposal.status,
        "progress_pct": proposal.progress_pct,
        "satisfaction": satisfaction(
            getattr(row, "evaluation_count", 0),
            getattr(row, "satisfied_count", 0),
            getattr(row, "citizen_count", 0),
            getattr(row, "citizen_satisfied_count", 0),
        ),
    }


def call_public(*, call: ProjectCall) -> dict:
    """What the citizens' proposal page shows of a call: its title, region, year and dates."""
    today = timezone.localdate()
    return {
        "id": call.pk,
        "title": call.title,
        "region_name": call.region.name,
        "year": call.year,
        "opens_on": call.opens_on,
        "closes_on": call.closes_on,
        "open": call.opens_on <= today <= call.closes_on,
    }


def phone_votes(*, session: BallotSession) -> int:
    """How many deputies have voted on the phone so far: a count, never who."""
    return BallotParticipation.objects.filter(session=session).count()


def rated_by_device(*, proposal: Proposal, device_hash: str) -> bool:
    """Whether this device (its keyed hash) has rated the project already."""
    return CitizenRating.objects.filter(proposal=proposal, device_hash=device_hash).exists()
