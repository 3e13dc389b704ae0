"""cell_assign: staff-only, jurisdiction-checked, history rows, one event per county."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from backend.accounts.access import jurisdiction_of
from backend.core.errors import DomainError, NotFound
from backend.grid.models import GridAssignment
from backend.grid.services import cell_assign


@pytest.fixture
def listener(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("county.430121", channel)

    def messages():
        async def drain():
            got = []
            while True:
                try:
                    got.append(await asyncio.wait_for(layer.receive(channel), 0.2))
                except TimeoutError:
                    return got

        return async_to_sync(drain)()

    return messages


def test_staff_assign_many_cells_with_history_and_one_event(
    world, listener, django_capture_on_commit_callbacks
):
    staff, d2 = world.users["staff"], world.deputies["d2"]
    cells = [world.cell("a21"), world.cell("a31"), world.cell("a11")]
    with django_capture_on_commit_callbacks(execute=True):
        results = cell_assign(
            jurisdiction=jurisdiction_of(staff),
            actor=staff,
            cell_ids=[c.id for c in cells],
            deputy_id=d2.id,
            reason="补齐未走访网格",
        )
    assert [(r.assignment.cell_id, r.created) for r in results] == sorted(
        (c.id, True) for c in cells
    )
    for r in results:
        a = GridAssignment.objects.get(id=r.assignment.id)
        assert (a.deputy_id, a.status, a.assigned_by_id, a.reason, a.county_adcode) == (
            d2.id,
            "active",
            staff.id,
            "补齐未走访网格",
            "430121",
        )
        history = list(a.history.all())
        assert len(history) == 1
        assert (
            history[0].history_type,
            history[0].history_user_id,
            history[0].history_change_reason,
        ) == ("+", staff.id, "补齐未走访网格")
    [message] = listener()
    codes = {c.id: c.code for c in cells}
    cells_by_id = {c.id: c for c in cells}
    assert message == {
        "type": "domain.event",
        "event": "assignment.created",
        "data": {
            "items": [
                {
                    "id": r.assignment.id,
                    "cell_id": r.assignment.cell_id,
                    "cell_code": codes[r.assignment.cell_id],
                    "cell_name": cells_by_id[r.assignment.cell_id].name,
                    "place": cells_by_id[r.assignment.cell_id].region.name,  # the township
                    "deputy_id": d2.id,
                    "adcode": cells_by_id[r.assignment.cell_id].adcode,
                    "county_adcode": "430121",
                    "status": "active",
                }
                for r in results
            ]
        },
    }


def test_assigning_again_returns_the_existing_assignment_without_event(
    world, listener, django_capture_on_commit_callbacks
):
    staff, d1 = world.users["staff"], world.deputies["d1"]
    with django_capture_on_commit_callbacks(execute=True):
        [result] = cell_assign(
            jurisdiction=jurisdiction_of(staff),
            actor=staff,
            cell_ids=[world.cell("a00").id],
            deputy_id=d1.id,
        )
    assert (result.assignment.id, result.created) == (world.assignment.id, False)
    assert GridAssignment.objects.filter(cell=world.cell("a00")).count() == 1
    assert listener() == []


def test_township_staff_act_only_in_their_township(world):
    staff_t1, d1 = world.users["staff_t1"], world.deputies["d1"]
    [ok] = cell_assign(
        jurisdiction=jurisdiction_of(staff_t1),
        actor=staff_t1,
        cell_ids=[world.cell("a01").id],
        deputy_id=d1.id,
    )
    assert ok.created
    with pytest.raises(NotFound) as err:
        cell_assign(
            jurisdiction=jurisdiction_of(staff_t1),
            actor=staff_t1,
            cell_ids=[world.cell("a01").id, world.cell("a21").id],
            deputy_id=d1.id,
        )
    assert err.value.code == "cell.not_found" and err.value.status == 404
    assert not GridAssignment.objects.filter(cell=world.cell("a21")).exists()


@pytest.mark.parametrize("who", ["leader", "deputy", "leader_b"])
def test_leaders_and_deputies_cannot_assign(world, who):
    with pytest.raises(DomainError) as err:
        cell_assign(
            jurisdiction=jurisdiction_of(world.users[who]),
            actor=world.users[who],
            cell_ids=[world.cell("a21").id],
            deputy_id=world.deputies["d2"].id,
        )
    assert (err.value.code, err.value.status) == ("assignment.not_allowed", 403)


def test_other_county_cells_and_deputies_are_not_found(world):
    staff = world.users["staff"]
    with pytest.raises(NotFound) as err:
        cell_assign(
            jurisdiction=jurisdiction_of(staff),
            actor=staff,
            cell_ids=[world.cell("b0").id],
            deputy_id=world.deputies["d2"].id,
        )
    assert err.value.code == "cell.not_found"
    with pytest.raises(NotFound) as err:
        cell_assign(
            jurisdiction=jurisdiction_of(staff),
            actor=staff,
            cell_ids=[world.cell("a21").id],
            deputy_id=world.deputies["db"].id,
        )
    assert err.value.code == "deputy.not_found"
    with pytest.raises(NotFound):
        cell_assign(
            jurisdiction=jurisdiction_of(staff),
            actor=staff,
            cell_ids=[world.cell("a21").id],
            deputy_id=10**9,
        )
    with pytest.raises(NotFound):
        cell_assign(
            jurisdiction=jurisdiction_of(staff),
            actor=staff,
            cell_ids=[10**9],
            deputy_id=world.deputies["d2"].id,
        )


def test_input_limits(world):
    staff, d2 = world.users["staff"], world.deputies["d2"]
    with pytest.raises(DomainError) as err:
        cell_assign(jurisdiction=jurisdiction_of(staff), actor=staff, cell_ids=[], deputy_id=d2.id)
    assert err.value.code == "assignment.no_cells"
    with pytest.raises(DomainError) as err:
        cell_assign(
            jurisdiction=jurisdiction_of(staff),
            actor=staff,
            cell_ids=list(range(1, 300)),
            deputy_id=d2.id,
        )
    assert err.value.code == "assignment.too_many_cells"
    with pytest.raises(DomainError) as err:
        cell_assign(
            jurisdiction=jurisdiction_of(staff),
            actor=staff,
            cell_ids=[world.cell("a21").id],
            deputy_id=d2.id,
            reason="长" * 201,
        )
    assert err.value.code == "assignment.reason_too_long"


def test_admin_assigns_anywhere(world):
    [result] = cell_assign(
        jurisdiction=jurisdiction_of(world.users["admin"]),
        actor=world.users["admin"],
        cell_ids=[world.cell("b1").id],
        deputy_id=world.deputies["db"].id,
    )
    assert result.created and result.assignment.county_adcode == "430182"
