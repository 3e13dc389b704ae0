"""The printable QR cards (A6 PDF) of the livelihood projects' public pages: a call's proposal
page (群众提议) and a finished project's satisfaction page (群众满意度), for the staff and
leaders of its jurisdiction to print and post where people pass. The layout, the CJK font and
the code are the intake's card (`backend.intake.card_pdf.qr_card_pdf`); missing and forbidden
are the same 404 page, a missing font the intake's 503 `intake.card_font_missing` (JSON)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from backend.accounts.access import jurisdiction_of
from backend.core import error_codes as codes
from backend.core.errors import DomainError, NotFound
from backend.core.http import error_response
from backend.intake.card_pdf import qr_card_pdf

from . import access
from .public import _page_404


def _pdf(request: HttpRequest, make: Callable[[], tuple[list, str, str, str]], filename: str):
    """`make()` gives (lines, page path, notice, name) or raises NotFound."""
    try:
        lines, path, notice, name = make()
        pdf = qr_card_pdf(lines, request.build_absolute_uri(path), notice=notice, name=name)
    except NotFound:
        return _page_404(request)
    except DomainError as exc:
        return error_response(exc.code, exc.message, status=exc.status)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _reader(request: HttpRequest):
    """Staff, leaders and admins (region-wide reads); anyone else finds nothing."""
    jurisdiction = jurisdiction_of(request.user)
    if not jurisdiction.reads_regions:
        raise NotFound(codes.PROJECT_CALL_NOT_FOUND)
    return jurisdiction


@require_GET
@login_required
def call_card_pdf(request: HttpRequest, call_id: int) -> HttpResponse:
    def make():
        call = access.access_call_by_id(jurisdiction=_reader(request), call_id=call_id)
        lines = [
            ("kicker", _("Livelihood projects: call for proposals")),
            ("name", call.title),
            ("body", f"{call.region.name} · {call.year}"),
            ("small", f"{call.opens_on:%Y-%m-%d} – {call.closes_on:%Y-%m-%d}"),
        ]
        notice = _(
            "Scan to propose a livelihood project: the deputies choose the projects of the "
            "year by a vote of the congress."
        )
        return lines, reverse("projects:propose", args=[call.pk]), notice, call.title

    return _pdf(request, make, f"qr-card-call-{call_id}.pdf")


@require_GET
@login_required
def project_card_pdf(request: HttpRequest, proposal_id: int) -> HttpResponse:
    def make():
        access.access_proposal_by_id(jurisdiction=_reader(request), proposal_id=proposal_id)
        project = access.access_project_public_by_id(proposal_id=proposal_id)  # rateable only
        lines = [("kicker", _("Livelihood project")), ("name", project.title)]
        if project.department:
            lines.append(("body", project.department))
        lines.append(("small", project.call.region.name))
        notice = _("Scan to say how satisfied you are with this project.")
        return lines, reverse("projects:rate", args=[project.pk]), notice, project.title

    return _pdf(request, make, f"qr-card-project-{proposal_id}.pdf")
