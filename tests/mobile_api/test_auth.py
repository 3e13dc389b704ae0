"""Auth flows: device-bound login, rotation + blacklist, logout, revocation, deactivation,
password change, lockout by username + IP, throttling."""

import pytest
from django.test import override_settings

from mobile_api.models import Device
from tests.factories import UserFactory

from .conftest import Api

pytestmark = pytest.mark.django_db


def test_login_returns_device_bound_pair(deputy):
    api = Api()
    body = api.login("deputy1", device_name="华为 Mate", platform="android")
    device = Device.objects.get()
    assert body["device_id"] == device.id and body["token_type"] == "Bearer"
    assert body["access_expires_in_s"] == 900
    assert (device.user_id, device.device_uid, device.name, device.session) == (
        deputy.user_id,
        "phone-1",
        "华为 Mate",
        1,
    )
    assert api.get("me").status_code == 200


def test_no_token_and_bad_token(deputy):
    api = Api()
    response = api.get("me")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"
    assert response["WWW-Authenticate"].startswith("Bearer")
    api.access = "not.a.jwt"
    assert api.get("me").json()["code"] == "auth.invalid_token"


def test_wrong_password_is_json_401(deputy):
    response = Api(language="en").post(
        "auth/login", {"username": "deputy1", "password": "x", "device_id": "p"}
    )
    assert response.status_code == 401
    assert response.json() == {
        "code": "auth.invalid_credentials",
        "message": "Wrong username or password.",
    }


def test_refresh_rotates_and_old_refresh_is_blacklisted(api):
    old_refresh = api.refresh
    response = api.post("auth/refresh", {"refresh": old_refresh})
    assert response.status_code == 200
    new = response.json()
    assert new["refresh"] != old_refresh
    replay = api.post("auth/refresh", {"refresh": old_refresh})
    assert replay.status_code == 401 and replay.json()["code"] == "auth.invalid_token"
    api.access = new["access"]
    assert api.get("me").status_code == 200


def test_logout_kills_access_and_refresh_of_the_session(api):
    refresh = api.refresh
    assert api.post("auth/logout", {"refresh": refresh}).status_code == 204
    response = api.get("me")
    assert response.status_code == 401 and response.json()["code"] == "auth.session_ended"
    assert api.post("auth/refresh", {"refresh": refresh}).status_code == 401


def test_login_again_after_logout_works(api):
    api.post("auth/logout", {"refresh": api.refresh})
    api.login("deputy1")
    assert api.get("me").status_code == 200


def test_revoked_device_fails_at_once_and_cannot_log_in(api):
    device = Device.objects.get()
    second = Api()
    second.login("deputy1", device_id="phone-b")
    response = second.post(f"devices/{device.id}/revoke")
    assert response.status_code == 200 and response.json()["revoked_at"]
    assert api.get("me").json()["code"] == "auth.device_revoked"
    assert (
        api.post("auth/refresh", {"refresh": api.refresh}).json()["code"] == "auth.device_revoked"
    )
    relogin = Api().post(
        "auth/login", {"username": "deputy1", "password": "pass-1234", "device_id": "phone-1"}
    )
    assert relogin.status_code == 403 and relogin.json()["code"] == "auth.device_revoked"
    assert second.get("me").status_code == 200


def test_cannot_revoke_someone_elses_device(api, other_api):
    other_device = Device.objects.get(device_uid="phone-2")
    response = api.post(f"devices/{other_device.id}/revoke")
    assert response.status_code == 404 and response.json()["code"] == "device.not_found"


def test_devices_list(api):
    body = api.get("devices").json()
    assert [d["device_id"] for d in body["results"]] == ["phone-1"]


def test_deactivated_account_stops_at_once(api, deputy):
    deputy.user.is_active = False
    deputy.user.save()
    response = api.get("me")
    assert response.status_code == 401 and response.json()["code"] == "auth.account_inactive"


def test_changed_password_stops_tokens_at_once(api, deputy):
    deputy.user.set_password("another-pass-99")
    deputy.user.save()
    assert api.get("me").json()["code"] == "auth.credentials_changed"
    assert (
        api.post("auth/refresh", {"refresh": api.refresh}).json()["code"]
        == "auth.credentials_changed"
    )


def test_non_deputy_cannot_log_in(county):
    UserFactory(username="staff1", role="staff", jurisdiction=county)
    response = Api().post(
        "auth/login", {"username": "staff1", "password": "pass-1234", "device_id": "p"}
    )
    assert response.status_code == 403 and response.json()["code"] == "auth.not_a_deputy"


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lockout_by_username_and_ip_counts_jwt_login_failures(deputy):
    UserFactory(username="neighbour")
    api = Api()
    for _ in range(3):
        response = api.post(
            "auth/login", {"username": "deputy1", "password": "wrong", "device_id": "p"}
        )
    assert response.status_code == 429
    assert response.json()["code"] == "auth.locked_out"
    # Even the right password is refused while locked out...
    right = api.post(
        "auth/login", {"username": "deputy1", "password": "pass-1234", "device_id": "p"}
    )
    assert right.status_code == 429 and right.json()["code"] == "auth.locked_out"
    # ...but only for this username: a colleague behind the same carrier IP logs in.
    colleague = api.post(
        "auth/login", {"username": "neighbour", "password": "pass-1234", "device_id": "p"}
    )
    assert colleague.status_code != 429
    # and the same username from another IP is not locked either.
    other_ip = api.client.post(
        "/api/mobile/v1/auth/login",
        '{"username": "deputy1", "password": "pass-1234", "device_id": "p"}',
        content_type="application/json",
        REMOTE_ADDR="10.9.8.7",
    )
    assert other_ip.status_code == 200


def test_throttle_per_user_and_endpoint(api, other_api, settings):
    settings.MOBILE_API_THROTTLE_RATES = dict(settings.MOBILE_API_THROTTLE_RATES, read="2/min")
    assert api.get("me").status_code == 200
    assert api.get("devices").status_code == 200
    response = api.get("me")
    assert response.status_code == 429
    assert response.json()["code"] == "request.throttled"
    assert int(response["Retry-After"]) > 0
    assert api.post("visits/sync", {"records": []}).status_code == 400  # other scope: not throttled
    assert other_api.get("me").status_code == 200  # other user: own counter
