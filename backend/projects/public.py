"""The citizens' public pages of the livelihood projects (no login, reached like the intake's
QR pages): a call's proposal page (群众提议) and a finished project's satisfaction page
(群众满意度), with their JSON endpoints under /api/public/ (IntakeJsonErrorsMiddleware answers
JSON for everything else there). The intake's gates apply: the challenge picture, the rate
limits per IP address (and per phone number), size limits and the hostile-input rules. Views
parse, call one service or selector and respond; no input gives a 500.

A satisfaction page counts one rating per device: the page sets a random device cookie
(`DEVICE_COOKIE`, HttpOnly); only its keyed hash is stored with the rating.
"""

from __future__ import annotations

import secrets
import string

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from backend.core import error_codes as codes
from backend.core.errors import DomainError, NotFound
from backend.intake.selectors import IntakeArea
from backend.intake.views import (
    MAX_PHONE_LENGTH,
    _basemap,
    _captcha,
    _check_captcha,
    _coordinate,
    _text,
    client_ip,
    public_endpoint,
)

from . import access, selectors, services

DEVICE_COOKIE = "cg_rater"
DEVICE_COOKIE_AGE = 2 * 365 * 24 * 3600
TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + "-_")
RATING_LABELS = {
    5: _("very satisfied"),
    4: _("satisfied"),
    3: _("basically satisfied"),
    2: _("not quite satisfied"),
    1: _("not satisfied"),
}


def _page_404(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "intake/not_found.html",
        {"message": _("This page is not known."), "hint": ""},
        status=404,
    )


def _strings() -> dict[str, str]:
    return {
        "sending": _("Sending…"),
        "failed": _("It could not be sent"),
        "locating": _("Finding your position…"),
        "located": _("Position added (±%(m)s m)."),
        "noLocation": _("Your position could not be found; you can send without it."),
        "picked": _("Point picked on the map: %(lat)s, %(lon)s (tap again to move it)."),
        "cleared": _("No place will be sent."),
    }


@require_GET
@ensure_csrf_cookie
def propose(request: HttpRequest, call_id: int) -> HttpResponse:
    """A call's public page: citizens propose a livelihood project while the call is open."""
    try:
        call = access.access_call_public_by_id(call_id=call_id)
    except NotFound:
        return _page_404(request)
    region = call.region
    area = IntakeArea(name=region.name, region=region if region.boundary else None, centre=None)
    config = {
        "submitUrl": reverse("projects:propose-submit", args=[call.pk]),
        "captchaRefreshUrl": reverse("captcha-refresh"),
        "map": {"outline": area.outline_geojson(), "centre": None, "basemap": _basemap()},
        "strings": _strings(),
    }
    context = {
        "call": selectors.call_public(call=call),
        "captcha": _captcha(),
        "config": config,
    }
    return render(request, "projects/propose.html", context)


def _consent(body: dict) -> bool:
    consent = body.get("consent", False)
    if not isinstance(consent, bool):
        raise DomainError(
            codes.REQUEST_INVALID, _("consent must be true or false."), field="consent"
        )
    return consent


@public_endpoint
def propose_submit(request: HttpRequest, body: dict, call_id: int) -> JsonResponse:
    """A citizen's proposal to an open call (201), or a JSON refusal."""
    call = access.access_call_public_by_id(call_id=call_id)
    title = _text(body, "title", services.MAX_CITIZEN_TITLE)
    description = _text(body, "description", services.MAX_CITIZEN_DESCRIPTION)
    phone = _text(body, "phone", MAX_PHONE_LENGTH)
    consent = _consent(body)
    lon, lat = _coordinate(body)
    if not services.call_is_open(call):
        raise DomainError(codes.PROJECT_CALL_CLOSED)
    for field, value in (("title", title), ("description", description)):
        if not value.strip():  # before the challenge: a slip does not cost a new picture
            raise DomainError(codes.PROJECT_TEXT_REQUIRED, field=field)
    _check_captcha(body)
    services.proposal_create_by_citizen(
        call=call,
        title=title,
        description=description,
        lon=lon,
        lat=lat,
        phone=phone,
        consent=consent,
        client_ip=client_ip(request),
    )
    return JsonResponse({"received": True, "call": call.title}, status=201)


def _device_token(request: HttpRequest) -> str | None:
    """The device cookie's token, if it is one the pages set (else None: a new one is set)."""
    token = request.COOKIES.get(DEVICE_COOKIE, "")
    return token if 20 <= len(token) <= 64 and set(token) <= TOKEN_CHARS else None


def _set_device(response: HttpResponse, token: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=DEVICE_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(settings.SESSION_COOKIE_SECURE),
    )


@require_GET
@ensure_csrf_cookie
def rate(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """A finished project's public page: what was built, the satisfaction so far against the
    90% bar, and the citizen's rating (once per device)."""
    try:
        proposal = access.access_project_public_by_id(proposal_id=proposal_id)
    except NotFound:
        return _page_404(request)
    token = _device_token(request)
    rated = token is not None and selectors.rated_by_device(
        proposal=proposal, device_hash=services.device_hash(token)
    )
    context = {
        "project": selectors.project_public(proposal=proposal),
        "rated": rated,
        "labels": sorted(RATING_LABELS.items(), reverse=True),
        "captcha": _captcha(),
        "config": {
            "submitUrl": reverse("projects:rate-submit", args=[proposal.pk]),
            "captchaRefreshUrl": reverse("captcha-refresh"),
            "strings": _strings(),
        },
    }
    response = render(request, "projects/rate.html", context)
    if token is None:
        _set_device(response, secrets.token_urlsafe(24))
    return response


@public_endpoint
def rate_submit(request: HttpRequest, body: dict, proposal_id: int) -> JsonResponse:
    """A citizen's satisfaction with a finished project, 1-5 (201), once per device."""
    proposal = access.access_project_public_by_id(proposal_id=proposal_id)
    rating = body.get("rating")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError(codes.INTAKE_INVALID_RATING, field="rating")
    _check_captcha(body)
    token = _device_token(request)
    new_token = token is None
    token = token or secrets.token_urlsafe(24)
    services.citizen_rating_record(
        proposal=proposal, rating=rating, device_token=token, client_ip=client_ip(request)
    )
    view = selectors.project_public(proposal=proposal)
    response = JsonResponse({"rating": rating, "satisfaction": view["satisfaction"]}, status=201)
    if new_token:
        _set_device(response, token)
    return response
