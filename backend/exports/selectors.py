"""Reads of the exports: the jobs inside a jurisdiction, one job as JSON, the deputies a deputy
report can be asked for."""

from __future__ import annotations

from django.utils import timezone

from backend.accounts.jurisdiction import Jurisdiction
from backend.liaison.models import Deputy

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


# The deputy report's picker lists the deputies of one county or township: a province holds
# thousands (the page asks for a county first).
DEPUTY_CHOICE_LEVELS = ("county", "township")


def export_deputy_choices(*, jurisdiction: Jurisdiction, adcode: str, level: str) -> list[dict]:
    """The deputies whose home region lies under `adcode` (already checked readable) for the
    deputy report's picker: id and name, by name; empty above county level."""
    if level not in DEPUTY_CHOICE_LEVELS:
        return []
    rows = jurisdiction.filter(Deputy.objects.filter(adcode__startswith=adcode))
    return list(rows.order_by("name", "id").values("id", "name"))
