"""Permission-checked fetch of an export job: missing and out of reach give the same NotFound."""

from __future__ import annotations

from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.errors import NotFound

from .models import ExportJob


def access_export_by_id(*, jurisdiction: Jurisdiction, export_id: int) -> ExportJob:
    """An export of a region inside the caller's jurisdiction (staff, leaders, admins)."""
    job = jurisdiction.filter(ExportJob.objects.filter(id=export_id)).first()
    if job is None:
        raise NotFound(codes.EXPORT_NOT_FOUND)
    return job
