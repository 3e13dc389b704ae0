"""An export job: who asked, for which region and year, its progress and its file."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportKind(models.TextChoices):
    WORKBOOK = "xlsx", _("Excel workbook")
    GEOPACKAGE = "gpkg", _("GeoPackage")
    DEPUTY_PDF = "deputy_pdf", _("deputy's yearly report (PDF)")
    COVERAGE_PDF = "coverage_pdf", _("coverage report (PDF)")


SUFFIX = {"xlsx": "xlsx", "gpkg": "gpkg", "deputy_pdf": "pdf", "coverage_pdf": "pdf"}


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ExportJob(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=ExportKind.choices)
    adcode = models.CharField(_("region adcode"), max_length=12, db_index=True)
    region_name = models.CharField(_("region name"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    deputy = models.ForeignKey(
        "liaison.Deputy",
        verbose_name=_("deputy"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="export_jobs",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.region_name} {self.year} {self.get_kind_display()}"

    @property
    def suffix(self) -> str:
        return SUFFIX.get(self.kind, self.kind)
