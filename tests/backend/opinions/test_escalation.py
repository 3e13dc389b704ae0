"""Escalation by the scheduled job opinions.escalate_overdue: an overdue alert once per deadline
(time-machine moves the clock), to the level above and the county's leaders, in the history;
the job through a real worker process."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import TestCase

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import Role
from backend.opinions.escalation import opinions_escalate_overdue
from backend.opinions.models import Department, HandlingLevel, OpinionTransition
from backend.opinions.selectors import opinion_work_list
from backend.opinions.services import opinion_create, opinion_transition
from backend.opinions.tasks import escalate_overdue
from tests.backend.coverage.test_tasks import _jobs, _worker_once, empty_queue  # noqa: F401
from tests.factories import DeputyFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9AM = dt.datetime(2026, 6, 8, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def world(county):
    township = RegionFactory(adcode="430121001", parent=county)
    presidium = Department.objects.create(
        county_adcode="430121", name="某镇人大主席团", level=HandlingLevel.TOWNSHIP
    )
    return {
        "deputy": DeputyFactory(region=township),
        "staff": UserFactory(role=Role.STAFF, jurisdiction=county),
        "presidium": presidium,
    }


def new_opinion(world, at=MONDAY_9AM):
    return opinion_create(
        deputy=world["deputy"],
        client_uuid=uuid.uuid4(),
        category="roads",
        text="桥栏杆断了",
        recorded_at=at,
        received_at=at,
    ).opinion


def run_job():
    """The job's service at the travelled clock, its on-commit messages sent."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return opinions_escalate_overdue()


def alerts(opinion):
    return list(
        OpinionTransition.objects.filter(opinion=opinion, action="overdue").values_list(
            "from_status", "to_status", "by_id", "note"
        )
    )


def test_one_alert_per_deadline_to_the_level_above_and_the_county(world, outbox):
    opinion = new_opinion(world)
    with time_machine.travel(MONDAY_9AM + dt.timedelta(hours=23, minutes=59), tick=False):
        assert run_job() == 0
    with time_machine.travel(MONDAY_9AM + dt.timedelta(hours=24, minutes=5), tick=False):
        assert run_job() == 1
        assert run_job() == 0  # a rerun (or a doubled job) writes nothing twice
        _count, rows = opinion_work_list(jurisdiction=jurisdiction_of(world["staff"]))
        assert rows[0]["sla"] == "overdue"
    assert alerts(opinion) == [
        ("registered", "registered", None, "overdue: not forwarded within 24 hours; alert raised")
    ]
    assert [(m.recipient, m.kind) for m in outbox] == [
        ("level:township:430121", "overdue"),
        ("county:430121", "overdue"),
    ]
    assert "24" in outbox[0].text

    # Forwarded to the township presidium: a new deadline, alerted again once it passes.
    forwarded_at = MONDAY_9AM + dt.timedelta(hours=25)
    forwarded = opinion_transition(
        jurisdiction=jurisdiction_of(world["staff"]),
        actor=world["staff"],
        opinion_id=opinion.id,
        action="forward",
        department=world["presidium"].id,
        at=forwarded_at,
    )
    outbox.clear()
    with time_machine.travel(forwarded.due_at - dt.timedelta(minutes=1), tick=False):
        assert run_job() == 0
    with time_machine.travel(forwarded.due_at + dt.timedelta(minutes=1), tick=False):
        assert run_job() == 1
    assert [n for *_rest, n in alerts(opinion)][1] == (
        "overdue: not answered by the deadline; alert raised"
    )
    assert [m.recipient for m in outbox] == ["level:county:430121", "county:430121"]


def test_closed_and_answered_opinions_are_not_alerted(world, outbox):
    opinion = new_opinion(world)
    opinion_transition(
        jurisdiction=jurisdiction_of(world["staff"]),
        actor=world["staff"],
        opinion_id=opinion.id,
        action="solve",
        answer="当场联系修好",
        at=MONDAY_9AM + dt.timedelta(hours=1),
    )
    with time_machine.travel(MONDAY_9AM + dt.timedelta(days=10), tick=False):
        assert run_job() == 0
    assert alerts(opinion) == [] and outbox == []


def test_a_real_worker_runs_the_escalation_job(transactional_db, county, empty_queue):  # noqa: F811
    township = RegionFactory(adcode="430121001", parent=county)
    deputy = DeputyFactory(region=township)
    opinion = opinion_create(
        deputy=deputy,
        client_uuid=uuid.uuid4(),
        category="roads",
        text="桥栏杆断了",
        recorded_at=MONDAY_9AM,
        received_at=dt.datetime.now(tz=SHANGHAI) - dt.timedelta(days=2),
    ).opinion
    escalate_overdue.defer()
    assert _jobs() == [("opinions.escalate_overdue", "todo")]
    done = _worker_once()
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(alerts(opinion)) == 1
    opinion.refresh_from_db()
    assert opinion.alerted_due_at == opinion.due_at


def test_map_pins_show_overdue_and_due_soon_opinions_of_the_region_only(world, client):
    """GET /api/map/v1/opinion-pins.geojson: points with their SLA state, no text or contact;
    an opinion on time and another county's are left out."""
    other_county = RegionFactory(adcode="430182")
    now = dt.datetime.now(tz=SHANGHAI)

    def located(deputy, received_at):
        return opinion_create(
            deputy=deputy,
            client_uuid=uuid.uuid4(),
            category="roads",
            text="路面塌陷",
            recorded_at=received_at,
            received_at=received_at,
            lon=113.1,
            lat=28.2,
        ).opinion

    late = located(world["deputy"], now - dt.timedelta(days=2))
    soon = located(world["deputy"], now - dt.timedelta(hours=20))
    on_time = located(world["deputy"], now)
    opinion_transition(
        jurisdiction=jurisdiction_of(world["staff"]),
        actor=world["staff"],
        opinion_id=on_time.id,
        action="forward",
        handler="县住建局",
    )
    located(DeputyFactory(region=other_county), now - dt.timedelta(days=2))
    client.force_login(world["staff"])
    body = client.get("/api/map/v1/opinion-pins.geojson", {"region": "430121"}).json()
    pins = [(f["id"], f["properties"]["sla"], f["geometry"]["type"]) for f in body["features"]]
    assert pins == [(late.id, "overdue", "Point"), (soon.id, "due_soon", "Point")]
    assert set(body["features"][0]["properties"]) == {"id", "category", "status", "due_at", "sla"}
