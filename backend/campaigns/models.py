"""Campaigns (e.g. 千名代表访万人, a 走访50户 year): a period of Asia/Shanghai days, a region (a
county or a township), the deputies taking part and the targets the campaign is judged by.

Written only by backend.campaigns.services; progress is derived from the visits
(backend.campaigns.selectors), never stored. Every row carries the `adcode`/`county_adcode` of
its region: jurisdiction filters on them.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=120)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    adcode = models.CharField(_("adcode"), max_length=12)
    county_adcode = models.CharField(_("county adcode"), max_length=6)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    # Targets (none = not judged on it): people reached and distinct households over the whole
    # campaign, the share of the region's cells visited, and households per deputy (走访50户).
    target_people = models.PositiveIntegerField(_("target: people"), null=True, blank=True)
    target_households = models.PositiveIntegerField(_("target: households"), null=True, blank=True)
    target_cells_pct = models.PositiveSmallIntegerField(
        _("target: share of cells covered (%)"), null=True, blank=True
    )
    target_households_per_deputy = models.PositiveIntegerField(
        _("target: households per deputy"), null=True, blank=True
    )
    deputies = models.ManyToManyField(
        "liaison.Deputy",
        through="CampaignDeputy",
        related_name="campaigns",
        verbose_name=_("deputies"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "id"]
        indexes = [
            models.Index(
                fields=["adcode"], name="campaign_adcode_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="campaign_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(target_cells_pct__isnull=True)
                | Q(target_cells_pct__gte=1, target_cells_pct__lte=100),
                name="campaign_cells_pct_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d})"


class CampaignDeputy(models.Model):
    """A deputy taking part in a campaign (added by default from the region's current
    deputies; staff add and remove)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="entries"
    )
    deputy = models.ForeignKey(
        "liaison.Deputy",
        verbose_name=_("deputy"),
        on_delete=models.CASCADE,
        related_name="campaign_entries",
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("campaign participant")
        verbose_name_plural = _("campaign participants")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "deputy"], name="campaign_deputy_unique")
        ]
        indexes = [models.Index(fields=["deputy"], name="campaigndeputy_deputy")]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.deputy_id}"
