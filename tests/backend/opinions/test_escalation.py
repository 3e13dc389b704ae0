"""Escalation by the scheduled job opinions.escalate_overdue: an overdue alert once per deadline
(time-machine moves the clock), to the accounts of the level above and the county's leaders
(resolved to accounts, delivered through backend.core.notify), in the history once; the job
through a real worker process and the logging backend."""

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
    city = RegionFactory(adcode="4301")
    township = RegionFactory(adcode="430121001", parent=county)
    other_township = RegionFactory(adcode="430121002", parent=county)
    other_county = RegionFactory(adcode="430182")
    presidium = Department.objects.create(
        county_adcode="430121", name="某镇人大主席团", level=HandlingLevel.TOWNSHIP
    )
    bureau = Department.objects.create(
        county_adcode="430121", name="县住建局", level=HandlingLevel.COUNTY
    )
    city_office = Department.objects.create(
        county_adcode="430121", name="市人大代表工作室", level=HandlingLevel.CITY
    )
    other_city_office = Department.objects.create(
        county_adcode="430182", name="市人大代表工作室", level=HandlingLevel.CITY
    )

    def account(role, name, **kw):
        return UserFactory(username=name, role=role, **kw)

    return {
        "deputy": DeputyFactory(region=township),
        "staff": account(Role.STAFF, "county_staff", jurisdiction=county),
        "township_staff": account(Role.STAFF, "township_staff", jurisdiction=township),
        "city_staff": account(Role.STAFF, "city_staff", jurisdiction=city),
        "leader": account(Role.LEADER, "county_leader", jurisdiction=county),
        "presidium": presidium,
        "bureau": bureau,
        "bureau_account": account(Role.DEPARTMENT, "bureau", department=bureau),
        "city_office_account": account(Role.DEPARTMENT, "city_office", department=city_office),
        # none of these hears of this county's alerts
        "others": [
            account(Role.STAFF, "staff_elsewhere", jurisdiction=other_township),
            account(Role.LEADER, "township_leader", jurisdiction=township),
            account(Role.LEADER, "leader_elsewhere", jurisdiction=other_county),
            account(Role.STAFF, "staff_gone", jurisdiction=township, is_active=False),
            account(Role.LEADER, "leader_gone", jurisdiction=county, is_active=False),
            account(Role.DEPARTMENT, "presidium", department=presidium),
            account(Role.DEPARTMENT, "city_elsewhere", department=other_city_office),
        ],
    }


def to(*accounts):
    return [f"user:{a.id}" for a in accounts]


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
    # the township's staff (the level above a station) and the county's leader, as accounts
    assert [m.recipient for m in outbox] == to(world["township_staff"], world["leader"])
    assert {m.kind for m in outbox} == {"overdue"}
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
    # at the township level: the county's staff above it, and the leader
    assert [m.recipient for m in outbox] == to(world["staff"], world["leader"])


def test_a_county_department_late_alerts_the_city_level_accounts(world, outbox):
    """Referred to a county department and not answered in time: the city congress's office
    (the county's city-level department accounts) and the city's staff, and the leader; a
    township without staff falls back to the county's staff."""
    opinion = new_opinion(world)
    forwarded = opinion_transition(
        jurisdiction=jurisdiction_of(world["staff"]),
        actor=world["staff"],
        opinion_id=opinion.id,
        action="forward",
        department=world["bureau"].id,
        at=MONDAY_9AM + dt.timedelta(hours=1),
    )
    with time_machine.travel(forwarded.due_at + dt.timedelta(minutes=1), tick=False):
        assert run_job() == 1
    assert [m.recipient for m in outbox] == to(
        world["city_staff"], world["city_office_account"], world["leader"]
    )
    assert alerts(opinion) == [
        ("forwarded", "forwarded", None, "overdue: not answered by the deadline; alert raised")
    ]

    outbox.clear()
    world["township_staff"].delete()
    late = new_opinion(world)
    with time_machine.travel(MONDAY_9AM + dt.timedelta(hours=25), tick=False):
        assert run_job() == 1
    assert [m.recipient for m in outbox] == to(world["staff"], world["leader"])
    assert len(alerts(late)) == 1


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
    """The worker process with the shipped logging backend: one log line per account."""
    township = RegionFactory(adcode="430121001", parent=county)
    deputy = DeputyFactory(region=township)
    staff = UserFactory(role=Role.STAFF, jurisdiction=township)
    leader = UserFactory(role=Role.LEADER, jurisdiction=county)
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
    delivered = [line for line in done.stderr.splitlines() if "[overdue]" in line]
    assert [line.split(" [")[0].split("notify ")[1] for line in delivered] == [
        f"user:{staff.id}",
        f"user:{leader.id}",
    ]
    assert _worker_once().returncode == 0  # the job again at start-up: nothing twice
    assert len(alerts(opinion)) == 1


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


def test_a_batch_asks_for_a_places_accounts_once(world, outbox):
    """Six overdue opinions of one township: the accounts are looked up once for the run, not
    once per opinion, and every alert still reaches the same accounts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def account_queries(n):
        for _ in range(n):
            new_opinion(world)
        outbox.clear()
        later = MONDAY_9AM + dt.timedelta(hours=25)
        with time_machine.travel(later, tick=False), CaptureQueriesContext(connection) as queries:
            assert run_job() == n
        return sum('FROM "accounts_user"' in q["sql"] for q in queries.captured_queries)

    one = account_queries(1)
    assert one >= 1
    assert account_queries(6) == one
    assert [m.recipient for m in outbox] == to(world["township_staff"], world["leader"]) * 6
