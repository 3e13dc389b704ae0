"""Writes of the exports: request an export (and defer its job), run it.

Invariants:
- an export covers one region inside the requester's jurisdiction, and its job reads with the
  requester's jurisdiction narrowed to that region (re-checked when it runs: an account
  deactivated or moved meanwhile gets a failed job, not a file);
- the file lives under settings.EXPORTS_DIR (never under the static or media roots) and is
  served only by the map API after `access_export_by_id`;
- a run is idempotent: a finished job is left alone; progress (0-100) is saved as it goes.
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
from backend.performance.services import check_year
from backend.regions.access import access_region_by_adcode

from .models import ExportJob, ExportKind, ExportStatus

log = logging.getLogger(__name__)


def export_dir() -> Path:
    path = Path(settings.EXPORTS_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_path(job: ExportJob) -> Path:
    return export_dir() / f"export-{job.id}.{job.kind}"


def export_request(
    *, jurisdiction: Jurisdiction, actor, kind: str, adcode: str, year: int
) -> ExportJob:
    """Queue an export of the region `adcode` (inside the jurisdiction) for `year`."""
    jurisdiction.require_region_reads()
    if kind not in ExportKind.values:
        raise DomainError(codes.EXPORT_INVALID_KIND)
    region = access_region_by_adcode(jurisdiction=jurisdiction, adcode=adcode)
    year = check_year(year)
    from .tasks import run_export  # the task module imports this one

    with transaction.atomic():
        job = ExportJob.objects.create(
            kind=kind, adcode=region.adcode, region_name=region.name, year=year, requested_by=actor
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

    writer = write_geopackage if job.kind == ExportKind.GEOPACKAGE else write_workbook

    def progress(percent: int) -> None:
        _progress(job, percent)

    partial = path.with_name("partial-" + path.name)  # the suffix names the format
    partial.unlink(missing_ok=True)
    writer(partial, jurisdiction=scope, year=job.year, progress=progress)
    partial.replace(path)


def _fail(job: ExportJob, reason: str) -> str:
    job.status, job.error, job.finished_at = ExportStatus.FAILED, reason, timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job.status
