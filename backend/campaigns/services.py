"""Writes of campaigns. Invariants:
- only staff and admins whose jurisdiction contains the region create or change a campaign
  (a leader's write is `campaign.not_allowed`, a region outside is `region.not_found`);
- the region is a county (6 digits) or a township (9 digits);
- the period ends on or after it starts (Asia/Shanghai days, years 2000-2100);
- targets are whole numbers ≥ 1 (the share of cells 1-100 %) or none;
- participants are deputies inside the campaign's region; by default the region's current
  deputies (a current mandate) at creation; staff add and remove afterwards;
- a change is one transaction on the locked row and sends `campaign.changed` on commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from backend.accounts.jurisdiction import Jurisdiction
from backend.accounts.models import User
from backend.core import error_codes as codes
from backend.core.errors import DomainError, NotFound
from backend.core.events import publish_on_commit
from backend.liaison.models import Deputy, MandateStatus
from backend.regions.models import Region

from .access import access_campaign_by_id
from .models import Campaign, CampaignDeputy

TARGET_FIELDS = (
    "target_people",
    "target_households",
    "target_cells_pct",
    "target_households_per_deputy",
)
CAMPAIGN_ADCODE_LENGTHS = (6, 9)


def _writer(jurisdiction: Jurisdiction) -> None:
    if not jurisdiction.can_act:
        raise DomainError(codes.CAMPAIGN_NOT_ALLOWED)


def _check_period(starts_on: dt.date, ends_on: dt.date) -> None:
    if ends_on < starts_on:
        raise DomainError(
            codes.CAMPAIGN_INVALID_FIELD,
            _("A campaign ends on or after the day it starts."),
            field="ends_on",
        )


def _check_targets(targets: dict) -> None:
    for name, value in targets.items():
        if name not in TARGET_FIELDS:
            raise DomainError(codes.CAMPAIGN_INVALID_FIELD, field=name)
        high = 100 if name == "target_cells_pct" else 10**9
        if value is not None and (isinstance(value, bool) or not 1 <= value <= high):
            raise DomainError(codes.CAMPAIGN_INVALID_FIELD, field=name)


def default_participants(*, region: Region) -> list[int]:
    """The region's current deputies: inside it, with a current mandate."""
    rows = Deputy.objects.filter(
        adcode__startswith=region.adcode, mandates__status=MandateStatus.CURRENT
    )
    return sorted(set(rows.values_list("id", flat=True)))


def _deputies_in(campaign: Campaign, jurisdiction: Jurisdiction, ids: Iterable[int]) -> set[int]:
    """The ids, all of them deputies inside the campaign's region and the jurisdiction."""
    wanted = set(ids)
    found = set(
        jurisdiction.filter(
            Deputy.objects.filter(id__in=wanted, adcode__startswith=campaign.adcode)
        ).values_list("id", flat=True)
    )
    if found != wanted:
        raise DomainError(codes.CAMPAIGN_INVALID_DEPUTY, field="deputy_ids")
    return found


def _publish(campaign: Campaign) -> None:
    item = {"id": campaign.pk, "adcode": campaign.adcode}
    publish_on_commit(campaign.county_adcode, "campaign.changed", {"items": [item]})


@transaction.atomic
def campaign_create(
    *,
    jurisdiction: Jurisdiction,
    actor: User,
    region: Region,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    targets: dict,
    deputy_ids: list[int] | None = None,
) -> Campaign:
    """A campaign over a county or township of the jurisdiction; participants are
    `deputy_ids` when given, else the region's current deputies."""
    _writer(jurisdiction)
    if not jurisdiction.may_act_in(region.adcode):
        raise NotFound(codes.REGION_NOT_FOUND)
    if len(region.adcode) not in CAMPAIGN_ADCODE_LENGTHS:
        raise DomainError(codes.CAMPAIGN_INVALID_REGION, field="region")
    _check_period(starts_on, ends_on)
    _check_targets(targets)
    campaign = Campaign.objects.create(
        name=name,
        region=region,
        adcode=region.adcode,
        county_adcode=region.adcode[:6],
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
        **targets,
    )
    ids = default_participants(region=region) if deputy_ids is None else deputy_ids
    participants = _deputies_in(campaign, jurisdiction, ids)
    CampaignDeputy.objects.bulk_create(
        [CampaignDeputy(campaign=campaign, deputy_id=i) for i in sorted(participants)]
    )
    _publish(campaign)
    return campaign


@transaction.atomic
def campaign_update(
    *,
    jurisdiction: Jurisdiction,
    campaign_id: int,
    fields: dict,
    add_deputy_ids: list[int] | None = None,
    remove_deputy_ids: list[int] | None = None,
) -> Campaign:
    """Change the name, period or targets (`fields`: only those given) and add or remove
    participants. The region never changes (a new region is a new campaign)."""
    _writer(jurisdiction)
    campaign = access_campaign_by_id(
        jurisdiction=jurisdiction, campaign_id=campaign_id, for_update=True
    )
    if not jurisdiction.may_act_in(campaign.adcode):
        raise NotFound(codes.CAMPAIGN_NOT_FOUND)
    _check_targets({k: v for k, v in fields.items() if k.startswith("target_")})
    for name, value in fields.items():
        setattr(campaign, name, value)
    _check_period(campaign.starts_on, campaign.ends_on)
    campaign.save()
    if add_deputy_ids:
        added = _deputies_in(campaign, jurisdiction, add_deputy_ids)
        CampaignDeputy.objects.bulk_create(
            [CampaignDeputy(campaign=campaign, deputy_id=i) for i in sorted(added)],
            ignore_conflicts=True,
        )
    if remove_deputy_ids:
        campaign.entries.filter(deputy_id__in=set(remove_deputy_ids)).delete()
    _publish(campaign)
    return campaign
