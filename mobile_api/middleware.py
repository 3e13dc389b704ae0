"""JSON errors for everything under /api/mobile/, whatever produced them.

DRF views already answer errors in JSON (mobile_api.errors). This middleware sits near the top of
the stack and catches the rest: unknown URLs (Django's 404 page), an exception outside a view
(500 page), a lockout page from django-axes (429), so the phone never receives HTML.
"""

from __future__ import annotations

import logging

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import JsonResponse
from django.utils import translation

from .errors import body, json_error

logger = logging.getLogger(__name__)
API_PREFIX = "/api/mobile/"


def _needs_json(request, response) -> bool:
    if not request.path.startswith(API_PREFIX) or response.status_code < 400:
        return False
    return not response.get("Content-Type", "").startswith("application/json")


def _as_json(request, response):
    language = translation.get_language_from_request(request)
    with translation.override(language):
        if getattr(request, "axes_locked_out", False):
            return JsonResponse(
                body("auth.locked_out",
                     translation.gettext("Too many failed logins; try again later.")),
                status=429, json_dumps_params={"ensure_ascii": False})
        return json_error(response.status_code)


class ApiJsonErrorsMiddleware:
    async_capable = True
    sync_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        try:
            response = self.get_response(request)
        except Exception:
            if not request.path.startswith(API_PREFIX):
                raise
            logger.exception("unhandled error under %s", API_PREFIX)
            return json_error(500)
        return _as_json(request, response) if _needs_json(request, response) else response

    async def __acall__(self, request):
        try:
            response = await self.get_response(request)
        except Exception:
            if not request.path.startswith(API_PREFIX):
                raise
            logger.exception("unhandled error under %s", API_PREFIX)
            return json_error(500)
        return _as_json(request, response) if _needs_json(request, response) else response
