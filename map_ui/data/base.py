"""The map data API's base class (one API class per operation, as mobile_api/apis) and its
query-parameter fields.

`MapApi` keeps what the map API always answered: the session's user (Django's CSRF middleware
checks POSTs, as for any page), a wrong method 405 before a missing login 401, DomainError →
JSON through backend.core.http, and Django responses passed through untouched (GeoJSON text,
vector tiles, 304s). Each operation's `InputSerializer` validates its query with `Param`
fields: each wraps one parser of map_ui.data.params, so a bad value keeps its own code
(`map.invalid_limit`, ...) instead of a generic `request.invalid`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import APIException
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from backend.core import error_codes as codes
from backend.core.errors import DomainError
from backend.core.http import error_response, status_response

ERROR = inline_serializer(
    "MapError",
    fields={
        "code": serializers.CharField(help_text="Stable dotted code, e.g. map.invalid_bbox"),
        "message": serializers.CharField(help_text="zh-hans by default"),
    },
)
READ_ERRORS = {400: ERROR, 401: ERROR, 404: ERROR}
WRITE_ERRORS = {400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR, 413: ERROR}


class SessionUser(BaseAuthentication):
    """The account Django's session middleware found, if active. CSRF stays with Django's
    middleware (MapApi.as_view does not exempt the view), exactly as for the pages."""

    def authenticate(self, request):
        user = getattr(request._request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return (user, None)


class FirstRenderer(BaseContentNegotiation):
    """No negotiation: the map API answers JSON (or a tile) whatever the Accept header says."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return (renderers[0], renderers[0].media_type)

    def select_parser(self, request, parsers):
        return None


class MapApi(APIView):
    authentication_classes = (SessionUser,)
    permission_classes = ()
    throttle_classes = ()
    # Declared for the schema's request bodies; bodies are read by backend.core.body (never
    # through request.data), so DRF's parsers never run.
    parser_classes = (JSONParser,)
    renderer_classes = (JSONRenderer,)
    content_negotiation_class = FirstRenderer
    methods: tuple[str, ...] = ("GET",)

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        view.csrf_exempt = False  # Django's CsrfViewMiddleware checks the POSTs
        return view

    def initial(self, request, *args, **kwargs):
        if request.method not in self.methods:
            raise DomainError(codes.REQUEST_METHOD_NOT_ALLOWED)
        super().initial(request, *args, **kwargs)
        if not request.user.is_authenticated:
            raise DomainError(codes.AUTH_REQUIRED, _("Please log in."))

    def handle_exception(self, exc):
        if isinstance(exc, DomainError):
            response = error_response(exc.code, exc.message, status=exc.status, **exc.details)
            if exc.code == codes.REQUEST_METHOD_NOT_ALLOWED.code:
                response["Allow"] = ", ".join(self.methods)
            return response
        if isinstance(exc, APIException):
            return status_response(exc.status_code)
        raise exc

    def params(self, serializer_class: type[serializers.Serializer], data=None) -> dict:
        """The operation's query parameters (or `data`), validated by its InputSerializer."""
        serializer = serializer_class(data=self.request.GET if data is None else data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class Param(serializers.Field):
    """One query parameter parsed by `parse` (raw string or None → value; DomainError with the
    parameter's own code when bad). Absent is passed as None: the parser knows the default."""

    def __init__(self, parse: Callable[[Any], Any], **kwargs):
        self.parse = parse
        super().__init__(required=False, **kwargs)

    def get_value(self, dictionary):
        return dictionary.get(self.field_name)

    def validate_empty_values(self, data):
        return (False, data)

    def to_internal_value(self, data):
        return self.parse(data)

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.INT)
class IntParam(Param):
    pass


@extend_schema_field(OpenApiTypes.DOUBLE)
class NumberParam(Param):
    pass


@extend_schema_field(OpenApiTypes.STR)
class TextParam(Param):
    pass


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class IdsParam(Param):
    pass


class SessionUserScheme(OpenApiAuthenticationExtension):
    """The schema's name for SessionUser: Django's session cookie (and X-CSRFToken on POST)."""

    target_class = SessionUser
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
