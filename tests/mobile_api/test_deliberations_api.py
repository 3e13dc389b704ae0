"""me/deliberations: the deliberation days (议事) a deputy takes part in, on the phone."""

import datetime as dt

import pytest
from django.utils import timezone

from backend.stationlife.models import ActionItem, ActionStatus, Deliberation, DeliberationTopic

pytestmark = pytest.mark.django_db


def day(station, offset: int, **fields) -> Deliberation:
    d = Deliberation.objects.create(
        station=station,
        adcode=station.region.adcode,
        county_adcode=station.region.adcode[:6],
        date=timezone.localdate() + dt.timedelta(days=offset),
        opens_at=dt.time(14, 30),
        **fields,
    )
    return d


def test_the_deputy_sees_own_days_ahead_first_then_past_with_actions(
    api, other_api, deputy, station, django_assert_max_num_queries
):
    later = day(station, 20, place="社区议事厅")
    soon = day(station, 3)
    past = day(station, -30, status="held", minutes="议定修路")
    old = day(station, -400, status="held")
    other = day(station, 5)  # the deputy does not take part in it
    for d in (later, soon, past, old):
        d.deputies.add(deputy)
    DeliberationTopic.objects.create(
        deliberation=soon, title="老旧小区加装电梯", importance=5, urgency=4, impact=5, chosen=True
    )
    DeliberationTopic.objects.create(
        deliberation=soon, title="未选的议题", importance=1, urgency=1, impact=1, chosen=False
    )
    today = timezone.localdate()
    for text, due, status in (("修路", -5, "open"), ("装灯", 10, "open"), ("清淤", -20, "done")):
        ActionItem.objects.create(
            deliberation=past,
            adcode=past.adcode,
            county_adcode=past.county_adcode,
            text=text,
            owner="镇村建办",
            due_on=today + dt.timedelta(days=due),
            status=status,
            done_at=timezone.now() if status == ActionStatus.DONE else None,
        )
    with django_assert_max_num_queries(8):
        response = api.get("me/deliberations")
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [soon.id, later.id, past.id]  # not `other`, not a year old
    assert rows[0]["upcoming"] is True and rows[2]["upcoming"] is False
    assert rows[0]["topics"] == ["老旧小区加装电梯"]
    assert rows[0]["opens_at"] == "14:30" and rows[0]["station"]["name"] == station.name
    assert rows[1]["place"] == "社区议事厅"
    assert [(a["text"], a["overdue"]) for a in rows[2]["actions"]] == [
        ("清淤", False),
        ("修路", True),
        ("装灯", False),
    ]
    assert other.id not in {r["id"] for r in other_api.get("me/deliberations").json()["results"]}
    assert other_api.get("me/deliberations").json()["results"] == []


def test_me_names_the_next_planned_deliberation_day(api, deputy, station):
    assert api.get("me").json()["next_deliberation"] is None
    cancelled = day(station, 2, status="cancelled")
    soon = day(station, 6, place="村委会二楼")
    later = day(station, 30)
    for d in (cancelled, soon, later):
        d.deputies.add(deputy)
    nxt = api.get("me").json()["next_deliberation"]
    assert nxt == {
        "id": soon.id,
        "date": soon.date.isoformat(),
        "opens_at": "14:30",
        "station_name": station.name,
        "place": "村委会二楼",
    }
