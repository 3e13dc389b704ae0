"""Login lockout (django-axes) answers 429 with Retry-After = seconds until the cool-off ends, on
the phone API and on the dashboard's session login, whose lockout page is zh-hans first with
English available (issue 8, defect 14)."""

import datetime as dt

import pytest
import time_machine
from django.test import Client, override_settings
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
COOL_OFF_S = 15 * 60  # settings.AXES_COOLOFF_TIME = 0.25 h
START = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def phone_login(client: Client, password: str):
    return client.post(
        "/api/mobile/v1/auth/login",
        {"username": "locked", "password": password, "device_id": "p1"},
        content_type="application/json",
    )


def web_login(client: Client, password: str, **headers):
    return client.post(
        "/accounts/login/", {"username": "locked", "password": password}, headers=headers
    )


@override_settings(AXES_FAILURE_LIMIT=3)
def test_phone_lockout_says_when_to_retry():
    UserFactory(username="locked")
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(3):
            response = phone_login(client, "wrong")
        assert response.status_code == 429
        assert response.json()["code"] == "auth.locked_out"
        assert int(response["Retry-After"]) == COOL_OFF_S
        traveller.shift(dt.timedelta(minutes=5))
        again = phone_login(client, "pass-1234")  # the right password, still locked
        assert (again.status_code, again.json()["code"]) == (429, "auth.locked_out")
        assert int(again["Retry-After"]) == COOL_OFF_S - 5 * 60
        traveller.shift(dt.timedelta(minutes=10, seconds=1))
        assert phone_login(client, "pass-1234").status_code != 429  # cool-off over


@override_settings(AXES_FAILURE_LIMIT=3)
def test_web_lockout_page_is_chinese_first_with_retry_after():
    UserFactory(username="locked")
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(3):
            response = web_login(client, "wrong")
        assert response.status_code == 429
        assert int(response["Retry-After"]) == COOL_OFF_S
        assert response["Content-Type"].startswith("text/html")
        page = response.content.decode()
        assert '<html lang="zh-hans"' in page
        assert "登录失败次数过多" in page and "15 分钟" in page
        traveller.shift(dt.timedelta(minutes=6))
        english = web_login(client, "pass-1234", **{"Accept-Language": "en"})
        assert english.status_code == 429
        assert int(english["Retry-After"]) == COOL_OFF_S - 6 * 60
        page = english.content.decode()
        assert '<html lang="en"' in page
        assert "Too many failed sign-ins" in page and "9 minutes" in page
        assert timezone.now() == START + dt.timedelta(minutes=6)
