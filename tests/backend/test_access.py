import pytest

from backend.accounts.access import can_act_in_adcode, can_read_adcode, scope_to_jurisdiction
from backend.accounts.models import Role
from backend.grid.models import GridCell
from tests.factories import GridCellFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_leader_reads_only_inside_jurisdiction(county):
    other = RegionFactory(adcode="440784", name="鹤山市")
    mine = GridCellFactory(region=county)
    GridCellFactory(region=other)
    leader = UserFactory(role=Role.LEADER, jurisdiction=county)
    assert list(scope_to_jurisdiction(GridCell.objects.all(), leader)) == [mine]
    assert can_read_adcode(leader, "430121001")
    assert not can_read_adcode(leader, "440784")
    assert not can_act_in_adcode(leader, "430121001")


def test_staff_acts_inside_and_admin_everywhere(county):
    staff = UserFactory(role=Role.STAFF, jurisdiction=county)
    admin = UserFactory(role=Role.ADMIN)
    assert can_act_in_adcode(staff, "430121")
    assert not can_act_in_adcode(staff, "43")
    assert can_act_in_adcode(admin, "450922")


def test_deputy_has_no_region_wide_access(county):
    GridCellFactory(region=county)
    deputy_user = UserFactory(role=Role.DEPUTY)
    assert scope_to_jurisdiction(GridCell.objects.all(), deputy_user).count() == 0
