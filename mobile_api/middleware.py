"""JSON errors for everything under /api/mobile/, whatever produced them.

DRF views already answer errors in JSON (mobile_api.errors). This middleware sits near the top of
the stack and catches the rest: unknown URLs (Django's 404 page), an exception outside a view
(500 page), a lockout page from django-axes (429), so the phone never receives HTML.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils import translation

from backend.core import error_codes as codes
from backend.core.http import JsonErrorsMiddleware

from .errors import body, json_error

API_PREFIX = "/api/mobile/"


def _as_json(request, response):
    language = translation.get_language_from_request(request)
    with translation.override(language):
        if getattr(request, "axes_locked_out", False):
            return JsonResponse(
                body(
                    codes.AUTH_LOCKED_OUT,
                    translation.gettext("Too many failed logins; try again later."),
                ),
                status=429,
                json_dumps_params={"ensure_ascii": False},
            )
        return json_error(response.status_code)


class ApiJsonErrorsMiddleware(JsonErrorsMiddleware):
    prefixes = (API_PREFIX,)

    def render(self, request, status, response=None):
        return json_error(status) if response is None else _as_json(request, response)
