"""The campaigns pages (issue 14): `/campaigns/` (the region's campaigns; staff create one) and
`/campaigns/<id>/` (progress per township and per deputy, bars against the targets, the
untouched cells on a map; refreshed live when a visit lands in the region). HTTP only: each
view calls the selectors of backend.campaigns. See docs/campaigns.md."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from backend.campaigns import selectors
from backend.campaigns.access import access_campaign_by_id
from backend.core.errors import NotFound
from map_ui.data.campaigns import CampaignProgressOutput
from map_ui.views import map_context, page_region, region_payload, region_reader


def campaign_strings() -> dict[str, str]:
    return {
        "band_met": _("target met"),
        "band_on_track": _("on track"),
        "band_behind": _("behind"),
        "band_none": _("no target"),
        "m_people": _("people reached"),
        "m_households": _("households visited"),
        "m_cells_pct": _("cells covered"),
        "of": _("of"),
        "remove": _("Remove"),
        "saved": _("Saved."),
        "failed": _("Failed"),
        "updated": _("Progress updated"),
        "untouchedCount": _("%(n)s cells untouched"),
        "truncated": _("showing the %(n)s with most households"),
        "households": _("households"),
    }


@require_GET
@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    """The campaigns inside the region; staff see the form that starts one."""
    jurisdiction = region_reader(request)
    region = page_region(request, jurisdiction)
    scoped = jurisdiction.within(region.adcode)
    context = map_context(request, "campaigns", region, jurisdiction)
    context["config"]["strings"].update(campaign_strings())
    today = timezone.localdate()
    context.update(
        {
            "rows": selectors.campaign_list(jurisdiction=scoped),
            "regions": selectors.campaign_regions(jurisdiction=jurisdiction, adcode=region.adcode),
            "year_start": today.replace(month=1, day=1).isoformat(),
            "year_end": today.replace(month=12, day=31).isoformat(),
        }
    )
    return render(request, "map_ui/campaigns.html", context)


@require_GET
@login_required
def campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """One campaign's progress, live."""
    jurisdiction = region_reader(request)
    try:
        row = access_campaign_by_id(jurisdiction=jurisdiction, campaign_id=campaign_id)
    except NotFound as error:
        raise Http404(error.message) from None
    progress = CampaignProgressOutput(selectors.campaign_progress(campaign=row)).data
    can_act = jurisdiction.may_act_in(row.adcode)
    context = map_context(
        request,
        "campaigns",
        row.region,
        jurisdiction,
        campaign=progress,
        canAct=can_act,
        campaignRegion=region_payload(row.region),
    )
    context["config"]["strings"].update(campaign_strings())
    context.update(
        {
            "c": progress,
            "can_act": can_act,
            "candidates": selectors.campaign_candidates(campaign=row) if can_act else [],
        }
    )
    return render(request, "map_ui/campaign.html", context)
