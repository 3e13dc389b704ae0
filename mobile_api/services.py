"""Writes of the phone API's own state: device registration, token issue, refresh, logout,
device revocation.

Invariants:
- Tokens are issued only to an active deputy account, for a registered, non-revoked device.
- Login goes through django.contrib.auth.authenticate with the Django request, so django-axes
  counts every failure and locks by username + IP (AXES_LOCKOUT_PARAMETERS).
- Refresh rotates: the used refresh token is blacklisted under a row lock on the device, so a
  replayed (or concurrently reused) refresh token fails.
- Logout blacklists the refresh token and ends the device session (all its tokens); revocation
  ends the device for good.
"""

from __future__ import annotations

from typing import cast

from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken

from backend.core import error_codes as codes
from backend.core.errors import DomainError, NotFound

from .auth import (
    DEVICE_CLAIM,
    GENERATION_CLAIM,
    PASSWORD_CLAIM,
    SESSION_CLAIM,
    TokenRejected,
    check_token_claims,
    password_fingerprint,
)
from .models import Device


def _issue(user, device: Device) -> dict:
    refresh = RefreshToken.for_user(user)
    refresh[DEVICE_CLAIM] = device.id
    refresh[SESSION_CLAIM] = device.session
    refresh[PASSWORD_CLAIM] = password_fingerprint(user)
    refresh[GENERATION_CLAIM] = user.token_generation
    access = refresh.access_token  # copies the custom claims
    return {
        "access": str(access),
        "refresh": str(refresh),
        "token_type": "Bearer",
        "access_expires_in_s": int(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
        "device_id": device.id,
    }


def device_login(
    *,
    request: HttpRequest,
    username: str,
    password: str,
    device_uid: str,
    device_name: str = "",
    platform: str = "",
) -> dict:
    """Authenticate (axes-counted), register or reuse the device, start a new session."""
    user = authenticate(request=request, username=username, password=password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise DomainError(
                codes.AUTH_LOCKED_OUT, _("Too many failed logins; try again later."), status=429
            )
        raise DomainError(
            codes.AUTH_INVALID_CREDENTIALS, _("Wrong username or password."), status=401
        )
    if not hasattr(user, "deputy"):
        raise DomainError(
            codes.AUTH_NOT_A_DEPUTY, _("Only deputies can use the field app."), status=403
        )
    with transaction.atomic():
        device, _created = Device.objects.select_for_update().get_or_create(
            user=user, device_uid=device_uid, defaults={"name": device_name, "platform": platform}
        )
        if device.revoked_at is not None:
            raise DomainError(
                codes.AUTH_DEVICE_REVOKED, _("This device has been revoked."), status=403
            )
        device.session += 1
        device.last_login_at = timezone.now()
        device.name = device_name or device.name
        device.platform = platform or device.platform
        device.save(update_fields=["session", "last_login_at", "name", "platform"])
        user.last_login = device.last_login_at
        user.save(update_fields=["last_login"])
    return _issue(user, device)


def _refresh_token(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)  # type: ignore[arg-type]  # stubs: Token; it takes the text
    except TokenError as exc:
        raise TokenRejected(
            codes.AUTH_INVALID_TOKEN, _("The refresh token is not valid or has expired.")
        ) from exc


def token_refresh(*, refresh: str) -> dict:
    """Rotate: a new pair for the same device session; the old refresh token is blacklisted."""
    token = _refresh_token(refresh)
    with transaction.atomic():
        device_id = token.get(DEVICE_CLAIM)
        device = (
            Device.objects.select_for_update().select_related("user").filter(pk=device_id).first()
            if isinstance(device_id, int)
            else None
        )
        user = check_token_claims(token, device)
        if BlacklistedToken.objects.filter(token__jti=token["jti"]).exists():
            raise TokenRejected(codes.AUTH_INVALID_TOKEN, _("The refresh token was already used."))
        token.blacklist()
        return _issue(user, cast(Device, device))  # check_token_claims refused None


def device_logout(*, device: Device, refresh: str | None = None) -> None:
    """End the device's session: every token issued to it so far stops working."""
    with transaction.atomic():
        if refresh:
            try:
                token = RefreshToken(refresh)  # type: ignore[arg-type]
            except TokenError:
                token = None
            if token is not None and token.get(DEVICE_CLAIM) == device.id:
                token.blacklist()
        Device.objects.filter(pk=device.pk).update(session=F("session") + 1)


def device_revoke(*, user, device_id: int) -> Device:
    """Revoke one of the user's devices (lost phone): its tokens fail from the next request."""
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(pk=device_id, user=user).first()
        if device is None:
            raise NotFound(codes.DEVICE_NOT_FOUND, _("No such device."))
        if device.revoked_at is None:
            device.revoked_at = timezone.now()
            device.save(update_fields=["revoked_at"])
    return device
