"""Station life: deliberation days (议事) with their topics, resolutions and action items; the
joint activities and cross-border problems of cross-province links (省际协同); the registers a
station keeps (一表两卡三簿).

Every row a jurisdiction reads carries the `adcode` / `county_adcode` of its station (copied at
creation, as elsewhere), so reads are adcode-prefix matches. Link rows are read through their
link (both sides: backend.stationlife.access).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

SCORE_MIN, SCORE_MAX = 1, 5
MAX_CHOSEN_TOPICS = 2  # 1–2 topics per deliberation day

# 一表两卡三簿: one form, two cards, three registers.
REGISTERS = (
    "duty_form",  # 值班表
    "contact_card",  # 代表联系卡
    "duty_card",  # 值班公示卡
    "reception_register",  # 接待登记簿
    "opinion_register",  # 意见处理簿
    "activity_register",  # 活动记录簿
)


def default_registers() -> dict:
    return dict.fromkeys(REGISTERS, False)


class DeliberationStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    HELD = "held", _("held")
    CANCELLED = "cancelled", _("cancelled")


class Deliberation(models.Model):
    """A deliberation day (议事日) of a station or street committee, on its rule's date."""

    station = models.ForeignKey(
        "liaison.Station",
        verbose_name=_("station"),
        on_delete=models.CASCADE,
        related_name="deliberations",
    )
    adcode = models.CharField(_("adcode"), max_length=12)
    county_adcode = models.CharField(_("county adcode"), max_length=6)
    date = models.DateField(_("date"))
    opens_at = models.TimeField(_("starts at"), default=dt.time(9, 0))
    place = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliberationStatus.choices,
        default=DeliberationStatus.PLANNED,
    )
    minutes = models.TextField(_("minutes"), blank=True)
    deputies = models.ManyToManyField(
        "liaison.Deputy", verbose_name=_("participating deputies"), blank=True, related_name="+"
    )
    departments = models.ManyToManyField(
        "opinions.Department",
        verbose_name=_("invited departments"),
        blank=True,
        related_name="+",
    )
    # Set once by the job stationlife.send_notices, in the transaction that sends the notice.
    notice_sent_at = models.DateTimeField(_("notice sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deliberation day")
        verbose_name_plural = _("deliberation days")
        ordering = ["-date", "id"]
        indexes = [
            models.Index(
                fields=["adcode"], name="delib_adcode_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["status", "date"], name="delib_status_date"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["station", "date"], name="delib_one_per_station_day"),
        ]

    def __str__(self) -> str:
        return f"{self.station} · {self.date}"


class DeliberationTopic(models.Model):
    """A candidate topic, scored 1–5 on importance, urgency and social impact; staff choose 1–2
    of the candidates (the ranked list is by `score`, their sum)."""

    deliberation = models.ForeignKey(
        Deliberation,
        verbose_name=_("deliberation day"),
        on_delete=models.CASCADE,
        related_name="topics",
    )
    title = models.CharField(_("title"), max_length=200)
    importance = models.PositiveSmallIntegerField(_("importance"))
    urgency = models.PositiveSmallIntegerField(_("urgency"))
    impact = models.PositiveSmallIntegerField(_("social impact"))
    chosen = models.BooleanField(_("chosen"), default=False)
    opinions = models.ManyToManyField(
        "opinions.Opinion", verbose_name=_("opinions"), blank=True, related_name="+"
    )
    visits = models.ManyToManyField(
        "visits.Visit", verbose_name=_("visits"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("deliberation topic")
        verbose_name_plural = _("deliberation topics")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(importance__range=(SCORE_MIN, SCORE_MAX))
                & Q(urgency__range=(SCORE_MIN, SCORE_MAX))
                & Q(impact__range=(SCORE_MIN, SCORE_MAX)),
                name="topic_scores_range",
            ),
        ]

    @property
    def score(self) -> int:
        return self.importance + self.urgency + self.impact

    def __str__(self) -> str:
        return self.title


class Resolution(models.Model):
    deliberation = models.ForeignKey(
        Deliberation,
        verbose_name=_("deliberation day"),
        on_delete=models.CASCADE,
        related_name="resolutions",
    )
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["id"]


class ActionStatus(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("done")


class ActionItem(models.Model):
    """An action of a deliberation's plan: an owner, a deadline, followed until done; linked to
    the opinions it answers. Overdue = open past `due_on` (Asia/Shanghai dates)."""

    deliberation = models.ForeignKey(
        Deliberation,
        verbose_name=_("deliberation day"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    adcode = models.CharField(_("adcode"), max_length=12)
    county_adcode = models.CharField(_("county adcode"), max_length=6)
    text = models.TextField(_("action"))
    owner = models.CharField(_("owner"), max_length=100)
    department = models.ForeignKey(
        "opinions.Department",
        verbose_name=_("owning department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_on = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=6, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    progress = models.TextField(_("progress notes"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    opinions = models.ManyToManyField(
        "opinions.Opinion", verbose_name=_("answers opinions"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(
                fields=["adcode"], name="action_adcode_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["status", "due_on"], name="action_status_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", done_at__isnull=True)
                | Q(status="done", done_at__isnull=False),
                name="action_done_has_time",
            ),
        ]


class ActivityKind(models.TextChoices):
    RECEPTION = "reception", _("joint reception")  # 接待
    EXCHANGE = "exchange", _("exchange")  # 交流
    INTERACTION = "interaction", _("interaction")  # 互动
    SURVEY = "survey", _("joint survey")  # 联合调研


class JointActivity(models.Model):
    """A joint activity of a cross-province link: both sides read it (and only it)."""

    link = models.ForeignKey(
        "liaison.StationLink",
        verbose_name=_("link"),
        on_delete=models.CASCADE,
        related_name="activities",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ActivityKind.choices)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    participants_a = ArrayField(
        models.CharField(max_length=50),
        verbose_name=_("participants of side A"),
        default=list,
        blank=True,
    )
    participants_b = ArrayField(
        models.CharField(max_length=50),
        verbose_name=_("participants of side B"),
        default=list,
        blank=True,
    )
    summary = models.TextField(_("summary"), blank=True)
    suggestions = models.PositiveIntegerField(_("suggestions raised"), default=0)
    problems_solved = models.PositiveIntegerField(_("problems solved"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("joint activity")
        verbose_name_plural = _("joint activities")
        ordering = ["-date", "id"]
        indexes = [models.Index(fields=["link", "date"], name="activity_link_date")]


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("open")
    SOLVED = "solved", _("solved")


class CrossBorderProblem(models.Model):
    """A problem raised on one side of a link about a place on the other: handled by the side
    where the place is (属地管理), read by both sides of that link only."""

    link = models.ForeignKey(
        "liaison.StationLink",
        verbose_name=_("link"),
        on_delete=models.CASCADE,
        related_name="problems",
    )
    raised_by = models.ForeignKey(
        "liaison.Station",
        verbose_name=_("raised by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    handled_by = models.ForeignKey(
        "liaison.Station",
        verbose_name=_("handled by (属地)"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    place_adcode = models.CharField(_("adcode of the place"), max_length=12)
    place = models.CharField(_("place"), max_length=200)
    text = models.TextField(_("problem"))
    status = models.CharField(
        _("status"), max_length=6, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    answer = models.TextField(_("answer"), blank=True)
    raised_at = models.DateTimeField(_("raised at"))
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("cross-border problem")
        verbose_name_plural = _("cross-border problems")
        ordering = ["-raised_at", "id"]


class StationRegisters(models.Model):
    """Whether a station keeps its one form, two cards and three registers (一表两卡三簿)."""

    station = models.OneToOneField(
        "liaison.Station",
        verbose_name=_("station"),
        on_delete=models.CASCADE,
        related_name="registers",
    )
    kept = models.JSONField(_("registers kept"), default=default_registers)
    checked_on = models.DateField(_("checked on"), null=True, blank=True)

    class Meta:
        verbose_name = _("station registers")
        verbose_name_plural = _("station registers")
