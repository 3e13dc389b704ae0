"""The demo's campaign: 千名代表访万人 over the demo deputy's county for the demo's year, with
all the county's current deputies taking part (backend.campaigns.services). Idempotent: a
campaign of that name over the county is left as it is."""

from __future__ import annotations

import datetime as dt

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import User
from backend.campaigns import services
from backend.campaigns.models import Campaign
from backend.regions.models import Region

NAME = "千名代表访万人"
TARGET_PEOPLE = 10_000
TARGET_CELLS_PCT = 90
HOUSEHOLDS_PER_DEPUTY = 50


def create_campaign(county: Region, today: dt.date, say) -> Campaign | None:
    existing = Campaign.objects.filter(name=NAME, region=county).first()
    if existing is not None:
        return existing
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        say("campaign: no admin account, skipped")
        return None
    deputies = services.default_participants(region=county)
    campaign = services.campaign_create(
        jurisdiction=jurisdiction_of(admin),
        actor=admin,
        region=county,
        name=NAME,
        starts_on=dt.date(today.year, 1, 1),
        ends_on=dt.date(today.year, 12, 31),
        targets={
            "target_people": TARGET_PEOPLE,
            "target_households": HOUSEHOLDS_PER_DEPUTY * max(len(deputies), 1),
            "target_cells_pct": TARGET_CELLS_PCT,
            "target_households_per_deputy": HOUSEHOLDS_PER_DEPUTY,
        },
    )
    say(f"campaign {NAME}: {len(deputies)} deputies, /campaigns/{campaign.pk}/")
    return campaign
