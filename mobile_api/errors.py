"""Every error of the API as JSON: {"code": "dotted.code", "message": "...", "errors": {...}}.

`exception_handler` is DRF's EXCEPTION_HANDLER: it maps domain errors, validation errors (with
per-field codes), authentication, throttling and anything unexpected (logged, 500) to that shape,
so no view ever answers with an HTML page. Messages follow the request's language (zh-hans by
default, English with Accept-Language: en).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from backend.core.errors import DomainError

logger = logging.getLogger(__name__)

STATUS_CODES = {
    400: ("request.invalid", _("The request is invalid.")),
    401: ("auth.required", _("Authentication is required.")),
    403: ("auth.forbidden", _("You may not do this.")),
    404: ("request.not_found", _("Not found.")),
    405: ("request.method_not_allowed", _("This method is not allowed here.")),
    406: ("request.not_acceptable", _("Only JSON responses are available.")),
    413: ("request.too_large", _("The request body is too large.")),
    415: ("request.unsupported_media_type", _("Send JSON (Content-Type: application/json).")),
    429: ("request.throttled", _("Too many requests; slow down.")),
    500: ("server.error", _("Something went wrong on our side; please retry later.")),
}


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request.too_large"
    default_detail = _("The request body is too large.")


class ApiError(exceptions.APIException):
    """An error with an explicit code, message and optional per-field errors."""

    def __init__(self, code: str, message, *, status: int = 400, errors: dict | None = None):
        super().__init__(detail=str(message), code=code)
        self.status_code = status
        self.code = code
        self.errors = errors or {}


def body(code: str, message, errors: dict | None = None, **extra) -> dict:
    data = {"code": code, "message": str(message)}
    if errors:
        data["errors"] = errors
    data.update(extra)
    return data


def status_body(status: int) -> dict:
    code, message = STATUS_CODES.get(status, STATUS_CODES[500 if status >= 500 else 400])
    return body(code, message)


def json_error(status: int, **extra) -> JsonResponse:
    return JsonResponse(
        dict(status_body(status), **extra), status=status, json_dumps_params={"ensure_ascii": False}
    )


def _dotted(code: str | None, default: str) -> str:
    if not code:
        return default
    return code if "." in code else f"field.{code}"


def flatten_errors(detail, path: str = "") -> dict[str, dict[str, str]]:
    """DRF's nested error detail → {"field.sub": {"code", "message"}} (first error per field)."""
    out: dict[str, dict[str, str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "non_field_errors" if key == "non_field_errors" and not path else str(key)
            out.update(flatten_errors(value, f"{path}.{name}" if path else name))
    elif isinstance(detail, list):
        if detail and all(isinstance(d, exceptions.ErrorDetail | str) for d in detail):
            first = detail[0]
            out[path or "non_field_errors"] = {
                "code": _dotted(getattr(first, "code", None), "field.invalid"),
                "message": str(first),
            }
        else:
            for i, item in enumerate(detail):
                if item:
                    out.update(flatten_errors(item, f"{path}.{i}" if path else str(i)))
    else:
        out[path or "non_field_errors"] = {
            "code": _dotted(getattr(detail, "code", None), "field.invalid"),
            "message": str(detail),
        }
    return out


def _auth_code(exc) -> str:
    detail = exc.detail
    code = detail.get("code") if isinstance(detail, dict) else getattr(detail, "code", None)
    if code and "." in str(code):
        return str(code)
    return "auth.invalid_token"


def _response_for(exc) -> Response:
    if isinstance(exc, ApiError):
        return Response(body(exc.code, exc.detail, exc.errors), status=exc.status_code)
    if isinstance(exc, DomainError):
        details = dict(exc.details)
        field = details.pop("field", None)
        errors = {field: {"code": exc.code, "message": exc.message}} if field else None
        return Response(body(exc.code, exc.message, errors, **details), status=exc.status)
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        if len(errors) == 1 and "non_field_errors" in errors:
            only = errors["non_field_errors"]
            return Response(body(only["code"], only["message"]), status=400)
        return Response(body("request.invalid", _g("Some fields are invalid."), errors), status=400)
    if isinstance(exc, exceptions.NotAuthenticated):
        return Response(status_body(401), status=401)
    if isinstance(exc, exceptions.AuthenticationFailed):
        message = exc.detail.get("detail") if isinstance(exc.detail, dict) else exc.detail
        return Response(body(_auth_code(exc), message), status=401)
    if isinstance(exc, exceptions.Throttled):
        return Response(
            dict(status_body(429), retry_after_s=exc.wait and int(exc.wait + 0.999)), status=429
        )
    if isinstance(exc, PayloadTooLarge | RequestDataTooBig):
        return Response(status_body(413), status=413)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return Response(status_body(404), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        return Response(status_body(403), status=403)
    if isinstance(exc, exceptions.APIException):
        code = getattr(exc.detail, "code", None)
        status = exc.status_code
        default_code, default_message = STATUS_CODES.get(status, STATUS_CODES[400])
        dotted = code if code and "." in str(code) else default_code
        message = exc.detail if dotted != default_code else default_message
        return Response(body(dotted, message), status=status)
    logger.exception("unhandled error in the phone API", exc_info=exc)
    return Response(status_body(500), status=500)


def exception_handler(exc, context):
    """DRF EXCEPTION_HANDLER: never returns None, so DRF never re-raises into an HTML 500."""
    response = _response_for(exc)
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    wait = getattr(exc, "wait", None)
    if wait:
        response["Retry-After"] = str(int(wait + 0.999))
    set_rollback()
    return response
