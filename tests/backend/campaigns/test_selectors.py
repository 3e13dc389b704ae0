"""Campaign progress on the hand-built world (tests/coverage_world.py), with known answers.

The campaign 千名代表访万人 covers 长沙县 from 30 days ago to 30 days ahead (61 Asia/Shanghai
days, day 31 today: 31/61 of the period elapsed). The verified visits of its participants
(d1, d2, d3: the county's current deputies) inside it: d1 in a00 (h1 10 d and 5 d, 3
unreferenced households 20 d; the h2 visit 40 d ago is before the period), d2 in a30 (150
unreferenced households 2 d). County B's visit (db in b0) is outside the region.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.campaigns import selectors, services
from backend.campaigns.access import access_campaign_by_id
from backend.core import error_codes as codes
from backend.core.errors import DomainError, NotFound
from backend.visits.services import visits_ingest
from tests.coverage_world import _visit, world  # noqa: F401  (fixture)
from tests.factories import DeputyFactory, MandateFactory

TARGETS = {
    "target_people": 300,
    "target_households": 150,
    "target_cells_pct": 90,
    "target_households_per_deputy": 50,
}


@pytest.fixture
def campaign(world):  # noqa: F811
    today = timezone.localdate()
    return services.campaign_create(
        jurisdiction=jurisdiction_of(world.users["staff"]),
        actor=world.users["staff"],
        region=world.county,
        name="千名代表访万人",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=30),
        targets=TARGETS,
    )


def _progress(world, campaign, user="leader"):  # noqa: F811
    fetched = access_campaign_by_id(
        jurisdiction=jurisdiction_of(world.users[user]), campaign_id=campaign.id
    )
    return selectors.campaign_progress(campaign=fetched)


def test_default_participants_are_the_regions_current_deputies(world, campaign):  # noqa: F811
    d = world.deputies
    ids = set(campaign.entries.values_list("deputy_id", flat=True))
    assert ids == {d["d1"].id, d["d2"].id, d["d3"].id}


def test_progress_overall_townships_and_deputies(world, campaign):  # noqa: F811
    p = _progress(world, campaign)
    today = timezone.localdate()
    assert p["status"] == "running"
    assert p["elapsed_pct"] == round(100 * 31 / 61, 1)
    assert p["participants"] == 3
    assert p["overall"] == {
        "visits": 4,
        "people": 155,
        "households": 154,
        "cells_covered": 2,
        "cells_total": 8,
        "cells_pct": 25.0,
    }
    assert p["targets_progress"] == [
        {"name": "people", "value": 155, "target": 300, "pct": 51.7, "band": "on_track"},
        {"name": "households", "value": 154, "target": 150, "pct": 102.7, "band": "met"},
        {"name": "cells_pct", "value": 25.0, "target": 90, "pct": 27.8, "band": "behind"},
    ]
    assert p["starts_on"] == today - dt.timedelta(days=30)
    towns = {t["adcode"]: t for t in p["townships"]}
    assert towns["430121001"] == {
        "adcode": "430121001",
        "name": "星沙街道",
        "cells": 4,
        "households_total": 230,
        "visits": 3,
        "people": 5,
        "households": 4,
        "cells_covered": 1,
        "cells_pct": 25.0,
        "target_cells_pct": 90,
        "band": "behind",
    }
    assert (towns["430121002"]["visits"], towns["430121002"]["households"]) == (1, 150)
    deputies = {r["name"]: r for r in p["deputies"]}
    assert deputies["张代表"] == {
        "id": world.deputies["d1"].id,
        "name": "张代表",
        "adcode": world.deputies["d1"].adcode,
        "township": "星沙街道",
        "visits": 3,
        "people": 5,
        "households": 4,
        "cells_covered": 1,
        "target_households": 50,
        "pct": 8.0,
        "band": "behind",
    }
    assert (deputies["李代表"]["households"], deputies["李代表"]["band"]) == (150, "met")
    assert (deputies["王代表"]["visits"], deputies["王代表"]["band"]) == (0, "behind")


def test_progress_reads_a_constant_number_of_statements(
    world,  # noqa: F811
    campaign,
    django_assert_num_queries,
):
    fetched = access_campaign_by_id(
        jurisdiction=jurisdiction_of(world.users["staff"]), campaign_id=campaign.id
    )
    with django_assert_num_queries(3):
        selectors.campaign_progress(campaign=fetched)
    with django_assert_num_queries(1):
        selectors.campaign_untouched_cells(campaign=fetched)
    # twenty more deputies taking part, each with a visit: still three statements
    extra = [
        MandateFactory(deputy=DeputyFactory(region=world.t2), congress_region=world.county).deputy
        for _ in range(20)
    ]
    services.campaign_update(
        jurisdiction=jurisdiction_of(world.users["staff"]),
        campaign_id=campaign.id,
        fields={},
        add_deputy_ids=[d.id for d in extra],
    )
    visits_ingest(
        rows=[_visit(d, world.cell("a21"), 1, world.now, ref=f"x{d.id}") for d in extra],
        received_at=world.now,
    )
    with django_assert_num_queries(3):
        progress = selectors.campaign_progress(campaign=fetched)
    assert progress["participants"] == 23
    assert progress["overall"]["households"] == 154 + 20


def test_untouched_cells_most_households_first_and_bounded(world, campaign):  # noqa: F811
    collection = selectors.campaign_untouched_cells(campaign=campaign)
    codes_ = [f["properties"]["code"] for f in collection["features"]]
    assert codes_ == ["A-20", "A-01", "A-21", "A-10", "A-31", "A-11"]
    assert (collection["total"], collection["truncated"]) == (6, False)
    first = collection["features"][0]
    assert first["geometry"]["type"] == "MultiPolygon"
    assert first["properties"]["households"] == 200
    limited = selectors.campaign_untouched_cells(campaign=campaign, limit=2)
    assert [f["properties"]["code"] for f in limited["features"]] == ["A-20", "A-01"]
    assert (limited["total"], limited["truncated"]) == (6, True)


def test_only_participants_verified_visits_in_the_period_count(world, campaign):  # noqa: F811
    now = world.now
    d1, d2 = world.deputies["d1"], world.deputies["d2"]
    services.campaign_update(
        jurisdiction=jurisdiction_of(world.users["staff"]),
        campaign_id=campaign.id,
        fields={},
        remove_deputy_ids=[d2.id],
    )
    mocked = dict(_visit(d1, world.cell("a01"), 1, now, ref="h7"), mock_location=True)
    visits_ingest(rows=[mocked], received_at=now)
    p = _progress(world, campaign)
    assert p["participants"] == 2
    assert p["overall"]["visits"] == 3  # d2's visit left with d2; the mocked one is pending
    assert p["overall"]["households"] == 4
    visits_ingest(rows=[_visit(d1, world.cell("a01"), 0.5, now, ref="h8")], received_at=now)
    p = _progress(world, campaign)
    assert (p["overall"]["visits"], p["overall"]["cells_covered"]) == (4, 2)


def test_a_period_ends_on_its_last_shanghai_day(world, campaign):  # noqa: F811
    """A visit at 23:59 Beijing time on the last day counts; one at 00:00 the next day not."""
    d1 = world.deputies["d1"]
    zone = timezone.get_current_timezone()
    services.campaign_update(
        jurisdiction=jurisdiction_of(world.users["staff"]),
        campaign_id=campaign.id,
        fields={"ends_on": timezone.localdate()},
    )
    today = timezone.localdate()
    inside = dt.datetime.combine(today, dt.time(23, 59), tzinfo=zone)
    after = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0, 0), tzinfo=zone)
    rows = [
        dict(_visit(d1, world.cell("a11"), 0, world.now), recorded_at=at, client_uuid=uuid.uuid4())
        for at in (inside, after)
    ]
    visits_ingest(rows=rows, received_at=after)
    p = _progress(world, campaign)
    assert p["overall"]["visits"] == 5
    assert p["overall"]["cells_covered"] == 3


def test_deputy_sees_their_own_campaigns(world, campaign):  # noqa: F811
    mine = selectors.deputy_campaigns(
        jurisdiction=jurisdiction_of(world.deputies["d1"].user).own_records()
    )
    assert mine == [
        {
            "id": campaign.id,
            "name": "千名代表访万人",
            "region": {"adcode": "430121", "name": "长沙县"},
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
            "visits": 3,
            "people": 5,
            "households": 4,
            "target_households": 50,
            "pct": 8.0,
            "band": "behind",
        }
    ]
    other = jurisdiction_of(world.deputies["db"].user).own_records()
    assert selectors.deputy_campaigns(jurisdiction=other) == []


def test_writes_are_refused_outside_the_rules(world, campaign):  # noqa: F811
    today = timezone.localdate()
    staff_t1 = jurisdiction_of(world.users["staff_t1"])
    leader = jurisdiction_of(world.users["leader"])
    base = {
        "actor": world.users["staff"],
        "name": "x",
        "starts_on": today,
        "ends_on": today,
        "targets": {},
    }
    with pytest.raises(DomainError) as e:
        services.campaign_create(jurisdiction=leader, region=world.county, **base)
    assert e.value.code == codes.CAMPAIGN_NOT_ALLOWED.code
    with pytest.raises(NotFound):  # the county is wider than a township's staff
        services.campaign_create(jurisdiction=staff_t1, region=world.county, **base)
    with pytest.raises(DomainError) as e:
        services.campaign_create(
            jurisdiction=staff_t1,
            region=world.t1,
            **dict(base, ends_on=today - dt.timedelta(days=1)),
        )
    assert e.value.code == codes.CAMPAIGN_INVALID_FIELD.code
    with pytest.raises(DomainError) as e:  # d2 is in 泉塘街道, outside 星沙街道
        services.campaign_create(
            jurisdiction=staff_t1, region=world.t1, deputy_ids=[world.deputies["d2"].id], **base
        )
    assert e.value.code == codes.CAMPAIGN_INVALID_DEPUTY.code
    with pytest.raises(NotFound):  # a township's staff cannot reach the county's campaign
        services.campaign_update(jurisdiction=staff_t1, campaign_id=campaign.id, fields={})
    t1 = services.campaign_create(jurisdiction=staff_t1, region=world.t1, **base)
    assert list(t1.entries.values_list("deputy_id", flat=True)) == [world.deputies["d1"].id]
