"""The public intake (上码说): QR pages, their JSON submit endpoints, the tracking page and its
rating endpoint, and the staff's printable cards. Views parse, call one service or selector and
respond; every public error is JSON `{"code", "message", ...}` (IntakeJsonErrorsMiddleware
catches the rest under /api/public/), no input gives a 500.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from captcha.fields import CaptchaField
from captcha.helpers import captcha_image_url
from captcha.models import CaptchaStore
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from backend.accounts.access import jurisdiction_of
from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.body import json_body, text_field
from backend.core.errors import DomainError, NotFound
from backend.core.http import JsonErrorsMiddleware, error_response, status_response
from backend.core.text import is_storable_text
from backend.liaison.access import access_station_by_id
from backend.opinions.models import OpinionCategory

from . import access, selectors, services
from .card_pdf import card_pdf as render_card_pdf
from .qr import qr_svg

PUBLIC_API_PREFIX = "/api/public/"
MAX_BODY_BYTES = 16 * 1024
MAX_PHONE_LENGTH = 30


def public_endpoint(view: Callable) -> Callable:
    """POST-only JSON endpoint without login: size limit, a JSON object, DomainError → JSON."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.method != "POST":
            return error_response(codes.REQUEST_METHOD_NOT_ALLOWED)
        try:
            return view(request, json_body(request, max_bytes=MAX_BODY_BYTES), *args, **kwargs)
        except DomainError as exc:
            response = error_response(exc.code, exc.message, status=exc.status, **exc.details)
            if exc.status == 429 and "retry_after" in exc.details:
                response["Retry-After"] = str(exc.details["retry_after"])
            return response

    return wrapper


def _text(body: dict, name: str, max_length: int) -> str:
    return text_field(
        body,
        name,
        invalid=codes.REQUEST_INVALID,
        max_length=max_length,
        too_long=codes.OPINION_TEXT_TOO_LONG,
        field=name,
    )


def _coordinate(body: dict) -> tuple[float | None, float | None]:
    lon, lat = body.get("lon"), body.get("lat")
    if lon is None and lat is None:
        return None, None
    ok = all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        for v in (lon, lat)
    )
    if not ok or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise DomainError(codes.INTAKE_INVALID_LOCATION, field="location")
    return float(lon), float(lat)


def _check_captcha(body: dict) -> None:
    key, answer = body.get("captcha_key"), body.get("captcha")
    if not all(
        isinstance(v, str) and len(v) <= 64 and v.isascii() and is_storable_text(v)
        for v in (key, answer)
    ):
        raise DomainError(codes.INTAKE_CAPTCHA_FAILED, field="captcha")
    try:
        CaptchaField().clean([key, answer])
    except ValidationError:
        raise DomainError(codes.INTAKE_CAPTCHA_FAILED, field="captcha") from None


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR (a proxy in front sets it; X-Forwarded-For is not trusted: NUM_PROXIES)."""
    return request.META.get("REMOTE_ADDR", "")


@dataclass(frozen=True)
class _Kind:
    """What differs between a station's code and a deputy's (the URL names `kind`)."""

    public: Callable[[int], Any]  # the target of a live code, or NotFound
    card: Callable[[Jurisdiction, int], Any]  # the target of a card the caller may print
    shown: Callable[[Any], dict]  # what the QR page and the card show of it


KINDS = {
    "station": _Kind(
        public=lambda i: access.access_station_public_by_id(station_id=i),
        card=lambda j, i: access_station_by_id(jurisdiction=j, station_id=i),
        shown=selectors.station_public,
    ),
    "deputy": _Kind(
        public=lambda i: access.access_deputy_public_by_id(deputy_id=i),
        card=lambda j, i: access.access_deputy_card_by_id(jurisdiction=j, deputy_id=i),
        shown=selectors.deputy_public,
    ),
}


@public_endpoint
def submit(request: HttpRequest, body: dict, kind: str, target_id: int) -> JsonResponse:
    """A citizen's opinion through the code of a station or a deputy (`kind`, from the URL)."""
    target = KINDS[kind].public(target_id)
    category = body.get("category")
    if not isinstance(category, str) or category not in OpinionCategory.values:
        raise DomainError(codes.OPINION_INVALID_CATEGORY, _("Unknown category."), field="category")
    text = _text(body, "text", services.MAX_TEXT_LENGTH)
    phone = _text(body, "phone", MAX_PHONE_LENGTH)
    consent = body.get("consent", False)
    if not isinstance(consent, bool):
        raise DomainError(
            codes.REQUEST_INVALID, _("consent must be true or false."), field="consent"
        )
    lon, lat = _coordinate(body)
    if not text.strip():
        raise DomainError(codes.INTAKE_TEXT_REQUIRED, field="text")
    _check_captcha(body)
    submission = services.citizen_submit(
        **{kind: target},
        category=category,
        text=text,
        lon=lon,
        lat=lat,
        phone=phone,
        consent=consent,
        client_ip=client_ip(request),
    )
    code = submission.tracking_code
    return JsonResponse(
        {"tracking_code": code, "tracking_url": reverse("intake:track", args=[code])},
        status=201,
    )


@public_endpoint
def rate(request: HttpRequest, body: dict, code: str) -> JsonResponse:
    services.rate_limit("track", client_ip(request))
    submission = access.access_submission_by_code(code=code)
    rating = body.get("rating")
    comment = _text(body, "comment", services.MAX_COMMENT_LENGTH)
    opinion = services.citizen_rate(submission=submission, rating=rating, comment=comment)
    return JsonResponse({"status": opinion.status, "rating": opinion.rating})


def _page_404(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/not_found.html", status=404)


def _captcha() -> dict:
    key = CaptchaStore.generate_key()
    return {"key": key, "image": captcha_image_url(key)}


def _basemap() -> dict | None:
    """The map pages' base layer (BASEMAP_URL or Tianditu, allowed by the CSP's img-src), if
    configured."""
    tiles = settings.LEAFLET_CONFIG.get("TILES") or []
    if not tiles:
        return None
    _name, url, options = tiles[0]
    return {
        "url": url,
        "attribution": options.get("attribution", ""),
        "subdomains": options.get("subdomains", "abc"),
    }


def _speak(
    request: HttpRequest, target: dict, submit_url: str, area: selectors.IntakeArea
) -> HttpResponse:
    centre = area.centre
    context = {
        "target": target,
        "categories": OpinionCategory.choices,
        "captcha": _captcha(),
        "config": {
            "submitUrl": submit_url,
            "captchaRefreshUrl": reverse("captcha-refresh"),
            "map": {
                "outline": area.outline_geojson(),
                "centre": [centre.y, centre.x] if centre is not None else None,
                "basemap": _basemap(),
            },
            "strings": {
                "sending": _("Sending…"),
                "failed": _("It could not be sent"),
                "locating": _("Finding your position…"),
                "located": _("Position added (±%(m)s m)."),
                "noLocation": _("Your position could not be found; you can send without it."),
                "picked": _("Point picked on the map: %(lat)s, %(lon)s (tap again to move it)."),
                "cleared": _("No place will be sent."),
            },
        },
    }
    return render(request, "intake/speak.html", context)


@require_GET
@ensure_csrf_cookie
def speak(request: HttpRequest, kind: str, target_id: int) -> HttpResponse:
    """The QR page of a station or a deputy (`kind`, from the URL)."""
    try:
        target = KINDS[kind].public(target_id)
    except NotFound:
        return _page_404(request)
    return _speak(
        request,
        KINDS[kind].shown(target),
        reverse(f"intake:submit-{kind}", args=[target.id]),
        selectors.intake_area(target),
    )


@require_GET
@ensure_csrf_cookie
def track(request: HttpRequest, code: str) -> HttpResponse:
    try:
        services.rate_limit("track", client_ip(request))
        submission = access.access_submission_by_code(code=code)
    except NotFound:
        return _page_404(request)
    except DomainError as exc:
        return render(request, "intake/not_found.html", {"message": exc.message}, status=exc.status)
    view = selectors.tracking_view(submission=submission)
    config = {
        "rateUrl": reverse("intake:rate", args=[submission.tracking_code]),
        "strings": {"sending": _("Sending…"), "failed": _("It could not be sent")},
    }
    return render(request, "intake/track.html", {"t": view, "config": config})


def _card(request: HttpRequest, target: dict, url: str, pdf_url: str) -> HttpResponse:
    absolute = request.build_absolute_uri(url)
    return render(
        request,
        "intake/card.html",
        {"target": target, "qr": qr_svg(absolute), "url": absolute, "pdf_url": pdf_url},
    )


@require_GET
@login_required
def card(request: HttpRequest, kind: str, target_id: int) -> HttpResponse:
    """The printable card of a station or a deputy (`kind`, from the URL)."""
    try:
        target = KINDS[kind].card(jurisdiction_of(request.user), target_id)
    except NotFound:
        return _page_404(request)
    return _card(
        request,
        KINDS[kind].shown(target),
        reverse(f"intake:speak-{kind}", args=[target.id]),
        reverse(f"intake:card-{kind}-pdf", args=[target.id]),
    )


@require_GET
@login_required
def card_pdf(request: HttpRequest, kind: str, target_id: int) -> HttpResponse:
    """The same card as a PDF (A6), for the same callers; the same 404 for missing and
    forbidden; 503 `intake.card_font_missing` (JSON) when the CJK font is not installed."""
    try:
        target = KINDS[kind].card(jurisdiction_of(request.user), target_id)
    except NotFound:
        return _page_404(request)
    url = request.build_absolute_uri(reverse(f"intake:speak-{kind}", args=[target.id]))
    try:
        pdf = render_card_pdf(KINDS[kind].shown(target), url)
    except DomainError as exc:
        return error_response(exc.code, exc.message, status=exc.status)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="qr-card-{kind}-{target.id}.pdf"'
    return response


class IntakeJsonErrorsMiddleware(JsonErrorsMiddleware):
    """JSON for every error under /api/public/ (CSRF refusals, unknown URLs, stray 500s): the
    registry's code for the status; a CSRF refusal (Django's 403 page) is `auth.csrf_failed`."""

    prefixes = (PUBLIC_API_PREFIX,)

    def render(self, request, status, response=None):
        if status == 403:
            return error_response(
                codes.AUTH_CSRF_FAILED, _("The page has expired: reload it and send again.")
            )
        return status_response(status)
