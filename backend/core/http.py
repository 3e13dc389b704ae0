"""The one JSON error renderer of both APIs, and JSON errors under an API prefix.

Every API error is `{"code": "dotted.code", "message": "...", "errors"?: {...}, ...details}`:
`error_body` / `error_response` build it from a registered code (backend.core.error_codes),
`status_response` answers a bare HTTP status with the registry's code for it. The phone API's
DRF exception handler (mobile_api.errors) and the map data API (map_ui.data.http) both render
through these functions.

Views answer their own errors in JSON; this middleware base catches the rest under its
`prefixes`: unknown URLs (Django's 404 page), wrong methods, CSRF or lockout pages and
exceptions outside a view (the 500 page), so that an API client never receives HTML.
Each API subclasses it with its prefixes and its `render` (codes and messages).
"""

from __future__ import annotations

import logging

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpResponse, JsonResponse
from django.utils.functional import Promise

from .error_codes import ErrorCode, for_status

logger = logging.getLogger(__name__)


def error_body(
    code: ErrorCode | str,
    message: str | Promise | None = None,
    errors: dict | None = None,
    **details,
) -> dict:
    """The JSON error body; `message` defaults to the registered code's message."""
    if message is None:
        if not isinstance(code, ErrorCode):
            raise TypeError(f"error code {code!r} is not an ErrorCode: pass a message")
        message = code.message
    data: dict = {"code": str(code), "message": str(message)}
    if errors:
        data["errors"] = errors
    data.update(details)
    return data


def error_response(
    code: ErrorCode | str,
    message: str | Promise | None = None,
    *,
    status: int | None = None,
    errors: dict | None = None,
    **details,
) -> JsonResponse:
    """A JSON error response (zh-hans kept readable: no ASCII escaping)."""
    if status is None:
        if not isinstance(code, ErrorCode):
            raise TypeError(f"error code {code!r} is not an ErrorCode: pass a status")
        status = code.status
    return JsonResponse(
        error_body(code, message, errors, **details),
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def status_body(status: int) -> dict:
    """The body answering a bare HTTP error status (Django's pages, DRF's own exceptions)."""
    return error_body(for_status(status))


def status_response(status: int, **details) -> JsonResponse:
    return error_response(for_status(status), status=status, **details)


class JsonErrorsMiddleware:
    prefixes: tuple[str, ...] = ()
    async_capable = True
    sync_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)

    def render(self, request, status: int, response: HttpResponse | None = None) -> HttpResponse:
        """The JSON answer for an error `status`; `response` is the non-JSON one it replaces."""
        raise TypeError(f"{type(self).__name__} must define render()")

    def _finish(self, request, response: HttpResponse) -> HttpResponse:
        if (
            request.path.startswith(self.prefixes)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return self.render(request, response.status_code, response)
        return response

    def _failed(self, request) -> HttpResponse | None:
        """Inside an `except`: the JSON 500 under our prefixes, None (re-raise) elsewhere."""
        if not request.path.startswith(self.prefixes):
            return None
        logger.exception("unhandled error under %s", request.path)
        return self.render(request, 500)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        try:
            response = self.get_response(request)
        except Exception:
            failed = self._failed(request)
            if failed is None:
                raise
            return failed
        return self._finish(request, response)

    async def __acall__(self, request):
        try:
            response = await self.get_response(request)
        except Exception:
            failed = self._failed(request)
            if failed is None:
                raise
            return failed
        return self._finish(request, response)
