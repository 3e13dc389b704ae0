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

from backend.core import error_codes as codes
from backend.core.error_codes import ErrorCode, for_status
from backend.core.errors import DomainError
from backend.core.http import error_body, status_body, status_response

logger = logging.getLogger(__name__)


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = codes.REQUEST_TOO_LARGE.code
    default_detail = _("The request body is too large.")  # = codes.REQUEST_TOO_LARGE


class ApiError(exceptions.APIException):
    """An error with an explicit code, message and optional per-field errors."""

    def __init__(
        self,
        code: ErrorCode | str,
        message=None,
        *,
        status: int | None = None,
        errors: dict | None = None,
    ):
        if message is None and isinstance(code, ErrorCode):
            message = code.message
        if status is None:
            status = code.status if isinstance(code, ErrorCode) else 400
        super().__init__(detail=str(message), code=str(code))
        self.status_code = status
        self.code = str(code)
        self.errors = errors or {}


def body(code: ErrorCode | str, message=None, errors: dict | None = None, **extra) -> dict:
    return error_body(code, message, errors, **extra)


def json_error(status: int, **extra) -> JsonResponse:
    return status_response(status, **extra)


# DRF's own field codes, as registered dotted codes; any other DRF code is `field.invalid`.
DRF_FIELD_CODES = {
    "required": codes.FIELD_REQUIRED,
    "null": codes.FIELD_NULL,
    "blank": codes.FIELD_BLANK,
    "max_length": codes.FIELD_MAX_LENGTH,
    "min_length": codes.FIELD_MIN_LENGTH,
    "invalid": codes.FIELD_INVALID,
}


def _dotted(code: str | None) -> str:
    if code and "." in code:
        return code
    return str(DRF_FIELD_CODES.get(code or "", codes.FIELD_INVALID))


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
                "code": _dotted(getattr(first, "code", None)),
                "message": str(first),
            }
        else:
            for i, item in enumerate(detail):
                if item:
                    out.update(flatten_errors(item, f"{path}.{i}" if path else str(i)))
    else:
        out[path or "non_field_errors"] = {
            "code": _dotted(getattr(detail, "code", None)),
            "message": str(detail),
        }
    return out


def _auth_code(exc) -> str:
    detail = exc.detail
    code = detail.get("code") if isinstance(detail, dict) else getattr(detail, "code", None)
    if code and "." in str(code):
        return str(code)
    return codes.AUTH_INVALID_TOKEN.code


def _wait_s(exc: exceptions.Throttled) -> int | None:
    wait = getattr(exc, "wait", None)  # set by DRF's Throttled (its stubs omit it)
    return wait and int(wait + 0.999)


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
        return Response(
            body(codes.REQUEST_INVALID, _g("Some fields are invalid."), errors), status=400
        )
    if isinstance(exc, exceptions.NotAuthenticated):
        return Response(status_body(401), status=401)
    if isinstance(exc, exceptions.AuthenticationFailed):
        message = exc.detail.get("detail") if isinstance(exc.detail, dict) else exc.detail
        return Response(body(_auth_code(exc), message), status=401)
    if isinstance(exc, exceptions.Throttled):
        return Response(dict(status_body(429), retry_after_s=_wait_s(exc)), status=429)
    if isinstance(exc, PayloadTooLarge | RequestDataTooBig):
        return Response(status_body(413), status=413)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return Response(status_body(404), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        return Response(status_body(403), status=403)
    if isinstance(exc, exceptions.APIException):
        code = getattr(exc.detail, "code", None)
        status = exc.status_code
        default = for_status(status) if status in codes.BY_STATUS else codes.REQUEST_INVALID
        dotted = code if code and "." in str(code) else default.code
        text = exc.detail if dotted != default.code else default.message
        return Response(body(dotted, text), status=status)
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
