"""Coverage analytics tables, kept current by database triggers on `visits_visit` INSERT.

Every writer of visits (phone API, demo loader, benchmarks, admin) goes through PostgreSQL, so the
summaries are maintained there, set-based, by STATEMENT-level triggers with transition tables
(migration 0002, see docs/decisions.md). Python never writes these rows except through
`backend.coverage.services` (rolling the windows forward, rebuilding).

Windows are whole local days (Asia/Shanghai): "the last N days" = visits whose local day is on
or after `today - (N - 1)`. The per-cell window columns are "as of" `CoverageClock.as_of`; they
are rolled forward once per day by subtracting the day(s) that left each window.

Households visited in a window = distinct household references (hashed) of household visits
whose latest visit lies in the window + the `households` of household visits recorded without a
reference. Visits of other kinds (forums, receptions) count as visits, not households.
"""

from django.contrib.gis.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

# Windows (days) kept pre-aggregated per cell; other windows are computed from CellDay.
STANDARD_WINDOWS_DAYS = (30, 90, 180, 365)
# Heat is binned at these H3 resolutions; `h3_r7` of each cell gives the parents.
HEAT_RESOLUTIONS = (4, 5, 6, 7)


class CoverageClock(models.Model):
    """Singleton (id=1): the day the per-cell window columns are computed for."""

    as_of = models.DateField(_("windows as of"))

    class Meta:
        verbose_name = _("coverage clock")
        verbose_name_plural = _("coverage clock")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="coverageclock_singleton")]


class CellSummary(models.Model):
    """One row per grid cell (created by a trigger on grid cells), all numbers for the cell."""

    # Derived rows: no database foreign keys (no deferred check per upserted row in the visit
    # trigger); the ORM still cascades, and coverage_rebuild() drops rows of deleted cells.
    cell = models.OneToOneField(
        "grid.GridCell",
        verbose_name=_("grid cell"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="summary",
        db_constraint=False,
    )
    adcode = models.CharField(_("adcode"), max_length=12)
    county_adcode = models.CharField(_("county adcode"), max_length=6)
    # H3 (res 7) of the cell's interior point (ST_PointOnSurface); heat bins use its parents.
    h3_r7 = models.BigIntegerField(_("H3 index (res 7)"), null=True)
    # some deputy has an active assignment to the cell (kept by a trigger on assignments)
    assigned = models.BooleanField(_("assigned"), default=False)
    last_visit_at = models.DateTimeField(_("last visit"), null=True)
    visits_total = models.PositiveIntegerField(_("visits (all time)"), default=0)
    households_total = models.PositiveIntegerField(_("households visited (all time)"), default=0)
    visits_30d = models.PositiveIntegerField(default=0)
    households_30d = models.PositiveIntegerField(default=0)
    visits_90d = models.PositiveIntegerField(default=0)
    households_90d = models.PositiveIntegerField(default=0)
    visits_180d = models.PositiveIntegerField(default=0)
    households_180d = models.PositiveIntegerField(default=0)
    visits_365d = models.PositiveIntegerField(default=0)
    households_365d = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("cell coverage summary")
        verbose_name_plural = _("cell coverage summaries")
        indexes = [
            models.Index(
                fields=["adcode"],
                name="cellsummary_adcode_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["county_adcode"], name="cellsummary_county"),
        ]


class DeputySummary(models.Model):
    """Per deputy: last visit and totals (active deputies, load), kept by the visit trigger."""

    deputy = models.OneToOneField(
        "liaison.Deputy",
        verbose_name=_("deputy"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="coverage_summary",
        db_constraint=False,
    )
    last_visit_at = models.DateTimeField(_("last visit"), null=True)
    visits_total = models.PositiveIntegerField(_("visits (all time)"), default=0)

    class Meta:
        verbose_name = _("deputy coverage summary")
        verbose_name_plural = _("deputy coverage summaries")


class CellDay(models.Model):
    """Visits of one cell on one local day (the source for rolls and non-standard windows)."""

    # (cell, day) is unique and indexed: no separate index on the foreign key.
    cell = models.ForeignKey(
        "grid.GridCell",
        verbose_name=_("grid cell"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    day = models.DateField(_("day"))
    county_adcode = models.CharField(_("county adcode"), max_length=6)
    visits = models.PositiveIntegerField(_("visits"), default=0)
    # households of household visits without a reference (those with one are in CellHousehold)
    unreferenced_households = models.PositiveIntegerField(default=0)
    referenced_visits = models.PositiveIntegerField(default=0)
    # referenced households whose latest visit is on this day: households visited in a window
    # = sum(unreferenced_households + last_referenced) over its days, with no per-household scan
    # (a plain integer: an upsert carries -1 for the day a household's latest visit left, and
    # PostgreSQL checks CHECK constraints on the proposed row before resolving the conflict)
    last_referenced = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("cell day")
        verbose_name_plural = _("cell days")
        constraints = [models.UniqueConstraint(fields=["cell", "day"], name="cellday_unique")]
        indexes = [models.Index(fields=["day"], name="cellday_day")]


class CellHousehold(models.Model):
    """A referenced household of a cell and the last local day it was visited."""

    # (cell, household_ref) is unique and indexed; no other index, so that moving last_day is a
    # HOT update.
    cell = models.ForeignKey(
        "grid.GridCell",
        verbose_name=_("grid cell"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    household_ref = models.CharField(_("household reference"), max_length=64)
    first_day = models.DateField(_("first visit day"))
    last_day = models.DateField(_("last visit day"))
    # last_day before the latest upsert: lets the trigger tell "new in this window" exactly.
    previous_last_day = models.DateField(null=True)

    class Meta:
        verbose_name = _("visited household")
        verbose_name_plural = _("visited households")
        constraints = [
            models.UniqueConstraint(fields=["cell", "household_ref"], name="cellhousehold_unique"),
        ]


class HeatBin(models.Model):
    """Visits per H3 hexagon, local day and region (aggregates only: no visit leaves here)."""

    resolution = models.PositiveSmallIntegerField(_("H3 resolution"))
    h3 = models.BigIntegerField(_("H3 index"))
    day = models.DateField(_("day"))
    adcode = models.CharField(_("adcode"), max_length=12)
    visits = models.PositiveIntegerField(_("visits"), default=0)
    households = models.PositiveIntegerField(_("households"), default=0)

    class Meta:
        verbose_name = _("heat bin")
        verbose_name_plural = _("heat bins")
        constraints = [
            models.UniqueConstraint(
                fields=["resolution", "h3", "day", "adcode"], name="heatbin_unique"
            ),
        ]


class HeatHex(models.Model):
    """Boundary of an H3 hexagon that holds cells; filled from Python (h3) when first needed."""

    h3 = models.BigIntegerField(_("H3 index"), primary_key=True)
    resolution = models.PositiveSmallIntegerField(_("H3 resolution"))
    boundary = models.PolygonField(_("boundary"), null=True)

    class Meta:
        verbose_name = _("heat hexagon")
        verbose_name_plural = _("heat hexagons")
        indexes = [
            models.Index(
                fields=["h3"], condition=Q(boundary__isnull=True), name="heathex_missing_boundary"
            ),
        ]


class PendingVisit(models.Model):
    """A visit whose summaries are not yet maintained: the insert trigger on visits appends one
    row per new visit (nothing else on the phone's request path), the job coverage.drain applies
    them in set-based batches and deletes them (docs/decisions.md "Summaries off the request
    path"). Written and read only by the SQL functions in backend/coverage/sql/."""

    visit_id = models.BigIntegerField(primary_key=True)
    queued_at = models.DateTimeField(db_default=Now())

    class Meta:
        verbose_name = _("pending visit")
        verbose_name_plural = _("pending visits")
