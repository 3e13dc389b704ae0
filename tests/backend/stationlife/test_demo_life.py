"""The demo's station life (gis_data/demo/life.py) on the hand-built link: a deliberation day
per township station per month with topics and action items, the link's activities at its
cadence with a few misses; loading twice adds nothing."""

import datetime as dt

import pytest

from backend.accounts.access import jurisdiction_of
from backend.stationlife import selectors
from backend.stationlife.models import ActionItem, Deliberation, JointActivity
from gis_data.demo.life import fourth_thursday, load_station_life

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 2)


def test_demo_life_gives_monthly_deliberations_and_a_link_rhythm(link):
    first = load_station_life(TODAY, 2024)
    # three stations of kind "station": twelve fourth Thursdays before 2 December and January's
    assert Deliberation.objects.filter(station=link["shijiao"]).count() == 13
    assert first["deliberations"] == 39
    planned = Deliberation.objects.get(station=link["shijiao"], status="planned")
    assert planned.date == fourth_thursday(2027, 1) == dt.date(2027, 1, 28)
    held = Deliberation.objects.filter(station=link["shijiao"], status="held")
    assert all(d.topics.filter(chosen=True).count() == 2 for d in held)
    assert ActionItem.objects.filter(deliberation__station=link["shijiao"]).count() == 24
    detail = selectors.link_detail(
        jurisdiction=jurisdiction_of(link["gx_staff"]), link_id=link["link"].id, today=TODAY
    )
    weekly, monthly, quarterly = detail["compliance"]
    assert weekly["met"] > 30 and weekly["missed"] >= 1  # about one week in ten missed
    assert monthly["missed"] >= 1 and quarterly["met"] >= 3
    assert len(detail["problems"]) == 2
    again = load_station_life(TODAY, 2024)
    assert again == {"deliberations": 0, "actions": 0, "activities": 0}
    assert JointActivity.objects.count() == first["activities"]
