"""Livelihood projects decided by deputies' vote (民生实事项目代表票决制).

征 collect: a `ProjectCall` per township (or county) and year gathers `Proposal`s (from staff,
from deputies in the field, from an opinion cluster with its opinions as `ProposalEvidence`).
立 shortlist: a proposal moves through the five forms as `stage`s of the one record, each move
a `ProposalStageChange` (who, when, why); duplicates are merged into a kept proposal.
决 decide: a `BallotSession` lists `BallotCandidate`s (proposals at the candidate stage) and
how many may be chosen (差额: fewer seats than candidates). A deputy who votes gets ONE
`BallotParticipation` row (unique per session: the database refuses a second) and the content
goes, in the same transaction, to an `AnonymousBallot` row that names no deputy, has a random
UUID key and no timestamp (docs/security.md, "Secret ballots"). 办督评: a chosen proposal's
`ProjectUpdate`s (progress, dated), `SupervisionVisit`s and `ProjectEvaluation`s.

Every row carries `adcode`/`county_adcode` of its call's region: jurisdiction filters on them.
"""

from __future__ import annotations

import uuid

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from backend.liaison.models import CongressLevel


class ProposalSource(models.TextChoices):
    STAFF = "staff", _("staff")
    DEPUTY = "deputy", _("deputy in the field")
    CLUSTER = "cluster", _("opinion cluster")
    CITIZEN = "citizen", _("citizen")


class ProposalStage(models.TextChoices):
    """The five forms (五表) as stages, then the outcomes."""

    COLLECTED = "collected", _("collected (项目海选征集表)")
    REFERRED = "referred", _("government discussion and referral (政府讨论交办表)")
    CONSULTED = "consulted", _("public consultation (征求民意建议表)")
    REVIEWED = "reviewed", _("party committee review (党委研究汇总表)")
    CANDIDATE = "candidate", _("ballot candidate (代表票决候选表)")
    CHOSEN = "chosen", _("chosen by the deputies' vote")
    NOT_CHOSEN = "not_chosen", _("not chosen")
    REJECTED = "rejected", _("not taken forward")
    MERGED = "merged", _("merged into another proposal")


class ProjectStatus(models.TextChoices):
    """A chosen project's implementation (办), after the vote."""

    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")


class ScopedRow(models.Model):
    adcode = models.CharField(_("adcode"), max_length=12, db_index=True)
    county_adcode = models.CharField(_("county adcode"), max_length=6)

    class Meta:
        abstract = True


class ProjectCall(ScopedRow):
    """A call for proposals (征集) of one township's (or county's) congress for one year."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("congress level"), max_length=10, choices=CongressLevel.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=120)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("call for proposals")
        verbose_name_plural = _("calls for proposals")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="projectcall_one_per_year"),
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="projectcall_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Proposal(ScopedRow):
    call = models.ForeignKey(
        ProjectCall, verbose_name=_("call"), on_delete=models.PROTECT, related_name="proposals"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"))
    place = models.GeometryField(_("place"), null=True, blank=True)  # point, line or area
    estimated_cost_yuan = models.PositiveBigIntegerField(_("estimated cost (yuan)"))
    source = models.CharField(_("source"), max_length=10, choices=ProposalSource.choices)
    # The account that entered it; none for a citizen's proposal through the public page
    # (source `citizen`): the check constraint `proposal_has_author` allows nothing else.
    proposed_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A citizen's phone number (digits), kept only with the consent tick; masked on every read
    # (backend.core.privacy.mask_contact), as the intake's opinions.
    citizen_contact = models.CharField(_("citizen contact"), max_length=20, blank=True)
    contact_consent = models.BooleanField(_("contact consent"), default=False)
    deputy = models.ForeignKey(
        "liaison.Deputy",
        verbose_name=_("deputy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    client_uuid = models.UUIDField(_("client UUID"), null=True, blank=True)
    stage = models.CharField(
        _("stage"), max_length=12, choices=ProposalStage.choices, default=ProposalStage.COLLECTED
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    # Implementation (办), once chosen.
    department = models.CharField(_("responsible department"), max_length=100, blank=True)
    budget_yuan = models.PositiveBigIntegerField(_("budget (yuan)"), null=True, blank=True)
    status = models.CharField(_("implementation status"), max_length=12, blank=True)
    progress_pct = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deputy", "client_uuid"],
                condition=Q(client_uuid__isnull=False),
                name="proposal_unique_client_uuid",
            ),
            models.CheckConstraint(
                condition=Q(progress_pct__lte=100), name="proposal_progress_range"
            ),
            models.CheckConstraint(
                condition=~Q(stage=ProposalStage.MERGED) | Q(merged_into__isnull=False),
                name="proposal_merged_has_target",
            ),
            models.CheckConstraint(
                condition=Q(proposed_by__isnull=False) | Q(source=ProposalSource.CITIZEN),
                name="proposal_has_author",
            ),
            models.CheckConstraint(
                condition=Q(citizen_contact="") | Q(contact_consent=True),
                name="proposal_contact_needs_consent",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProposalEvidence(models.Model):
    """An opinion that started a proposal (a cluster's members): the trail back to the field."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="evidence"
    )
    opinion = models.ForeignKey(
        "opinions.Opinion", verbose_name=_("opinion"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "opinion"], name="evidence_unique")
        ]


class ProposalStageChange(models.Model):
    """One step of the shortlist (who decided, when and why): the history of the five forms."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="stages"
    )
    from_stage = models.CharField(_("from"), max_length=12, choices=ProposalStage.choices)
    to_stage = models.CharField(_("to"), max_length=12, choices=ProposalStage.choices)
    actor = models.ForeignKey(
        "accounts.User", verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["at", "id"]


class BallotStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed, results published")


class QuorumRule(models.TextChoices):
    """Who must have voted for the count to stand, against the eligible deputies."""

    HALF = "half", _("more than half")
    TWO_THIRDS = "two_thirds", _("at least two thirds")


class BallotSession(ScopedRow):
    """A secret competitive vote (无记名差额投票) of one congress on a call's candidates."""

    call = models.ForeignKey(
        ProjectCall, verbose_name=_("call"), on_delete=models.PROTECT, related_name="ballots"
    )
    title = models.CharField(_("title"), max_length=120)
    min_choices = models.PositiveSmallIntegerField(_("minimum choices"), default=0)
    max_choices = models.PositiveSmallIntegerField(_("seats (maximum choices)"))
    status = models.CharField(
        _("status"), max_length=8, choices=BallotStatus.choices, default=BallotStatus.OPEN
    )
    eligible_count = models.PositiveIntegerField(_("eligible deputies"))
    quorum = models.CharField(
        _("quorum"), max_length=10, choices=QuorumRule.choices, default=QuorumRule.HALF
    )
    session_on = models.DateField(_("congress session date"), null=True, blank=True)
    opened_by = models.ForeignKey(
        "accounts.User", verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    turnout = models.PositiveIntegerField(_("ballots cast"), null=True, blank=True)
    blank_count = models.PositiveIntegerField(_("blank ballots"), null=True, blank=True)
    quorum_met = models.BooleanField(_("quorum met"), null=True, blank=True)
    paper_count = models.PositiveIntegerField(_("paper ballots"), null=True, blank=True)
    invalid_count = models.PositiveIntegerField(_("invalid paper ballots"), null=True, blank=True)

    class Meta:
        verbose_name = _("ballot session")
        verbose_name_plural = _("ballot sessions")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_choices__gte=1) & Q(min_choices__lte=F("max_choices")),
                name="ballotsession_choices_range",
            )
        ]

    def __str__(self) -> str:
        return self.title


class CandidateResult(models.TextChoices):
    ELECTED = "elected", _("chosen")
    TIED = "tied", _("tied: a run-off ballot decides")
    NOT_ELECTED = "not_elected", _("not chosen")


class BallotCandidate(models.Model):
    session = models.ForeignKey(
        BallotSession, verbose_name=_("ballot"), on_delete=models.CASCADE, related_name="candidates"
    )
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("position on the ballot"))
    votes = models.PositiveIntegerField(_("votes"), null=True, blank=True)
    result = models.CharField(
        _("result"), max_length=12, choices=CandidateResult.choices, blank=True
    )

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "proposal"], name="candidate_unique"),
            models.UniqueConstraint(fields=["session", "position"], name="candidate_position"),
        ]


class BallotParticipation(models.Model):
    """That a deputy has voted in a session, and nothing else: no time, no content. The unique
    constraint is the database's guarantee of one ballot per deputy per session."""

    session = models.ForeignKey(
        BallotSession,
        verbose_name=_("ballot"),
        on_delete=models.CASCADE,
        related_name="participations",
    )
    deputy = models.ForeignKey(
        "liaison.Deputy", verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "deputy"], name="participation_one_per_deputy"
            )
        ]


class AnonymousBallot(models.Model):
    """A cast ballot's content: the chosen candidates' ids (sorted), empty = blank. No deputy,
    no timestamp, a random key: nothing here orders or names its voter."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(
        BallotSession, verbose_name=_("ballot"), on_delete=models.CASCADE, related_name="+"
    )
    choices = ArrayField(models.PositiveIntegerField(), verbose_name=_("choices"), default=list)

    class Meta:
        verbose_name = _("anonymous ballot")
        verbose_name_plural = _("anonymous ballots")


class PaperCount(models.Model):
    """One teller's count of the paper ballots cast in the hall (唱票/计票): entered twice, by
    two different staff accounts; only a matching second entry makes the pair count
    (`matched`). Totals only, per candidate: nothing of any single ballot or voter."""

    session = models.ForeignKey(
        BallotSession,
        verbose_name=_("ballot"),
        on_delete=models.CASCADE,
        related_name="paper_counts",
    )
    entry = models.PositiveSmallIntegerField(_("entry (1 or 2)"))
    teller = models.ForeignKey(
        "accounts.User", verbose_name=_("teller"), on_delete=models.PROTECT, related_name="+"
    )
    ballots = models.PositiveIntegerField(_("paper ballots cast"))
    blank = models.PositiveIntegerField(_("blank ballots"))
    invalid = models.PositiveIntegerField(_("invalid ballots"))
    votes = models.JSONField(_("votes per candidate"), default=dict)  # {"<candidate id>": n}
    matched = models.BooleanField(_("matched"), default=False)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("paper count")
        verbose_name_plural = _("paper counts")
        ordering = ["session", "entry"]
        constraints = [
            models.UniqueConstraint(fields=["session", "entry"], name="papercount_one_per_entry"),
            models.UniqueConstraint(fields=["session", "teller"], name="papercount_one_per_teller"),
            models.CheckConstraint(condition=Q(entry__in=[1, 2]), name="papercount_entry_1_or_2"),
        ]


class ProjectUpdate(models.Model):
    """A dated progress update of a chosen project (办)."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("project"), on_delete=models.CASCADE, related_name="updates"
    )
    status = models.CharField(_("status"), max_length=12, choices=ProjectStatus.choices)
    progress_pct = models.PositiveSmallIntegerField(_("progress (%)"))
    note = models.TextField(_("note"))
    author = models.ForeignKey(
        "accounts.User", verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_pct__lte=100), name="projectupdate_progress_range"
            )
        ]


class SupervisionVisit(models.Model):
    """A deputy's inspection (视察) of a chosen project, with findings (督)."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("project"), on_delete=models.CASCADE, related_name="supervisions"
    )
    deputy = models.ForeignKey(
        "liaison.Deputy", verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="+"
    )
    client_uuid = models.UUIDField(_("client UUID"))
    findings = models.TextField(_("findings"))
    visited_at = models.DateTimeField(_("visited at"))

    class Meta:
        verbose_name = _("supervision visit")
        verbose_name_plural = _("supervision visits")
        ordering = ["-visited_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["deputy", "client_uuid"], name="supervision_unique_client_uuid"
            )
        ]


class ProjectEvaluation(models.Model):
    """A deputy's satisfaction with a project (评): one per deputy and project."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("project"), on_delete=models.CASCADE, related_name="evaluations"
    )
    deputy = models.ForeignKey(
        "liaison.Deputy", verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="+"
    )
    satisfied = models.BooleanField(_("satisfied"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "deputy"], name="evaluation_one_per_deputy")
        ]


class CitizenRating(models.Model):
    """A citizen's satisfaction (1-5) with a finished project, from its public page (评): one
    per device (`device_hash`, the keyed hash of the page's random device cookie; the cookie
    itself, an IP address or a name are never stored)."""

    proposal = models.ForeignKey(
        Proposal,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="citizen_ratings",
    )
    rating = models.PositiveSmallIntegerField(_("rating (1-5)"))
    device_hash = models.CharField(_("device (keyed hash)"), max_length=64)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("citizen's rating")
        verbose_name_plural = _("citizens' ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "device_hash"], name="citizenrating_one_per_device"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="citizenrating_range"
            ),
        ]
