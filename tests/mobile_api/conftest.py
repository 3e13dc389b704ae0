"""Fixtures for the phone API: a deputy with a device-bound login, cells, a station."""

import datetime as dt
import json
import uuid

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from tests.factories import (
    DeputyFactory,
    GridAssignmentFactory,
    MandateFactory,
    StationFactory,
    StationMembershipFactory,
    UserFactory,
    cell_center,
)

API = "/api/mobile/v1/"
PASSWORD = "pass-1234"


@pytest.fixture(autouse=True)
def api_settings(settings):
    # PBKDF2 at Django's default cost takes ~0.5 s per user; these tests are not about hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Relaxed throttles (test_auth tightens them on purpose).
    settings.MOBILE_API_THROTTLE_RATES = dict.fromkeys(
        ("login", "refresh", "read", "sync", "write"), "100000/min"
    )
    caches["mobile_api_throttle"].clear()
    yield
    caches["mobile_api_throttle"].clear()


class Api:
    """A JSON client for /api/mobile/v1/ that carries the bearer token once logged in."""

    def __init__(self, language: str | None = None):
        self.client = Client()
        self.access = self.refresh = None
        self.language = language

    def headers(self, extra=None):
        headers = {}
        if self.access:
            headers["Authorization"] = f"Bearer {self.access}"
        if self.language:
            headers["Accept-Language"] = self.language
        headers.update(extra or {})
        return headers

    def get(self, path, params=None, **headers):
        return self.client.get(API + path, params or {}, headers=self.headers(headers))

    def post(self, path, body=None, *, raw: bytes | str | None = None, **headers):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(
            API + path, data, content_type="application/json", headers=self.headers(headers)
        )

    def login(self, username, password=PASSWORD, device_id="phone-1", **extra):
        response = self.post(
            "auth/login",
            {"username": username, "password": password, "device_id": device_id, **extra},
        )
        assert response.status_code == 200, response.content
        self.access, self.refresh = response.json()["access"], response.json()["refresh"]
        return response.json()


@pytest.fixture
def deputy(county):
    user = UserFactory(username="deputy1", first_name="张", last_name="三")
    return DeputyFactory(user=user, region=county, name="张三")


@pytest.fixture
def station(county, deputy):
    station = StationFactory(region=county, name="城关联络站")  # 逢六: days ending in 6
    StationMembershipFactory(deputy=deputy, station=station)
    return station


@pytest.fixture
def assigned(deputy, cells_3x3):
    return GridAssignmentFactory(deputy=deputy, cell=cells_3x3[4])


@pytest.fixture
def mandate(deputy, county):
    return MandateFactory(deputy=deputy)


@pytest.fixture
def api(deputy):
    client = Api()
    client.login("deputy1")
    return client


@pytest.fixture
def other_api(county):
    user = UserFactory(username="deputy2")
    DeputyFactory(user=user, region=county, name="李四")
    client = Api()
    client.login("deputy2", device_id="phone-2")
    return client


@pytest.fixture
def record(cells_3x3):
    """A valid visit record in the centre cell; successive records are 10 minutes apart."""
    base = timezone.now() - dt.timedelta(hours=20)
    counter = iter(range(10_000))

    def make(**overrides):
        lon, lat = cell_center(cells_3x3[4])
        body = {
            "client_uuid": str(uuid.uuid4()),
            "kind": "household",
            "location": {"type": "Point", "coordinates": [lon, lat]},
            "accuracy_m": 8.0,
            "recorded_at": (base + dt.timedelta(minutes=10 * next(counter))).isoformat(),
            "households": 1,
            "household_ref": "",
            "notes": "",
            "mock_location": False,
        }
        body.update(overrides)
        return body

    return make
