"""The public intake (上码说): QR pages, their JSON submit endpoints, the tracking page and its
rating endpoint, and the staff's printable cards. Views parse, call one service or selector and
respond; every public error is JSON `{"code", "message", ...}` (IntakeJsonErrorsMiddleware
catches the rest under /api/public/), no input gives a 500.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import wraps

from captcha.fields import CaptchaField
from captcha.helpers import captcha_image_url
from captcha.models import CaptchaStore
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from backend.accounts.access import jurisdiction_of
from backend.core import error_codes as codes
from backend.core.errors import DomainError, NotFound
from backend.core.http import JsonErrorsMiddleware
from backend.core.text import is_storable_text
from backend.opinions.models import OpinionCategory

from . import access, selectors, services
from .qr import qr_svg

PUBLIC_API_PREFIX = "/api/public/"
MAX_BODY_BYTES = 16 * 1024
MAX_PHONE_LENGTH = 30


def _error(code: str, message, status: int, **details) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": str(message), **details},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def public_endpoint(view: Callable) -> Callable:
    """POST-only JSON endpoint without login: size limit, a JSON object, DomainError → JSON."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.method != "POST":
            return _error("http.method_not_allowed", _("Method not allowed."), 405)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = MAX_BODY_BYTES + 1
        if length > MAX_BODY_BYTES:
            return _error(codes.INTAKE_TOO_LARGE.code, codes.INTAKE_TOO_LARGE.message, 413)
        try:
            body = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            return _error(codes.REQUEST_INVALID.code, _("The body must be a JSON object."), 400)
        if not isinstance(body, dict):
            return _error(codes.REQUEST_INVALID.code, _("The body must be a JSON object."), 400)
        try:
            return view(request, body, *args, **kwargs)
        except DomainError as exc:
            response = _error(exc.code, exc.message, exc.status, **exc.details)
            if exc.status == 429 and "retry_after" in exc.details:
                response["Retry-After"] = str(exc.details["retry_after"])
            return response

    return wrapper


def _text(body: dict, name: str, max_length: int) -> str:
    value = body.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DomainError(
            codes.REQUEST_INVALID, _("%(field)s must be text.") % {"field": name}, field=name
        )
    if not is_storable_text(value):
        raise DomainError(
            codes.STRING_INVALID_CHARACTER,
            _("The text holds a character that cannot be stored."),
            field=name,
        )
    if len(value) > max_length:
        raise DomainError(
            codes.OPINION_TEXT_TOO_LONG,
            _("%(field)s may have at most %(n)s characters.") % {"field": name, "n": max_length},
            field=name,
        )
    return value


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


def _submit(request: HttpRequest, body: dict, *, station=None, deputy=None) -> JsonResponse:
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
        station=station,
        deputy=deputy,
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
def submit_station(request: HttpRequest, body: dict, station_id: int) -> JsonResponse:
    station = access.access_station_public_by_id(station_id=station_id)
    return _submit(request, body, station=station)


@public_endpoint
def submit_deputy(request: HttpRequest, body: dict, deputy_id: int) -> JsonResponse:
    deputy = access.access_deputy_public_by_id(deputy_id=deputy_id)
    return _submit(request, body, deputy=deputy)


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


def _speak(request: HttpRequest, target: dict, submit_url: str) -> HttpResponse:
    context = {
        "target": target,
        "categories": OpinionCategory.choices,
        "captcha": _captcha(),
        "config": {
            "submitUrl": submit_url,
            "captchaRefreshUrl": reverse("captcha-refresh"),
            "strings": {
                "sending": _("Sending…"),
                "failed": _("It could not be sent"),
                "locating": _("Finding your position…"),
                "located": _("Position added (±%(m)s m)."),
                "noLocation": _("Your position could not be found; you can send without it."),
            },
        },
    }
    return render(request, "intake/speak.html", context)


@require_GET
@ensure_csrf_cookie
def speak_station(request: HttpRequest, station_id: int) -> HttpResponse:
    try:
        station = access.access_station_public_by_id(station_id=station_id)
    except NotFound:
        return _page_404(request)
    return _speak(
        request,
        selectors.station_public(station),
        reverse("intake:submit-station", args=[station.id]),
    )


@require_GET
@ensure_csrf_cookie
def speak_deputy(request: HttpRequest, deputy_id: int) -> HttpResponse:
    try:
        deputy = access.access_deputy_public_by_id(deputy_id=deputy_id)
    except NotFound:
        return _page_404(request)
    return _speak(
        request,
        selectors.deputy_public(deputy),
        reverse("intake:submit-deputy", args=[deputy.id]),
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


def _card(request: HttpRequest, target: dict, url: str) -> HttpResponse:
    absolute = request.build_absolute_uri(url)
    return render(
        request,
        "intake/card.html",
        {"target": target, "qr": qr_svg(absolute), "url": absolute},
    )


@require_GET
@login_required
def card_station(request: HttpRequest, station_id: int) -> HttpResponse:
    try:
        station = access.access_station_card_by_id(
            jurisdiction=jurisdiction_of(request.user), station_id=station_id
        )
    except NotFound:
        return _page_404(request)
    return _card(
        request,
        selectors.station_public(station),
        reverse("intake:speak-station", args=[station.id]),
    )


@require_GET
@login_required
def card_deputy(request: HttpRequest, deputy_id: int) -> HttpResponse:
    """A deputy's card: staff of the deputy's area, or the deputy themself."""
    jurisdiction = jurisdiction_of(request.user)
    try:
        if jurisdiction.deputy_id == deputy_id:
            deputy = access.access_deputy_public_by_id(deputy_id=deputy_id)
        else:
            deputy = access.access_deputy_card_by_id(jurisdiction=jurisdiction, deputy_id=deputy_id)
    except NotFound:
        return _page_404(request)
    return _card(
        request, selectors.deputy_public(deputy), reverse("intake:speak-deputy", args=[deputy.id])
    )


_JSON_CODES = {
    400: ("request.invalid", gettext_noop("The request is invalid.")),
    403: ("auth.csrf_failed", gettext_noop("The page has expired: reload it and send again.")),
    404: ("request.not_found", gettext_noop("Not found.")),
    405: ("http.method_not_allowed", gettext_noop("Method not allowed.")),
    413: ("intake.too_large", gettext_noop("The request is too large.")),
    500: ("server.error", gettext_noop("Server error.")),
}


class IntakeJsonErrorsMiddleware(JsonErrorsMiddleware):
    """JSON for every error under /api/public/ (CSRF refusals, unknown URLs, stray 500s)."""

    prefixes = (PUBLIC_API_PREFIX,)

    def render(self, request, status, response=None):
        code, message = _JSON_CODES.get(status, ("http.error", gettext_noop("Error.")))
        return _error(code, _(message), status)
