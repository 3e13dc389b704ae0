"""JSON errors under an API prefix, whatever produced them.

Views answer their own errors in JSON; this middleware base catches the rest under its
`prefixes`: unknown URLs (Django's 404 page), wrong methods, CSRF or lockout pages and
exceptions outside a view (the 500 page), so that an API client never receives HTML.
Each API subclasses it with its prefixes and its `render` (codes and messages).
"""

from __future__ import annotations

import logging

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpResponse

logger = logging.getLogger(__name__)


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
