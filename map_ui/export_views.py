"""The 导出 page (/exports/): request an export of a region (the Excel workbook, the GeoPackage,
the coverage and deputy PDF reports) and follow each job's progress until its file downloads.
The jobs and files are the map data API's (map_ui/data/exports.py, docs/exports.md); this page
renders the form and the latest jobs, and exports.js polls while a job runs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from backend.exports import selectors
from backend.exports.models import ExportKind
from backend.regions.models import RegionLevel
from map_ui.data.exports import job_with_link
from map_ui.views import map_context, page_region, region_reader, url_template

# The years offered: this one and the four before it (the record and the reports are yearly).
EXPORT_YEARS_BACK = 4
# While a job is queued or running the page asks for the list again this often.
EXPORT_POLL_MS = 2000


def _strings() -> dict[str, str]:
    return {
        "queued": _("Queued: the job runner builds the file."),
        "failed": _("Failed"),
        "download": _("Download"),
        "noExports": _("No exports yet."),
        "requestFailed": _("The export could not be requested"),
        "pickDeputy": _("Choose a deputy."),
    }


@require_GET
@login_required
def exports(request: HttpRequest) -> HttpResponse:
    """The region's export form and the latest export jobs inside the caller's jurisdiction
    (staff, leaders and admins; deputies have their own record in the phone app)."""
    jurisdiction = region_reader(request)
    region = page_region(request, jurisdiction)
    this_year = timezone.localdate().year
    reports_allowed = region.level in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP)
    context = map_context(
        request,
        "exports",
        region,
        jurisdiction,
        exportStrings=_strings(),
        pollMs=EXPORT_POLL_MS,
        exportUrls={
            "list": reverse("map-exports"),
            "one": url_template("map-export", {"export_id": "id"}),
        },
    )
    context.update(
        {
            "region": region,
            "kinds": [
                (value, label)
                for value, label in ExportKind.choices
                if reports_allowed or value in (ExportKind.WORKBOOK, ExportKind.GEOPACKAGE)
            ],
            "years": list(range(this_year, this_year - EXPORT_YEARS_BACK - 1, -1)),
            "deputies": selectors.export_deputy_choices(
                jurisdiction=jurisdiction, adcode=region.adcode, level=region.level
            ),
        }
    )
    context["config"]["exports"] = [
        job_with_link(row) for row in selectors.export_list(jurisdiction=jurisdiction)
    ]
    return render(request, "map_ui/exports.html", context)
