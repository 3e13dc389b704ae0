"""Reads of the exports: the jobs inside a jurisdiction, one job as JSON."""

from __future__ import annotations

from django.utils import timezone

from backend.accounts.jurisdiction import Jurisdiction

from .models import ExportJob, ExportStatus

LIST_LIMIT = 50


def export_json(job: ExportJob) -> dict:
    done = job.status == ExportStatus.DONE
    return {
        "id": job.id,
        "kind": job.kind,
        "kind_label": str(job.get_kind_display()),
        "region": job.adcode,
        "region_name": job.region_name,
        "year": job.year,
        "deputy": job.deputy_id,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "progress": job.progress,
        "error": job.error,
        "size": job.size,
        "created_at": timezone.localtime(job.created_at).isoformat(),
        "finished_at": timezone.localtime(job.finished_at).isoformat() if job.finished_at else None,
        "ready": done,
    }


def export_list(*, jurisdiction: Jurisdiction) -> list[dict]:
    """The latest export jobs of regions inside the jurisdiction, newest first."""
    rows = jurisdiction.filter(ExportJob.objects.all())[:LIST_LIMIT]
    return [export_json(job) for job in rows]
