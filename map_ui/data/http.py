"""JSON errors for the map data endpoints (`/api/map/` and `/tiles/`), whatever produced them.

Views raise DomainError (code, message, status); `map_endpoint` turns it into JSON and answers
401 `auth.required` to anonymous callers. The middleware catches what happens outside a view
(unknown URLs, CSRF refusals, wrong methods) so that a map client never receives HTML.
"""

from __future__ import annotations

from functools import wraps

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from backend.core.errors import DomainError
from backend.core.http import JsonErrorsMiddleware

PREFIXES = ("/api/map/", "/tiles/")


def error_response(code: str, message, status: int, **details) -> JsonResponse:
    body = {"code": code, "message": str(message), **details}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def map_endpoint(methods: tuple[str, ...] = ("GET",)):
    """Session-authenticated JSON endpoint: 401 for anonymous, DomainError → JSON."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = error_response("http.method_not_allowed", _("Method not allowed."), 405)
                response["Allow"] = ", ".join(methods)
                return response
            user = request.user
            if not user.is_authenticated or not user.is_active:
                return error_response("auth.required", _("Please log in."), 401)
            try:
                return view(request, *args, **kwargs)
            except DomainError as exc:
                return error_response(exc.code, exc.message, exc.status, **exc.details)

        return wrapper

    return decorate


_CODES = {
    400: ("http.bad_request", gettext_noop("Bad request.")),
    403: ("auth.forbidden", gettext_noop("Not allowed.")),
    404: ("map.not_found", gettext_noop("Not found.")),
    405: ("http.method_not_allowed", gettext_noop("Method not allowed.")),
    500: ("server.error", gettext_noop("Server error.")),
}


def _json_for(request, status: int) -> JsonResponse:
    code, message = _CODES.get(status, ("http.error", gettext_noop("Error.")))
    return error_response(code, _(message), status)


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: JSON under the map prefixes, Django's page elsewhere."""
    if request.path.startswith(PREFIXES):
        return error_response("auth.csrf_failed", _("CSRF check failed: send X-CSRFToken."), 403)
    from django.views.csrf import csrf_failure as django_csrf_failure

    return django_csrf_failure(request, reason=reason)


class MapJsonErrorsMiddleware(JsonErrorsMiddleware):
    prefixes = PREFIXES

    def render(self, request, status, response=None):
        return _json_for(request, status)
