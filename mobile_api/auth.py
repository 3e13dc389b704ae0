"""Device-bound JWT authentication for the phone.

Every token (access and refresh) carries four claims besides the user id:
- `device`: the Device row it was issued to (revoked device → every token fails at once);
- `dsn`: the device's session number at issue time (logout bumps it → tokens of that session die);
- `pwf`: a keyed fingerprint of the user's password hash (password changed → tokens fail);
- `ugn`: the user's token generation (deactivated since → tokens fail, even once reactivated).
Each request re-reads the device and its user in one query and checks all three, plus
`user.is_active`, so a deactivated account stops working at the next request.
"""

from __future__ import annotations

from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings

from backend.core import error_codes as codes
from backend.core.error_codes import ErrorCode

from .models import Device

DEVICE_CLAIM = "device"
SESSION_CLAIM = "dsn"
PASSWORD_CLAIM = "pwf"  # noqa: S105 - a claim name, not a secret
GENERATION_CLAIM = "ugn"


def password_fingerprint(user) -> str:
    return salted_hmac("mobile_api.password_fingerprint", user.password or "").hexdigest()[:24]


class TokenRejected(exceptions.AuthenticationFailed):
    def __init__(self, code: ErrorCode | str, message):
        super().__init__(detail=message, code=str(code))


def check_token_claims(token, device: Device | None):
    """Return the token's user if the device, session, account and password still match."""
    user_id = token.get(api_settings.USER_ID_CLAIM)
    if device is None or str(device.user_id) != str(user_id):
        raise TokenRejected(codes.AUTH_INVALID_TOKEN, _("The token is not valid."))
    if device.revoked_at is not None:
        raise TokenRejected(codes.AUTH_DEVICE_REVOKED, _("This device has been revoked."))
    if token.get(SESSION_CLAIM) != device.session:
        raise TokenRejected(codes.AUTH_SESSION_ENDED, _("This session has ended; log in again."))
    user = device.user
    if not user.is_active:
        raise TokenRejected(codes.AUTH_ACCOUNT_INACTIVE, _("This account is deactivated."))
    if token.get(GENERATION_CLAIM, 0) != user.token_generation:
        raise TokenRejected(codes.AUTH_SESSION_ENDED, _("This session has ended; log in again."))
    if not constant_time_compare(str(token.get(PASSWORD_CLAIM, "")), password_fingerprint(user)):
        raise TokenRejected(
            codes.AUTH_CREDENTIALS_CHANGED, _("The password has changed; log in again.")
        )
    return user


def load_device(device_id) -> Device | None:
    if not isinstance(device_id, int) or isinstance(device_id, bool):
        return None
    return Device.objects.select_related("user", "user__deputy").filter(pk=device_id).first()


class DeviceJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        device = load_device(validated_token.get(DEVICE_CLAIM))
        user = check_token_claims(validated_token, device)
        user.mobile_device = device
        return user

    def get_validated_token(self, raw_token):
        try:
            return super().get_validated_token(raw_token)
        except exceptions.AuthenticationFailed as exc:
            raise TokenRejected(
                codes.AUTH_INVALID_TOKEN, _("The token is not valid or has expired.")
            ) from exc


class DeviceJWTScheme(OpenApiAuthenticationExtension):
    target_class = "mobile_api.auth.DeviceJWTAuthentication"
    name = "deviceJWT"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="HTTP_AUTHORIZATION",
            token_prefix="Bearer",  # noqa: S106 - the scheme's name, not a secret
            bearer_format="JWT",
        )
