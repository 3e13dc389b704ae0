import datetime as dt
import uuid

import pytest
from django.utils import timezone

from tests.factories import (
    DeputyFactory,
    GridAssignmentFactory,
    StationFactory,
    StationMembershipFactory,
    cell_center,
)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # PBKDF2 at Django's default cost takes ~0.5 s per user; these tests are not about hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def deputy(county):
    return DeputyFactory(region=county)


@pytest.fixture
def assigned(deputy, cells_3x3):
    """The deputy is assigned the centre cell (1, 1)."""
    return GridAssignmentFactory(deputy=deputy, cell=cells_3x3[4])


@pytest.fixture
def station(county, deputy):
    station = StationFactory(region=county)
    StationMembershipFactory(deputy=deputy, station=station)
    return station


@pytest.fixture
def make_row(deputy, cells_3x3):
    base = timezone.now() - dt.timedelta(hours=20)
    counter = iter(range(10_000))

    def make(**overrides):
        """A valid row in the centre cell; successive rows are 10 minutes apart."""
        lon, lat = cell_center(cells_3x3[4])
        row = {
            "deputy_id": deputy.id,
            "client_uuid": uuid.uuid4(),
            "kind": "household",
            "lon": lon,
            "lat": lat,
            "accuracy_m": 10.0,
            "recorded_at": base + dt.timedelta(minutes=10 * next(counter)),
            "households": 1,
            "household_ref": "",
            "notes": "",
            "mock_location": False,
        }
        row.update(overrides)
        return row

    return make
