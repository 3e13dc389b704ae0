"""Deliberation days (逢四议事): planned on the rule's date at least three days ahead, candidate
topics ranked by importance + urgency + social impact, one or two chosen, minutes and
resolutions, action items followed until done and counted when overdue; the three-day notice
sent exactly once by the job stationlife.send_notices (time-machine moves the clock; a real
worker runs it too)."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import TestCase

from backend.accounts.access import jurisdiction_of
from backend.core import error_codes as codes
from backend.core.errors import DomainError
from backend.opinions.services import opinion_create
from backend.stationlife import selectors, services
from backend.stationlife.models import Deliberation
from backend.stationlife.tasks import send_notices
from tests.backend.coverage.test_tasks import _jobs, _worker_once, empty_queue  # noqa: F401

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 12, 2)  # a Wednesday; the fourth Thursday is 24 December


def j(user):
    return jurisdiction_of(user)


def plan(place, today=TODAY, **fields):
    return services.deliberation_plan(
        jurisdiction=j(place["staff"]),
        actor=place["staff"],
        station_id=place["station"].id,
        fields=fields,
        today=today,
    )


def refused(code, call, *args, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code.code, caught.value.code
    return caught.value


def test_planned_on_the_rules_date_with_the_stations_deputies(place):
    d = plan(place, department_ids=[place["department"].id])
    assert d.date == dt.date(2026, 12, 24) and d.opens_at == dt.time(14, 30)
    assert d.place == "星沙大道1号" and d.status == "planned"
    # open memberships on the day: the one who left is not invited
    assert {x.name for x in d.deputies.all()} == {"代表0", "代表1", "代表2", "无账号代表"}
    assert list(d.departments.all()) == [place["department"]]
    # 22 December: the fourth Thursday is two days away, too soon; the next is 28 January
    late = plan(place, today=dt.date(2026, 12, 22))
    assert late.date == dt.date(2027, 1, 28)


def test_planning_rules(place):
    refused(codes.DELIBERATION_TOO_SOON, plan, place, date="2026-12-04")
    plan(place, date="2026-12-05")  # exactly three days ahead is in time
    refused(codes.DELIBERATION_DUPLICATE, plan, place, date="2026-12-05")
    refused(codes.STATIONLIFE_INVALID_FIELD, plan, place, date="2026-13-01")
    refused(codes.STATIONLIFE_INVALID_FIELD, plan, place, date="2027-01-07", opens_at=9)
    refused(
        codes.STATIONLIFE_INVALID_FIELD,
        plan,
        place,
        date="2027-01-07",
        department_ids=[place["elsewhere"].id],  # another county's department
    )
    for who in ("leader", "staff_x"):
        code = codes.STATIONLIFE_NOT_ALLOWED if who == "leader" else codes.STATION_NOT_FOUND
        refused(
            code,
            services.deliberation_plan,
            jurisdiction=j(place[who]),
            actor=place[who],
            station_id=place["station"].id,
            fields={},
            today=TODAY,
        )


def test_topics_ranked_by_score_one_or_two_chosen(place):
    d = plan(place)
    staff = j(place["staff"])
    opinion = opinion_create(
        deputy=place["deputies"][0],
        client_uuid=uuid.uuid4(),
        category="roads",
        text="村道破损，雨天积水",
        recorded_at=dt.datetime(2026, 11, 20, 10, tzinfo=SHANGHAI),
    ).opinion

    def add(title, i, u, s, **kw):
        return services.topic_add(
            jurisdiction=staff,
            deliberation_id=d.id,
            fields={"title": title, "importance": i, "urgency": u, "impact": s, **kw},
        )

    road = add("村道修缮", 5, 4, 4, opinion_ids=[opinion.id])
    park = add("停车难", 3, 3, 5)
    light = add("路灯", 2, 2, 1)
    tie = add("垃圾分类", 4, 4, 3)  # 11, as park: the earlier one first
    refused(codes.STATIONLIFE_INVALID_FIELD, add, "x", 6, 1, 1)
    refused(codes.STATIONLIFE_INVALID_FIELD, add, "x", True, 1, 1)
    refused(codes.STATIONLIFE_INVALID_FIELD, add, "", 1, 1, 1)
    refused(codes.STATIONLIFE_INVALID_FIELD, add, "x", 1, 1, 1, opinion_ids=[987654])

    detail = selectors.deliberation_detail(jurisdiction=staff, deliberation_id=d.id, today=TODAY)
    assert [(t["title"], t["score"]) for t in detail["topics"]] == [
        ("村道修缮", 13),
        ("停车难", 11),
        ("垃圾分类", 11),
        ("路灯", 5),
    ]
    assert detail["topics"][0]["opinion_ids"] == [opinion.id]
    assert [s["id"] for s in detail["sources"]] == [opinion.id]

    def choose(ids):
        return services.topics_choose(jurisdiction=staff, deliberation_id=d.id, topic_ids=ids)

    refused(codes.DELIBERATION_TOO_MANY_TOPICS, choose, [road.id, park.id, tie.id])
    refused(codes.DELIBERATION_TOO_MANY_TOPICS, choose, [])
    choose([road.id, light.id])
    choose([road.id, park.id])  # a second choice replaces the first
    detail = selectors.deliberation_detail(jurisdiction=staff, deliberation_id=d.id, today=TODAY)
    assert [t["title"] for t in detail["topics"] if t["chosen"]] == ["村道修缮", "停车难"]
    # the leader reads it; another county's staff do not find it
    assert selectors.deliberation_detail(jurisdiction=j(place["leader"]), deliberation_id=d.id)
    refused(
        codes.DELIBERATION_NOT_FOUND,
        selectors.deliberation_detail,
        jurisdiction=j(place["staff_x"]),
        deliberation_id=d.id,
    )


def test_minutes_resolutions_and_action_items_followed_until_done(place):
    d = plan(place)
    staff = j(place["staff"])
    opinion = opinion_create(
        deputy=place["deputies"][1],
        client_uuid=uuid.uuid4(),
        category="water",
        text="自来水压力低",
        recorded_at=dt.datetime(2026, 11, 25, 9, tzinfo=SHANGHAI),
    ).opinion
    record = {"minutes": "到会代表 4 人，议定两项。", "resolutions": ["修缮村道", "增压供水"]}
    # not before the day
    refused(
        codes.DELIBERATION_INVALID_STATE,
        services.deliberation_record,
        jurisdiction=staff,
        deliberation_id=d.id,
        fields=record,
        today=dt.date(2026, 12, 23),
    )
    held_on = dt.date(2026, 12, 24)
    services.deliberation_record(
        jurisdiction=staff, deliberation_id=d.id, fields=record, today=held_on
    )
    refused(
        codes.DELIBERATION_INVALID_STATE,
        services.deliberation_record,
        jurisdiction=staff,
        deliberation_id=d.id,
        fields=record,
        today=held_on,
    )

    def act(**fields):
        return services.action_item_add(jurisdiction=staff, deliberation_id=d.id, fields=fields)

    water = act(
        text="协调水厂增压",
        department_id=place["department"].id,
        due_on="2027-01-10",
        opinion_ids=[opinion.id],
    )
    road = act(text="村道修缮方案", owner="代表0", due_on="2027-01-31")
    refused(codes.STATIONLIFE_INVALID_FIELD, act, text="x", due_on="2027-01-31")  # no owner
    refused(codes.STATIONLIFE_INVALID_FIELD, act, text="x", owner="y", due_on="31/01/2027")
    assert water.owner == "县住建局"

    def overdue(day):
        return selectors.overdue_action_count(jurisdiction=staff, today=day)

    assert overdue(dt.date(2027, 1, 10)) == 0  # due that day: not yet overdue
    assert overdue(dt.date(2027, 1, 11)) == 1
    assert overdue(dt.date(2027, 2, 1)) == 2
    assert (
        selectors.overdue_action_count(jurisdiction=j(place["staff_x"]), today=dt.date(2027, 2, 1))
        == 0
    )

    follow = services.action_item_follow
    follow(
        jurisdiction=staff,
        item_id=water.id,
        fields={"note": "已联系水厂"},
        now=dt.datetime(2027, 1, 5, 10, tzinfo=SHANGHAI),
    )
    follow(
        jurisdiction=staff,
        item_id=water.id,
        fields={"note": "增压泵已装", "done": True},
        now=dt.datetime(2027, 1, 12, 10, tzinfo=SHANGHAI),
    )
    refused(
        codes.DELIBERATION_INVALID_STATE,
        follow,
        jurisdiction=staff,
        item_id=water.id,
        fields={"done": True},
    )
    refused(codes.STATIONLIFE_INVALID_FIELD, follow, jurisdiction=staff, item_id=road.id, fields={})
    refused(
        codes.STATIONLIFE_NOT_ALLOWED,
        follow,
        jurisdiction=j(place["leader"]),
        item_id=road.id,
        fields={"note": "x"},
    )
    assert overdue(dt.date(2027, 2, 1)) == 1

    detail = selectors.deliberation_detail(
        jurisdiction=staff, deliberation_id=d.id, today=dt.date(2027, 2, 1)
    )
    assert detail["status"] == "held" and detail["resolutions"] == ["修缮村道", "增压供水"]
    assert [(a["text"], a["status"], a["overdue"]) for a in detail["actions"]] == [
        ("协调水厂增压", "done", False),
        ("村道修缮方案", "open", True),
    ]
    assert detail["actions"][0]["progress"] == "2027-01-05 已联系水厂\n2027-01-12 增压泵已装"
    assert detail["actions"][0]["opinion_ids"] == [opinion.id]
    assert detail["actions_overdue"] == 1
    listed = selectors.deliberation_list(jurisdiction=staff, today=dt.date(2027, 2, 1))
    assert [(r["id"], r["actions_open"], r["actions_overdue"]) for r in listed] == [(d.id, 1, 1)]
    # a held day takes no new topics
    refused(
        codes.DELIBERATION_INVALID_STATE,
        services.topic_add,
        jurisdiction=staff,
        deliberation_id=d.id,
        fields={"title": "x", "importance": 1, "urgency": 1, "impact": 1},
    )


def run_job():
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.deliberations_send_notices()


def at(day: dt.date, hour: int = 0, minute: int = 7):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI), tick=False
    )


def test_the_notice_goes_out_once_at_least_three_days_ahead(place, outbox, monkeypatch):
    events = []
    monkeypatch.setattr(
        "backend.core.events.publish",
        lambda county, event, data: events.append((county, event, data)),
    )
    d = plan(place, department_ids=[place["department"].id])  # 24 December
    services.topic_add(
        jurisdiction=j(place["staff"]),
        deliberation_id=d.id,
        fields={"title": "村道修缮", "importance": 5, "urgency": 4, "impact": 4},
    )
    services.topics_choose(
        jurisdiction=j(place["staff"]), deliberation_id=d.id, topic_ids=[d.topics.get().id]
    )
    with at(dt.date(2026, 12, 16), 23, 59):  # eight days ahead: not yet
        assert run_job() == 0
    with at(dt.date(2026, 12, 17)):  # a week ahead
        assert run_job() == 1
        assert run_job() == 0  # a rerun or a doubled job sends nothing twice
    with at(dt.date(2026, 12, 21)):
        assert run_job() == 0
    deputies = sorted(x.user_id for x in place["deputies"])
    assert [m.recipient for m in outbox] == [f"user:{u}" for u in deputies] + [
        f"department:{place['department'].id}"
    ]
    assert {m.kind for m in outbox} == {"deliberation"}
    assert "2026-12-24" in outbox[0].text and "14:30" in outbox[0].text
    assert "村道修缮" in outbox[0].text
    assert events == [
        (
            "430121",
            "deliberation.notice",
            {
                "items": [
                    {
                        "id": d.id,
                        "adcode": "430121001",
                        "station": "星沙联络站",
                        "date": "2026-12-24",
                    }
                ]
            },
        )
    ]
    d.refresh_from_db()
    assert d.notice_sent_at == dt.datetime(2026, 12, 17, 0, 7, tzinfo=SHANGHAI)


def test_planned_late_it_is_noticed_at_once_and_never_after_the_day(place, outbox):
    soon = plan(place, date="2026-12-05")  # three days ahead: the next run tells them
    missed = plan(place, date="2026-12-10")
    cancelled = plan(place, date="2026-12-08")
    services.deliberation_cancel(jurisdiction=j(place["staff"]), deliberation_id=cancelled.id)
    Deliberation.objects.filter(id=missed.id).update(date=dt.date(2026, 12, 1))  # went by
    with at(TODAY, 10):
        assert run_job() == 1
    soon.refresh_from_db()
    assert soon.notice_sent_at is not None
    assert Deliberation.objects.filter(notice_sent_at__isnull=False).count() == 1
    assert len(outbox) == 3  # the three deputies with an account


def test_a_real_worker_sends_the_notice_once(transactional_db, place, empty_queue):  # noqa: F811
    """The worker process with the shipped logging backend: one log line per recipient."""
    today = dt.datetime.now(tz=SHANGHAI).date()
    d = services.deliberation_plan(
        jurisdiction=j(place["staff"]),
        actor=place["staff"],
        station_id=place["station"].id,
        fields={"date": (today + dt.timedelta(days=4)).isoformat()},
    )
    send_notices.defer()
    assert _jobs() == [("stationlife.send_notices", "todo")]
    done = _worker_once()
    assert done.returncode == 0, done.stderr[-2000:]
    delivered = [line for line in done.stderr.splitlines() if "[deliberation]" in line]
    assert len(delivered) == 3
    d.refresh_from_db()
    first = d.notice_sent_at
    assert first is not None
    assert _worker_once().returncode == 0  # the job again at start-up: nothing twice
    d.refresh_from_db()
    assert d.notice_sent_at == first
