"""Permission-checked fetches of campaigns: missing and out of reach give the same NotFound.

Staff, leaders and admins reach the campaigns of their jurisdiction (adcode prefix of the
campaign's region); a deputy (the phone app) reads only their own progress through
`selectors.deputy_campaigns`, never a campaign by id.
"""

from __future__ import annotations

from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.errors import NotFound

from .models import Campaign


def access_campaign_by_id(
    *, jurisdiction: Jurisdiction, campaign_id: int, for_update: bool = False
) -> Campaign:
    rows = jurisdiction.filter(Campaign.objects.filter(id=campaign_id).select_related("region"))
    if for_update:
        rows = rows.select_for_update(of=("self",))
    campaign = rows.first()
    if campaign is None:
        raise NotFound(codes.CAMPAIGN_NOT_FOUND)
    return campaign
