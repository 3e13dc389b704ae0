"""The demo's opinions go through the closed loop (gis_data.demo: plan_opinion_loop replayed
through opinion_transition): older ones closed with ratings, recent ones part-way, a few
overdue, and every history a consistent chain in time order."""

import datetime as dt
import itertools
import random
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count

from backend.opinions.deadlines import add_working_days
from backend.opinions.models import Opinion, OpinionTransition
from gis_data.demo.activity import plan_opinion_loop
from gis_data.demo.loader import DemoOptions, load_demo

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 6, 15)
UNTIL = dt.datetime(2026, 6, 16, tzinfo=SHANGHAI)


def test_plan_steps_are_in_time_order_and_stop_at_until():
    # 200 opinions registered over the last 20 days, one every 2.4 hours
    registered = [(i, "roads", UNTIL - dt.timedelta(hours=2.4 * i)) for i in range(200)]
    plans = plan_opinion_loop(registered, random.Random(1), UNTIL)
    assert [opinion_id for opinion_id, _steps in plans] == list(range(200))
    last_actions = Counter()
    for (_id, _cat, at), (_opinion_id, steps) in zip(registered, plans, strict=True):
        times = [step["at"] for step in steps]
        assert times == sorted(times) and all(at < t <= UNTIL for t in times)
        actions = [step["action"] for step in steps]
        assert actions == ["forward", "start", *actions[2:]][: len(actions)]
        assert all(
            step["by"] == ("deputy" if step["action"] == "answer" else "station") for step in steps
        )
        last_actions[actions[-1] if actions else None] += 1
    # every stage of the loop is represented, most of the older ones finished
    assert {None, "forward", "start", "answer", "rate", "close"} <= set(last_actions)
    assert last_actions["rate"] + last_actions["close"] > 100
    old = [
        steps
        for (_i, _c, at), (_o, steps) in zip(registered, plans, strict=True)
        if at < UNTIL - dt.timedelta(days=12)
    ]
    # a few sit on it past the deadline (answered six days or more after forwarding)
    late = [s for s in old if [x["action"] for x in s][-1] in ("forward", "start", "extend")]
    assert 0 < len(late) < 0.15 * len(old)


@pytest.mark.django_db
def test_demo_opinions_live_through_the_loop():
    options = DemoOptions(
        counties=("440784",),
        townships=4,
        cell_size_m=3_000,
        deputies=400,
        days=365,
        today=TODAY,
    )
    load_demo(options, progress=lambda _message: None)
    opinions = Opinion.objects.filter(county_adcode="440784")
    statuses = Counter(opinions.values_list("status", flat=True))
    total = sum(statuses.values())
    assert total > 25
    assert statuses["closed"] > 0.6 * total
    closed = opinions.filter(status="closed")
    assert closed.filter(rating__isnull=False).count() > 0.7 * closed.count()
    assert not opinions.filter(status="forwarded", handler="").exists()
    # Every history is one chain: registered first, each step from the previous status.
    rows = OpinionTransition.objects.filter(opinion__in=opinions).order_by("opinion_id", "at", "id")
    chains: dict[int, list] = {}
    for row in rows.values("opinion_id", "from_status", "to_status", "at", "action"):
        chains.setdefault(row["opinion_id"], []).append(row)
    assert len(chains) == total
    status_of = dict(opinions.values_list("id", "status"))
    for opinion_id, chain in chains.items():
        assert (chain[0]["from_status"], chain[0]["to_status"]) == ("", "registered")
        for before, after in itertools.pairwise(chain):
            assert after["from_status"] == before["to_status"]
        assert chain[-1]["to_status"] == status_of[opinion_id]
    # Forwarding set the 3-working-day deadline from the forwarding time.
    forwards = OpinionTransition.objects.filter(opinion__in=opinions, action="forward")
    sample = forwards.select_related("opinion").filter(opinion__status="forwarded")[:5]
    for row in sample:
        assert row.opinion.due_at == add_working_days(row.at, 3)
    assert opinions.annotate(n=Count("transitions")).filter(n__gt=1).count() > 0.9 * total
    last = max(OpinionTransition.objects.filter(opinion__in=opinions).values_list("at", flat=True))
    assert last <= UNTIL
