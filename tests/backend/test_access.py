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


def test_cells_and_assignments_by_id_inside_the_jurisdiction_only(county):
    from backend.core.errors import NotFound
    from backend.grid.access import access_assignment_by_id, access_cells_by_ids
    from tests.factories import DeputyFactory, GridAssignmentFactory

    other = RegionFactory(adcode="440784", name="鹤山市")
    mine, theirs = GridCellFactory(region=county), GridCellFactory(region=other)
    staff = jurisdiction_of(UserFactory(role=Role.STAFF, jurisdiction=county))
    deputy = DeputyFactory(region=other)
    own = jurisdiction_of(deputy.user)
    inside = GridAssignmentFactory(cell=mine)
    outside = GridAssignmentFactory(cell=theirs, deputy=deputy)

    assert access_cells_by_ids(jurisdiction=staff, ids=[mine.id, mine.id]) == [mine]
    for ids in ([theirs.id], [mine.id, theirs.id], [10**9], []):
        with pytest.raises(NotFound) as refused:
            access_cells_by_ids(jurisdiction=staff, ids=ids)
        assert refused.value.code == "cell.not_found"
    with pytest.raises(NotFound):
        access_cells_by_ids(jurisdiction=own, ids=[theirs.id])  # a deputy reads no region

    assert access_assignment_by_id(jurisdiction=staff, assignment_id=inside.id) == inside
    assert access_assignment_by_id(jurisdiction=own, assignment_id=outside.id) == outside
    for jurisdiction, assignment in ((staff, outside), (own, inside)):
        with pytest.raises(NotFound) as refused:
            access_assignment_by_id(jurisdiction=jurisdiction, assignment_id=assignment.id)
        assert refused.value.code == "assignment.not_found"
