"""JSON errors for the map data endpoints (`/api/map/` and `/tiles/`), whatever produced them.

Views raise DomainError (code, message, status); `map_endpoint` turns it into JSON and answers
401 `auth.required` to anonymous callers. The middleware catches what happens outside a view
(unknown URLs, CSRF refusals, wrong methods) so that a map client never receives HTML.
"""

from __future__ import annotations

from functools import wraps

from django.utils.translation import gettext as _

from backend.core import error_codes as codes
from backend.core.errors import DomainError
from backend.core.http import JsonErrorsMiddleware, error_response, status_response

PREFIXES = ("/api/map/", "/tiles/")


def map_endpoint(methods: tuple[str, ...] = ("GET",)):
    """Session-authenticated JSON endpoint: 401 for anonymous, DomainError → JSON."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = error_response(codes.REQUEST_METHOD_NOT_ALLOWED)
                response["Allow"] = ", ".join(methods)
                return response
            user = request.user
            if not user.is_authenticated or not user.is_active:
                return error_response(codes.AUTH_REQUIRED, _("Please log in."))
            try:
                return view(request, *args, **kwargs)
            except DomainError as exc:
                return error_response(exc.code, exc.message, status=exc.status, **exc.details)

        return wrapper

    return decorate


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: JSON under the map prefixes, Django's page elsewhere."""
    if request.path.startswith(PREFIXES):
        return error_response(codes.AUTH_CSRF_FAILED, _("CSRF check failed: send X-CSRFToken."))
    from django.views.csrf import csrf_failure as django_csrf_failure

    return django_csrf_failure(request, reason=reason)


class MapJsonErrorsMiddleware(JsonErrorsMiddleware):
    prefixes = PREFIXES

    def render(self, request, status, response=None):
        return status_response(status)
