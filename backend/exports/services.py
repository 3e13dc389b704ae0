"""Writes of the exports: request an export (and defer its job), run it.

Invariants:
- an export covers one region inside the requester's jurisdiction, and its job reads with the
  requester's jurisdiction narrowed to that region (re-checked when it runs: an account
  deactivated or moved meanwhile gets a failed job, not a file);
- the file lives under settings.EXPORTS_DIR (never under the static or media roots) and is
  served only by the map API after `access_export_by_id`;
- a run is idempotent: a finished job is left alone; progress (0-100) is saved as it goes;
- a deputy report (kind deputy_pdf) names a deputy reached with access_deputy_record_by_id (another
  county's deputy is the same deputy.not_found as a missing one), its region is the deputy's; a
  coverage report (coverage_pdf) is of a county or a township;
- a DomainError while writing (e.g. export.pdf_font_missing) fails the job with its message.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from backend.accounts.access import jurisdiction_of
from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.errors import DomainError, NotFound
from backend.performance.access import access_deputy_record_by_id
from backend.performance.services import check_year
from backend.regions.access import access_region_by_adcode
from backend.regions.models import RegionLevel

from .models import ExportJob, ExportKind, ExportStatus

log = logging.getLogger(__name__)


def export_dir() -> Path:
    path = Path(settings.EXPORTS_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_path(job: ExportJob) -> Path:
    return export_dir() / f"export-{job.id}.{job.suffix}"


MAX_ID = 2**31 - 1


def export_request(
    *,
    jurisdiction: Jurisdiction,
    actor,
    kind: str,
    adcode: str,
    year: int,
    deputy_id: int | None = None,
) -> ExportJob:
    """Queue an export of the region `adcode` (inside the jurisdiction) for `year`; a deputy
    report is of the deputy `deputy_id` (inside the jurisdiction), in the deputy's region."""
    jurisdiction.require_region_reads()
    if kind not in ExportKind.values:
        raise DomainError(codes.EXPORT_INVALID_KIND)
    deputy = None
    if kind == ExportKind.DEPUTY_PDF:
        if deputy_id is None or isinstance(deputy_id, bool) or not 0 < deputy_id <= MAX_ID:
            raise DomainError(codes.EXPORT_INVALID_DEPUTY)
        deputy = access_deputy_record_by_id(jurisdiction=jurisdiction, deputy_id=deputy_id)
        adcode = deputy.adcode
    region = access_region_by_adcode(jurisdiction=jurisdiction, adcode=adcode)
    if kind == ExportKind.COVERAGE_PDF and region.level not in (
        RegionLevel.COUNTY,
        RegionLevel.TOWNSHIP,
    ):
        raise DomainError(codes.EXPORT_INVALID_REGION_LEVEL)
    year = check_year(year)
    from .tasks import run_export  # the task module imports this one

    with transaction.atomic():
        job = ExportJob.objects.create(
            kind=kind,
            adcode=region.adcode,
            region_name=region.name,
            year=year,
            requested_by=actor,
            deputy=deputy,
        )
        run_export.configure(queueing_lock=f"exports.run:{job.id}").defer(export_id=job.id)
    return job


def _progress(job: ExportJob, percent: int) -> None:
    job.progress = percent
    job.save(update_fields=["progress"])


def export_run(*, export_id: int) -> str:
    """Build the file of one export job; its final status."""
    job = ExportJob.objects.select_related("requested_by").filter(id=export_id).first()
    if job is None or job.status in (ExportStatus.DONE, ExportStatus.FAILED):
        return job.status if job else "missing"
    job.status, job.progress = ExportStatus.RUNNING, 1
    job.save(update_fields=["status", "progress"])
    path = export_path(job)
    try:
        scope = jurisdiction_of(job.requested_by).within(job.adcode)
        with translation.override(settings.LANGUAGE_CODE):
            _write(job, path, scope)
    except NotFound:
        return _fail(job, "the requester no longer reaches this region")
    except DomainError as error:  # e.g. export.pdf_font_missing: its message, on the job
        log.error("export %s failed: %s", job.id, error.code)
        return _fail(job, f"{error.code}: {error.message}"[:500])
    except Exception as error:  # a failed export is recorded, never retried blindly
        log.exception("export %s failed", job.id)
        return _fail(job, f"{type(error).__name__}")
    job.status, job.progress = ExportStatus.DONE, 100
    job.file_name, job.size = path.name, path.stat().st_size
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "progress", "file_name", "size", "finished_at"])
    return job.status


def _write(job: ExportJob, path: Path, scope: Jurisdiction) -> None:
    from .excel import write_workbook
    from .geopackage import write_geopackage
    from .pdf import write_coverage_pdf, write_deputy_pdf

    def progress(percent: int) -> None:
        _progress(job, percent)

    partial = path.with_name("partial-" + path.name)  # the suffix names the format
    partial.unlink(missing_ok=True)
    if job.kind == ExportKind.DEPUTY_PDF:
        if job.deputy_id is None:
            raise NotFound(codes.DEPUTY_NOT_FOUND)
        deputy = access_deputy_record_by_id(jurisdiction=scope, deputy_id=job.deputy_id)
        # The deputy's cells may lie outside their home region: read them in the requester's
        # whole jurisdiction (which holds the deputy, checked just above).
        whole = jurisdiction_of(job.requested_by)
        write_deputy_pdf(
            partial, jurisdiction=whole, deputy=deputy, year=job.year, progress=progress
        )
    elif job.kind == ExportKind.COVERAGE_PDF:
        region = access_region_by_adcode(jurisdiction=scope, adcode=job.adcode)
        write_coverage_pdf(
            partial,
            jurisdiction=scope,
            region=region,
            requester_scope=jurisdiction_of(job.requested_by),
            year=job.year,
            progress=progress,
        )
    else:
        writer = write_geopackage if job.kind == ExportKind.GEOPACKAGE else write_workbook
        writer(partial, jurisdiction=scope, year=job.year, progress=progress)
    partial.replace(path)


def _fail(job: ExportJob, reason: str) -> str:
    job.status, job.error, job.finished_at = ExportStatus.FAILED, reason, timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job.status
