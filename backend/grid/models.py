"""Grid cells (网格) and the assignment of deputies to them.

A cell belongs to one region (township or county) and carries the adcodes it lies in, so that
jurisdiction scoping and sharding by county need no spatial work. The cells of a region tile it.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CellSource(models.TextChoices):
    IMPORTED = "imported", _("imported")
    SQUARE = "square", _("generated square")
    HEX = "hex", _("generated hexagon")


class GridCell(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="cells"
    )
    adcode = models.CharField(_("adcode"), max_length=12, help_text=_("adcode of the region"))
    county_adcode = models.CharField(_("county adcode"), max_length=6)
    boundary = models.MultiPolygonField(_("boundary"))
    display_boundary = models.MultiPolygonField(_("display boundary"), null=True, blank=True)
    area_m2 = models.FloatField(_("area (m²)"))
    households = models.PositiveIntegerField(_("households"), default=0)
    population = models.PositiveIntegerField(_("population"), default=0)
    source = models.CharField(_("source"), max_length=10, choices=CellSource.choices)

    class Meta:
        verbose_name = _("grid cell")
        verbose_name_plural = _("grid cells")
        ordering = ["code"]
        indexes = [
            models.Index(
                fields=["adcode"], name="gridcell_adcode_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["county_adcode"], name="gridcell_county"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(boundary__isvalid=True), name="gridcell_boundary_valid"
            ),
            models.CheckConstraint(condition=Q(area_m2__gt=0), name="gridcell_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    ENDED = "ended", _("ended")


class GridAssignment(models.Model):
    """A deputy is responsible for a cell from `valid_from` until `valid_to` (open = current)."""

    deputy = models.ForeignKey(
        "liaison.Deputy",
        verbose_name=_("deputy"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    cell = models.ForeignKey(
        GridCell, verbose_name=_("grid cell"), on_delete=models.PROTECT, related_name="assignments"
    )
    county_adcode = models.CharField(_("county adcode"), max_length=6)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    valid_from = models.DateTimeField(_("from"))
    valid_to = models.DateTimeField(_("until"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.ACTIVE,
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grid assignment")
        verbose_name_plural = _("grid assignments")
        indexes = [models.Index(fields=["cell", "status"], name="assignment_cell_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["deputy", "cell"],
                condition=Q(status="active"),
                name="assignment_one_active_per_deputy_cell",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="assignment_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deputy_id} → {self.cell_id} ({self.status})"
