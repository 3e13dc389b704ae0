"""JSON errors for the map data endpoints (`/api/map/`, `/tiles/`, the OGC API `/ogc/`), whatever
produced them.

Views raise DomainError (code, message, status); their base class (map_ui.data.base.MapApi)
turns it into JSON and answers 401 `auth.required` to anonymous callers. The middleware catches
what happens outside a view (unknown URLs, CSRF refusals) so that a map client never receives
HTML.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from backend.core import error_codes as codes
from backend.core.http import JsonErrorsMiddleware, error_response, status_response

PREFIXES = ("/api/map/", "/tiles/", "/ogc/")


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
