"""The deputies' performance record (履职档案): targets, staff-entered events, point rules,
disputes. The record itself is derived (backend/performance/selectors.py), never stored.

- `Target`: a county's target for an item in a year (none configured → items.DEFAULT_TARGETS).
- `RecordEntry`: an event the system cannot see (a speech at the congress, a suggestion on
  paper), entered by staff with evidence; it counts once another person verified it
  (entered → verified → audited, or rejected), each step a `RecordEntryTransition`.
- `PointRule`: a version of the points of an item in a county, in force from `effective_from`
  (never before the day it was created: the past is not rewritten) until the next version.
- `PointDispute`: a deputy contests one line of their points; staff uphold (with the points the
  line should give) or reject it; each step a `PointDisputeTransition`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .items import STAFF_ITEMS, Item, Period


class Target(models.Model):
    county_adcode = models.CharField(_("county adcode"), max_length=6)
    year = models.PositiveSmallIntegerField(_("year"))
    item = models.CharField(_("item"), max_length=16, choices=Item.choices)
    target = models.PositiveIntegerField(_("target"))

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["county_adcode", "year", "item"], name="target_one_per_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.county_adcode} {self.year} {self.get_item_display()} ≥ {self.target}"


class EntryStatus(models.TextChoices):
    ENTERED = "entered", _("entered")
    VERIFIED = "verified", _("verified")
    AUDITED = "audited", _("audited")
    REJECTED = "rejected", _("rejected")


COUNTED_ENTRY_STATUSES = (EntryStatus.VERIFIED, EntryStatus.AUDITED)


class RecordEntry(models.Model):
    deputy = models.ForeignKey(
        "liaison.Deputy",
        verbose_name=_("deputy"),
        on_delete=models.PROTECT,
        related_name="record_entries",
    )
    adcode = models.CharField(_("adcode"), max_length=12)
    county_adcode = models.CharField(_("county adcode"), max_length=6, db_index=True)
    item = models.CharField(
        _("item"), max_length=16, choices=[(i.value, i.label) for i in STAFF_ITEMS]
    )
    occurred_on = models.DateField(_("date"))
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    description = models.CharField(_("description"), max_length=500)
    evidence = models.CharField(_("evidence"), max_length=500)
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.ENTERED
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)

    class Meta:
        verbose_name = _("record entry")
        verbose_name_plural = _("record entries")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["deputy", "occurred_on"], name="recordentry_deputy_day")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="recordentry_quantity_pos")
        ]

    def __str__(self) -> str:
        return f"{self.deputy} {self.occurred_on} {self.get_item_display()}"


class StepHistory(models.Model):
    """One step of an entry's or a dispute's history (who, when, why); the subclass adds the
    row it belongs to and the statuses."""

    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{getattr(self, 'from_status', '') or '-'} → {getattr(self, 'to_status', '')}"


class RecordEntryTransition(StepHistory):
    entry = models.ForeignKey(
        RecordEntry,
        verbose_name=_("record entry"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_status = models.CharField(
        _("from"), max_length=10, choices=EntryStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=10, choices=EntryStatus.choices)

    class Meta(StepHistory.Meta):
        verbose_name = _("record entry transition")
        verbose_name_plural = _("record entry transitions")


class PointRule(models.Model):
    county_adcode = models.CharField(_("county adcode"), max_length=6)
    item = models.CharField(_("item"), max_length=16, choices=Item.choices)
    points = models.SmallIntegerField(_("points per unit"))
    cap = models.PositiveIntegerField(_("cap per period"), null=True, blank=True)
    period = models.CharField(
        _("period"), max_length=8, choices=Period.choices, default=Period.YEAR
    )
    effective_from = models.DateField(_("effective from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("point rule")
        verbose_name_plural = _("point rules")
        ordering = ["county_adcode", "item", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["county_adcode", "item", "effective_from"], name="pointrule_one_per_day"
            )
        ]

    def __str__(self) -> str:
        item = self.get_item_display()
        return f"{self.county_adcode} {item} {self.points:+d} ({self.effective_from})"


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("open")
    UPHELD = "upheld", _("upheld")
    REJECTED = "rejected", _("rejected")


class PointDispute(models.Model):
    """One contested line: the line is named by its event (`source`, `ref`) and `item`."""

    deputy = models.ForeignKey(
        "liaison.Deputy",
        verbose_name=_("deputy"),
        on_delete=models.PROTECT,
        related_name="point_disputes",
    )
    county_adcode = models.CharField(_("county adcode"), max_length=6, db_index=True)
    adcode = models.CharField(_("adcode"), max_length=12)
    source = models.CharField(_("source"), max_length=16)
    ref = models.PositiveBigIntegerField(_("event id"))
    item = models.CharField(_("item"), max_length=16, choices=Item.choices)
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(
        _("status"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    adjusted_points = models.SmallIntegerField(_("adjusted points"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("point dispute")
        verbose_name_plural = _("point disputes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deputy", "source", "ref", "item"],
                condition=Q(status="open"),
                name="pointdispute_one_open_per_line",
            )
        ]

    def __str__(self) -> str:
        return f"{self.deputy} {self.source}:{self.ref} {self.get_item_display()}"


class PointDisputeTransition(StepHistory):
    dispute = models.ForeignKey(
        PointDispute,
        verbose_name=_("point dispute"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_status = models.CharField(
        _("from"), max_length=10, choices=DisputeStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=10, choices=DisputeStatus.choices)

    class Meta(StepHistory.Meta):
        verbose_name = _("point dispute transition")
        verbose_name_plural = _("point dispute transitions")
