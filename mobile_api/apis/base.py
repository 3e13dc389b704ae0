"""The phone API's base class, pagination and the shared schema pieces (the error body)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from backend.accounts.access import jurisdiction_of
from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.errors import DomainError

from ..auth import DeviceJWTAuthentication
from ..errors import ApiError
from ..parsers import StrictJSONParser
from ..throttles import UserEndpointThrottle

ERROR = inline_serializer(
    "Error",
    fields={
        "code": serializers.CharField(help_text="Stable dotted code, e.g. geometry.swapped_axes"),
        "message": serializers.CharField(
            help_text="zh-hans by default; English with Accept-Language: en"
        ),
        "errors": serializers.DictField(required=False, help_text="Per field: {code, message}"),
    },
)
COMMON_ERRORS = {400: ERROR, 401: ERROR, 404: ERROR, 413: ERROR, 429: ERROR}
POINT_EXAMPLE = {"type": "Point", "coordinates": [113.012345, 28.234567]}


class MobilePagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = settings.MOBILE_API_MAX_PAGE_SIZE


class MobileApi(APIView):
    """Base: device-bound JWT, strict JSON in, JSON out, per-user per-endpoint throttles."""

    authentication_classes: tuple[type[BaseAuthentication], ...] = (DeviceJWTAuthentication,)
    permission_classes: tuple[type[BasePermission], ...] = (IsAuthenticated,)
    parser_classes = (StrictJSONParser,)
    renderer_classes = (JSONRenderer,)
    throttle_classes = (UserEndpointThrottle,)
    throttle_scope = "read"

    def deputy(self):
        deputy = getattr(self.request.user, "deputy", None)
        if deputy is None:
            raise DomainError(
                codes.AUTH_NOT_A_DEPUTY, _("Only deputies can use the field app."), status=403
            )
        return deputy

    def jurisdiction(self) -> Jurisdiction:
        """The deputy's Jurisdiction in the field app: their own records only."""
        self.deputy()
        return jurisdiction_of(self.request.user).own_records()

    def validated(self, serializer_class, **context):
        data = self.request.data
        if not isinstance(data, dict):
            raise ApiError(codes.REQUEST_INVALID, _("Expected a JSON object."))
        serializer = serializer_class(data=data, context=context)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def paginated(self, queryset, output_class):
        paginator = MobilePagination()
        page: list | None = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(output_class(page, many=True).data)
