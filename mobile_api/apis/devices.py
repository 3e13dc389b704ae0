"""The deputy's own devices: list, revoke a lost one."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from .. import services
from ..models import Device
from .base import ERROR, MobileApi


class DeviceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    device_id = serializers.CharField(source="device_uid")
    name = serializers.CharField()
    platform = serializers.CharField()
    registered_at = serializers.DateTimeField()
    last_login_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class DeviceListApi(MobileApi):
    @extend_schema(
        operation_id="devices_list",
        responses={
            200: inline_serializer("DeviceList", {"results": DeviceOutput(many=True)}),
            401: ERROR,
        },
        tags=["auth"],
    )
    def get(self, request):
        devices = Device.objects.filter(user=request.user).order_by("-registered_at")
        return Response({"results": DeviceOutput(devices, many=True).data})


class DeviceRevokeApi(MobileApi):
    throttle_scope = "write"

    @extend_schema(
        operation_id="devices_revoke",
        request=None,
        responses={200: DeviceOutput, 401: ERROR, 404: ERROR},
        tags=["auth"],
        description="Revoke one of your devices (a lost phone): every token issued to "
        "it fails from the next request.",
    )
    def post(self, request, device_id: int):
        device = services.device_revoke(user=request.user, device_id=device_id)
        return Response(DeviceOutput(device).data)
