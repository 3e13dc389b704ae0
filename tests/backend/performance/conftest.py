import pytest

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import Role
from tests.backend.visits.conftest import (  # noqa: F401  (shared fixtures)
    assigned,
    deputy,
    fast_password_hasher,
    make_row,
    station,
)
from tests.factories import UserFactory


@pytest.fixture
def staff_users(county):
    """Three staff of the county: who enters, who verifies, who audits."""
    return [UserFactory(role=Role.STAFF, jurisdiction=county) for _ in range(3)]


@pytest.fixture
def staff(staff_users):
    return jurisdiction_of(staff_users[0])
