"""me.campaigns (issue 14): the campaigns a deputy takes part in with their own progress, on
the hand-built world (tests/coverage_world.py): d1's verified visits in 长沙县 over the last 30
days are h1 twice and 3 unreferenced households (4 distinct households, 5 people, 3 visits)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.campaigns.services import campaign_create
from tests.coverage_world import world  # noqa: F401  (fixture)
from tests.mobile_api.conftest import Api


def test_me_lists_my_campaigns_with_my_progress(world, settings):  # noqa: F811
    today = timezone.localdate()
    campaign = campaign_create(
        jurisdiction=jurisdiction_of(world.users["staff"]),
        actor=world.users["staff"],
        region=world.county,
        name="千名代表访万人",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=30),
        targets={"target_households_per_deputy": 50},
    )
    api = Api()
    api.login("d1")
    assert api.get("me").json()["campaigns"] == [
        {
            "id": campaign.id,
            "name": "千名代表访万人",
            "region": {"adcode": "430121", "name": "长沙县"},
            "starts_on": campaign.starts_on.isoformat(),
            "ends_on": campaign.ends_on.isoformat(),
            "visits": 3,
            "people": 5,
            "households": 4,
            "target_households": 50,
            "pct": 8.0,
            "band": "behind",
        }
    ]
    other = Api()
    other.login("db")  # 宁乡市's deputy takes no part
    assert other.get("me").json()["campaigns"] == []
