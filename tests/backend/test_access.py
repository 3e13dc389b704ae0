import pytest

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import Role
from backend.grid.models import GridCell
from tests.factories import GridCellFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_leader_reads_only_inside_jurisdiction(county):
    other = RegionFactory(adcode="440784", name="鹤山市")
    mine = GridCellFactory(region=county)
    GridCellFactory(region=other)
    leader = UserFactory(role=Role.LEADER, jurisdiction=county)
    assert list(jurisdiction_of(leader).filter(GridCell.objects.all())) == [mine]
    assert jurisdiction_of(leader).contains("430121001")
    assert not jurisdiction_of(leader).contains("440784")
    assert not jurisdiction_of(leader).may_act_in("430121001")


def test_staff_acts_inside_and_admin_everywhere(county):
    staff = UserFactory(role=Role.STAFF, jurisdiction=county)
    admin = UserFactory(role=Role.ADMIN)
    assert jurisdiction_of(staff).may_act_in("430121")
    assert not jurisdiction_of(staff).may_act_in("43")
    assert jurisdiction_of(admin).may_act_in("450922")


def test_deputy_has_no_region_wide_access(county):
    GridCellFactory(region=county)
    deputy_user = UserFactory(role=Role.DEPUTY)
    assert jurisdiction_of(deputy_user).filter(GridCell.objects.all()).count() == 0
