"""Map pages: leader dashboard, staff assignment page, stations map, the opinion work list
(意见办理), a cross-province link's page, a deliberation day's page and the start redirect.

Every page is login-required and shows one region inside the user's jurisdiction; a region
outside it is a 404 (the same answer as a region that does not exist). The pages hold no data:
their scripts read the map-data API (`map_ui.data_urls`) and the live websocket `/ws/live/`;
the link and deliberation pages and the deliberation list render their selectors' answers and
post their forms to the map-data API (map_ui/static/map_ui/stationlife.js).
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_GET

from backend.accounts.access import jurisdiction_of, reads_region_pages, start_page
from backend.accounts.jurisdiction import Jurisdiction
from backend.core.errors import NotFound
from backend.coverage.selectors.geojson import jurisdiction_bounds
from backend.coverage.selectors.tiles import LAYERS
from backend.liaison.models import (
    CongressLevel,
    HolidayPolicy,
    LinkCadence,
    RuleKind,
    StationKind,
)
from backend.liaison.rhythm import WEEKDAYS
from backend.opinions.models import HandlingLevel, OpinionCategory, OpinionStatus
from backend.opinions.selectors import department_choices, department_home_adcode
from backend.opinions.services import ACTION_LABELS, ALLOWED_FROM, DEPARTMENT_ACTIONS
from backend.projects.models import QuorumRule
from backend.regions.access import access_region_by_adcode, default_region
from backend.regions.models import Region, RegionLevel
from backend.regions.selectors import region_ancestors
from backend.stationlife import selectors as life_selectors
from backend.stationlife.models import ActivityKind, DeliberationStatus
from backend.stationlife.services import NOTICE_MIN_DAYS
from map_ui.routing import LIVE_WS_PATH

TIME_WINDOWS_DAYS = (30, 90, 365)
DEFAULT_WINDOW_DAYS = 90
OPINIONS_PAGE_SIZE = 30
ATTENDANCE_LABELS = {
    "present": _lazy("present"),
    "excused": _lazy("excused (leave)"),
    "absent": _lazy("absent"),
    "open": _lazy("today"),
    "upcoming": _lazy("to come"),
}


def js_strings() -> dict[str, str]:
    """Translated strings for the page scripts (msgids in English, zh-hans in map_ui/locale)."""
    return {
        "covered": _("covered"),
        "stale": _("stale"),
        "never": _("never visited"),
        "assigned": _("assigned"),
        "selected": _("selected"),
        "visits": _("visits"),
        "households": pgettext("count unit", "households"),
        "householdsVisited": _("households visited"),
        "coverageRatio": _("coverage ratio"),
        "lastVisit": _("last visit"),
        "noVisit": _("none"),
        "cell": _("cell"),
        "code": _("code"),
        "state": _("state"),
        "live": _("Live"),
        "connecting": _("Connecting…"),
        "offline": _("Offline, reconnecting…"),
        "signedOut": _("Signed out"),
        "visitCreated": _("Visit recorded"),
        "checkinCreated": _("Station check-in"),
        "opinionCreated": _("Opinion raised"),
        "opinionUpdated": _("Opinion handled"),
        "assignmentCreated": _("Cell assigned"),
        "days": _("days"),
        "daysSinceVisit": _("days since visit"),
        "neverVisited": _("never visited"),
        "score": _("score"),
        "openOpinions": _("open opinions"),
        "cluster": _("Opinion cluster"),
        "clustersMerged": _("%(n)s clusters close together: zoom in to tell them apart"),
        "opinions": _("opinions"),
        "open": _("open"),
        "topCategories": _("top categories"),
        "noSuggestions": _("No suggestions for these cells."),
        "suggestionsFor": _("Deputies suggested for the selected cells"),
        "inDistrict": _("in electoral district"),
        "distance": _("distance"),
        "stationDistance": _("station distance"),
        "load": _("load"),
        "cellsAssigned": _("cells assigned"),
        "householdsToVisit": _("households still to visit"),
        "assignedOk": _("Assigned %(n)s cells to %(name)s."),
        "assignFailed": _("Assignment failed"),
        "loadFailed": _("Could not load map data"),
        "selectFirst": _("Select uncovered cells on the map first."),
        "chooseDeputy": _("Choose a deputy."),
        "alreadyCovered": _("This cell is covered; choose an uncovered one."),
        "station": _("station"),
        "deputies": pgettext("satisfaction of", "deputies"),
        "link": _("Cross-province link"),
        "agreementDate": _("agreement date"),
        "cadences": _("cadences"),
        "deputyPoints": _("points"),
        "deputyTargets": _("%(met)s of %(n)s targets met"),
        "noDeputies": _("No deputies here."),
        "householdsYear": _("Households visited this year / yearly target"),
        "householdsWindow": _("Households visited in %(d)s days / yearly target"),
        "layerCoverage": _("Coverage"),
        "layerHeat": _("Visit heat (H3)"),
        "layerGaps": _("Gaps"),
        "layerClusters": _("Opinion clusters"),
        "layerPlaces": _("Place names"),
        "layerOverdue": _("Overdue and due-soon opinions"),
        "slaOverdue": _("Overdue"),
        "slaDueSoon": _("Due soon"),
        "layerCounties": _("County borders"),
        "layerStations": _("Stations"),
        "layerServiceAreas": _("Service areas"),
        "layerLinks": _("Cross-province links"),
        "noChildren": _("No subdivisions."),
        "noGaps": _("No gaps: every cell is covered."),
        "address": _("address"),
        "dutyRule": _("duty rule"),
        "nextDuty": _("next duty date"),
        "dutyDaysHeld": _("duty days held / scheduled"),
        "attendanceRate": _("attendance rate"),
        "opinionsReceived": _("opinions received"),
        "hoursToForward": _("median hours to forward"),
        "hoursToAnswer": _("median hours to answer"),
        "satisfaction": _("satisfaction"),
        "activeDeputies": _("active deputies (90 days)"),
        "sixHaves": _("six haves (六有)"),
        "registersKept": _("registers kept (一表两卡三簿)"),
        "inactiveFlag": _("Inactive: many deputies, little activity"),
        "league": _("Station league (last 90 days)"),
        "cadenceLine": _("%(met)s met, %(missed)s missed, streak %(streak)s"),
        "openLink": _("Open the link page"),
        **{f"kind_{value}": str(label) for value, label in StationKind.choices},
        **{f"cadence_{value}": str(label) for value, label in LinkCadence.choices},
        **{f"category_{value}": str(label) for value, label in OpinionCategory.choices},
        **{f"status_{value}": str(label) for value, label in OpinionStatus.choices},
    }


def opinion_strings() -> dict[str, str]:
    """Translated strings for the opinion work list (statuses and actions from backend.opinions)."""
    return {
        "overdueBadge": _("Overdue"),
        "deliberationNotice": _("Deliberation day notified"),
        "dueAt": _("due"),
        "noDue": _("no deadline"),
        "noContact": _("no contact (no consent)"),
        "registeredStep": _("Registration"),
        "noOpinions": _("No opinions here."),
        "shownOf": _("%(shown)s of %(count)s"),
        "actionDone": _("Done: %(action)s."),
        "actionFailed": _("Action failed"),
        "dueSoon": _("Due soon"),
        "linkDuplicate": _("Close this one as its duplicate"),
        "duplicateOf": _("Closed as a duplicate of opinion %(id)s: its citizen follows that case."),
        "onTime": _("On time"),
        **{f"action_{action}": str(label) for action, label in ACTION_LABELS.items()},
        **{f"level_{value}": str(label) for value, label in HandlingLevel.choices},
    }


def page_region(request: HttpRequest, jurisdiction: Jurisdiction) -> Region:
    """The `region` parameter (default: the caller's own) if readable; 404 otherwise (the same
    page for a region that does not exist)."""
    adcode = request.GET.get("region", "").strip()
    try:
        if adcode:
            return access_region_by_adcode(jurisdiction=jurisdiction, adcode=adcode)
        return default_region(jurisdiction=jurisdiction)
    except NotFound as error:
        raise Http404(error.message) from None


# The calendar year (本年) beside the rolling windows: 1 January of this year in Asia/Shanghai to
# today, expressed as a days count (the API's windows are "the last N local days"), so yearly
# targets (50 households per deputy) compare with this year's counts. In the page's URL it is
# `days=year`, so that a bookmark stays "this year" on the following days.
YEAR_WINDOW = "year"


def year_window_days(today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    return (today - dt.date(today.year, 1, 1)).days + 1


def window_key(request: HttpRequest) -> str:
    """The window asked for in the page's URL: "year" or one of the rolling lengths (as text)."""
    raw = request.GET.get("days", "")
    if raw == YEAR_WINDOW or raw in {str(d) for d in TIME_WINDOWS_DAYS}:
        return raw
    return str(DEFAULT_WINDOW_DAYS)


def window_days(request: HttpRequest) -> int:
    key = window_key(request)
    return year_window_days() if key == YEAR_WINDOW else int(key)


def window_choices() -> list[dict]:
    """The window buttons: {key, days, label}, the rolling windows then this year."""
    rolling = [
        {"key": str(d), "days": d, "label": _("%(d)s days") % {"d": d}} for d in TIME_WINDOWS_DAYS
    ]
    return [
        *rolling,
        {
            "key": YEAR_WINDOW,
            "days": year_window_days(),
            "label": pgettext("time window", "This year"),
        },
    ]


def region_payload(region: Region) -> dict:
    boundary = region.display_boundary or region.boundary
    return {
        "adcode": region.adcode,
        "name": region.name,
        "level": region.level,
        "bbox": list(boundary.extent) if boundary else None,
    }


def region_reader(request: HttpRequest) -> Jurisdiction:
    """The caller's Jurisdiction if they may open the map pages (not deputies); 403 otherwise."""
    jurisdiction = jurisdiction_of(request.user)
    if not reads_region_pages(jurisdiction):
        raise PermissionDenied
    return jurisdiction


# What the page scripts call: config key -> (URL name, {URL kwarg: {placeholder} in the JS}).
PAGE_URLS: dict[str, tuple[str, dict[str, str]]] = {
    "tiles": ("map-tile", {"layer": "layer", "z": "z", "x": "x", "y": "y"}),
    "tilejson": ("map-tilejson", {"layer": "layer"}),
    "stats": ("map-region-stats", {"adcode": "adcode"}),
    "overdue": ("map-region-overdue", {"adcode": "adcode"}),
    "cells": ("map-cells", {}),
    "gaps": ("map-gaps", {}),
    "clusters": ("map-clusters", {}),
    "opinionPins": ("map-opinion-pins", {}),
    "suggestions": ("map-suggestions", {}),
    "assignments": ("map-assignments", {}),
    "stations": ("map-stations", {}),
    "links": ("map-links", {}),
    "rhythm": ("map-station-rhythm", {"station_id": "id"}),
    "health": ("map-station-health", {"station_id": "id"}),
    "stationLinks": ("map-station-links", {}),
    "league": ("map-station-league", {}),
    "records": ("map-records", {}),
    "linkPage": ("map_ui:station-link", {"link_id": "id"}),
    "rota": ("map-station-rota", {"station_id": "id"}),
    "attendance": ("map-station-attendance", {"station_id": "id"}),
    "receptions": ("map-station-receptions", {"station_id": "id"}),
    "dutyRequests": ("map-duty-requests", {}),
    "dutyDecide": ("map-duty-request-decide", {"request_id": "id"}),
    "opinions": ("map-opinions", {}),
    "opinion": ("map-opinion", {"opinion_id": "id"}),
    "transitions": ("map-opinion-transitions", {"opinion_id": "id"}),
    "projectCalls": ("map-project-calls", {}),
    "callProposals": ("map-project-call-proposals", {"call_id": "id"}),
    "proposals": ("map-proposals", {}),
    "projectsPage": ("map_ui:projects", {}),
    "callCard": ("projects:card-call-pdf", {"call_id": "id"}),
    "projectCard": ("projects:card-project-pdf", {"proposal_id": "id"}),
    "ballotOpen": ("map-project-call-ballots", {"call_id": "id"}),
    "proposalAdvance": ("map-proposal-advance", {"proposal_id": "id"}),
    "projectUpdates": ("map-project-updates", {"proposal_id": "id"}),
    "ballot": ("map-ballot", {"ballot_id": "id"}),
    "ballotClose": ("map-ballot-close", {"ballot_id": "id"}),
    "paperCounts": ("map-ballot-paper-counts", {"ballot_id": "id"}),
    "projectsLayer": ("map-projects", {}),
    "projectFunnel": ("map-project-funnel", {}),
    "campaigns": ("map-campaigns", {}),
    "campaign": ("map-campaign", {"campaign_id": "id"}),
    "campaignUntouched": ("map-campaign-untouched", {"campaign_id": "id"}),
    "campaignPage": ("map_ui:campaign", {"campaign_id": "id"}),
}

# A stand-in argument for reverse(): digits pass every converter (int, slug, str) and this run of
# them stands in no route, so it can be swapped for the JS placeholder afterwards.
_SAMPLE_ARG = 9753100


def url_template(name: str, placeholders: dict[str, str]) -> str:
    """reverse(name) with each URL kwarg left as a `{placeholder}` for the page script to fill
    (`/api/map/v1/opinions/{id}`, `/tiles/{layer}/{z}/{x}/{y}.mvt` for Leaflet)."""
    samples = {kwarg: str(_SAMPLE_ARG + i) for i, kwarg in enumerate(placeholders)}
    url = reverse(name, kwargs=samples)
    for kwarg, sample in samples.items():
        url = url.replace(sample, "{" + placeholders[kwarg] + "}")
    return url


def page_urls() -> dict[str, str]:
    """The URLs the page scripts use, from the URL conf (the live websocket from its router)."""
    urls = {key: url_template(name, args) for key, (name, args) in PAGE_URLS.items()}
    urls["live"] = "/" + LIVE_WS_PATH
    return urls


# The tile layers every map page draws (common.js): their zoom range and bounds are in the page
# config, what their TileJSON says, so that no page fetches a TileJSON per layer before drawing.
PAGE_TILE_LAYERS = ("cells", "counties", "heat")
TILE_BOUNDS_PAD_DEG = 0.001


def tile_layers(jurisdiction: Jurisdiction) -> dict[str, dict]:
    """{layer: {minzoom, maxzoom, bounds}} as /tiles/<layer>.json answers them (one query for
    the jurisdiction's bounds, shared by the layers); none for a caller without region-wide
    reads (a department account: the tiles refuse it, as its TileJSON does)."""
    if jurisdiction.prefix is None:
        return {}
    w, s, e, n = jurisdiction_bounds(jurisdiction=jurisdiction)
    # A margin of about 100 m: the bounds are of the simplified display boundaries.
    pad = TILE_BOUNDS_PAD_DEG
    bounds = [
        max(-180.0, w - pad),
        max(-85.0511, s - pad),
        min(180.0, e + pad),
        min(85.0511, n + pad),
    ]
    return {
        name: {"minzoom": LAYERS[name].minzoom, "maxzoom": LAYERS[name].maxzoom, "bounds": bounds}
        for name in PAGE_TILE_LAYERS
    }


def map_context(
    request: HttpRequest, page: str, region: Region, jurisdiction: Jurisdiction, **extra
) -> dict:
    config = {
        "page": page,
        "region": region_payload(region),
        "days": window_days(request),
        "window": window_key(request),
        "windows": window_choices(),
        "strings": js_strings(),
        "canAssign": jurisdiction.can_act,
        "maxZoom": settings.LEAFLET_CONFIG.get("MAX_ZOOM", 18),
        "basemapLabels": settings.BASEMAP_LABELS,  # Tianditu's annotation above the data
        "tileLayers": tile_layers(jurisdiction),
        "urls": {**page_urls(), "page": request.path},
        **extra,
    }
    return {"page": page, "region": region, "config": config}


def render_map_page(request: HttpRequest, page: str, jurisdiction: Jurisdiction) -> HttpResponse:
    """Template map_ui/<page>.html on the requested (readable) region."""
    region = page_region(request, jurisdiction)
    return render(request, f"map_ui/{page}.html", map_context(request, page, region, jurisdiction))


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Start page by role: leaders and admins → dashboard, staff → assignment, deputies → the
    phone app (/m/), everyone else → the page that explains it."""
    return redirect(start_page(jurisdiction_of(request.user)))


def dashboard_project_strings() -> dict[str, str]:
    """The dashboard's projects layer and township funnel (map_ui/static/map_ui/
    dashboard_projects.js): the projects page's strings and a few of its own."""
    return {
        **project_strings(),
        # The layer's statuses (their plain msgids are the ballot's words elsewhere: 当选).
        "map_candidate": pgettext("project status", "candidate"),
        "map_chosen": pgettext("project status", "chosen"),
        "map_in_progress": pgettext("project status", "in progress"),
        "map_done": pgettext("project status", "done"),
        "map_evaluated": pgettext("project status", "evaluated"),
        "layerProjects": pgettext("map layer", "Livelihood projects"),
        "department": _("responsible department"),
        "budget": _("budget"),
        "latestUpdate": _("latest update"),
        "noUpdate": _("no update yet"),
        "barMet": _("bar met"),
        "barMissed": _("below the bar"),
        "total": _("total"),
        "showProjects": _("Show on the map"),
        "hideProjects": _("Hide from the map"),
        "clusterToProposal": _("Turn into a livelihood project proposal"),
        "clusterProposed": _("Proposal filed in"),
    }


def trail_to(region: Region, jurisdiction: Jurisdiction) -> list[dict]:
    """The breadcrumb from the top of the caller's jurisdiction down to `region` (a township
    reloaded from the URL leads back up to its county, city, province): adcode, name, level;
    the bounding boxes are read when a crumb is opened."""
    prefix = jurisdiction.prefix or ""
    above = [r for r in region_ancestors(region=region) if r.adcode.startswith(prefix)]
    return [{"adcode": r.adcode, "name": r.name, "level": r.level} for r in above] + [
        region_payload(region)
    ]


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    jurisdiction = region_reader(request)
    region = page_region(request, jurisdiction)
    # Staff and admins turn an opinion cluster into a proposal (the popup's button).
    context = map_context(
        request,
        "dashboard",
        region,
        jurisdiction,
        trail=trail_to(region, jurisdiction),
        canPropose=jurisdiction.can_act,
    )
    context["config"]["strings"].update(dashboard_project_strings())
    # ?screen=big: the wall display (大屏): no top bar, the county filling the view, large type.
    context["big_screen"] = request.GET.get("screen") == "big"
    context["printed_at"] = timezone.localtime()
    return render(request, "map_ui/dashboard.html", context)


@require_GET
@login_required
def assign(request: HttpRequest) -> HttpResponse:
    jurisdiction = jurisdiction_of(request.user)
    if not jurisdiction.can_act:  # staff and admins assign
        raise PermissionDenied
    return render_map_page(request, "assign", jurisdiction)


@require_GET
@login_required
def stations(request: HttpRequest) -> HttpResponse:
    return render_map_page(request, "stations", region_reader(request))


def duty_strings() -> dict[str, str]:
    """Translated strings for the station duty page (站点值班)."""
    return {
        "noStations": _("No stations in this region."),
        "noRule": _("No duty rule yet."),
        "noDays": _("No duty days this month."),
        "noRequests": _("No requests waiting."),
        "noDeputies": _("Nobody on duty."),
        "noReceptions": _("No reception sessions yet this month."),
        "saved": _("Saved."),
        "failed": _("Failed"),
        "add": _("Add"),
        "remove": _("Remove"),
        "approve": _("Approve"),
        "refuse": _("Refuse"),
        "save": _("Save"),
        "added": _("added"),
        "onLeave": _("on leave"),
        "moved": _("moved from %(day)s"),
        "skipped": _("skipped (%(holiday)s)"),
        "swapTo": _("swap to %(name)s"),
        "citizens": pgettext("satisfaction of", "citizens"),
        "opinions": _("opinions"),
        "held": _("held"),
        "notHeld": _("nobody present"),
        "rate": _("rate"),
        "leave": _("leave"),
        "swap": _("swap"),
        **{f"att_{k}": str(v) for k, v in ATTENDANCE_LABELS.items()},
        **{f"level_{value}": str(label) for value, label in CongressLevel.choices},
        **{f"kind_{value}": str(label) for value, label in RuleKind.choices},
    }


@require_GET
@login_required
def duty(request: HttpRequest) -> HttpResponse:
    """Station duty (站点值班): a station's rhythm with the preview of its next ten dates, the
    month's rota (staff edit it), leave and swap requests to decide, attendance and receptions.
    Staff act; leaders read."""
    jurisdiction = region_reader(request)
    region = page_region(request, jurisdiction)
    context = map_context(request, "duty", region, jurisdiction, canAct=jurisdiction.can_act)
    context["config"]["strings"].update(duty_strings())
    context["rule_kinds"] = RuleKind.choices
    context["holiday_policies"] = HolidayPolicy.choices
    context["weekdays"] = [(i, str(name)) for i, name in enumerate(WEEKDAYS)]
    return render(request, "map_ui/duty.html", context)


def opinions_region(request: HttpRequest, jurisdiction: Jurisdiction) -> Region:
    """The page's region: a department account's is its department's county (it reads no
    region; the list shows what is referred to it), everyone else's `page_region`."""
    county = department_home_adcode(jurisdiction=jurisdiction)
    if county is None:
        return page_region(request, jurisdiction)
    region = Region.objects.filter(adcode=county).first()
    if region is None:
        raise Http404
    return region


def opinion_actions(jurisdiction: Jurisdiction, region: Region) -> list[str]:
    """The actions the page offers the caller: all of them to staff acting in the region, start
    and answer to a department account, none to a reader."""
    if jurisdiction.may_act_in(region.adcode):
        return list(ALLOWED_FROM)
    if jurisdiction.department_id is not None:
        return sorted(DEPARTMENT_ACTIONS)
    return []


@require_GET
@login_required
def opinions(request: HttpRequest) -> HttpResponse:
    """The opinion work list: staff and admins act on it, leaders read it, a department account
    starts and answers what is referred to it."""
    jurisdiction = region_reader(request)
    region = opinions_region(request, jurisdiction)
    actions = opinion_actions(jurisdiction, region)
    townships = Region.objects.filter(
        level=RegionLevel.TOWNSHIP, adcode__startswith=region.adcode
    ).values_list("adcode", "name")
    context = map_context(
        request,
        "opinions",
        region,
        jurisdiction,
        canAct=bool(actions),
        actions=actions,
        isDepartment=jurisdiction.department_id is not None,
        departments=department_choices(jurisdiction=jurisdiction, adcode=region.adcode),
        pageSize=OPINIONS_PAGE_SIZE,
        allowedFrom={action: sorted(statuses) for action, statuses in ALLOWED_FROM.items()},
        townships=dict(townships),
    )
    context["config"]["strings"].update(opinion_strings())
    context["status_choices"] = OpinionStatus.choices
    return render(request, "map_ui/opinions.html", context)


def project_strings() -> dict[str, str]:
    """The projects page's strings (msgids in English, zh-hans in map_ui/locale)."""
    return {
        "stage_collected": _("collected"),
        "stage_referred": _("government referral"),
        "stage_consulted": _("public consultation"),
        "stage_reviewed": _("party committee review"),
        "stage_candidate": _("ballot candidate"),
        "stage_chosen": _("chosen"),
        "stage_not_chosen": _("not chosen"),
        "stage_rejected": _("not taken forward"),
        "stage_merged": _("merged"),
        "to_referred": _("To referral"),
        "to_consulted": _("To consultation"),
        "to_reviewed": _("To party review"),
        "to_candidate": _("Make a candidate"),
        "to_rejected": _("Reject"),
        "map_candidate": _("candidate"),
        "map_chosen": _("chosen"),
        "map_in_progress": _("in progress"),
        "map_done": _("done"),
        "map_evaluated": _("evaluated"),
        "result_elected": _("chosen"),
        "result_tied": _("tied: run-off"),
        "result_not_elected": _("not chosen"),
        "funnelCollected": _("collected"),
        "funnelShortlisted": _("shortlisted"),
        "funnelVoted": _("voted"),
        "funnelImplemented": _("implemented"),
        "satisfaction": _("satisfaction"),
        "bar": _("bar"),
        "noEvaluation": _("not yet evaluated"),
        "yuan": _("yuan"),
        "reasonPlaceholder": _("Why (kept with the decision)"),
        "reasonNeeded": _("Write the reason first."),
        "moved": _("Moved."),
        "ballotOpenStatus": _("voting open"),
        "ballotClosedStatus": _("closed, results published"),
        "turnout": _("turnout"),
        "blank": _("blank"),
        "invalid": _("invalid"),
        "paper": _("paper ballots"),
        "quorumMet": _("quorum met"),
        "quorumNotMet": _("quorum not met"),
        "votedSoFar": _("voted so far"),
        "eligible": _("eligible"),
        "votes": _("votes"),
        "closed": _("The ballot is closed; the result is published."),
        "paperEntered": _("Paper count entered."),
        "paperMatched": _("Both entries match: the paper count goes into the tally."),
        "paperWaiting": _("waiting for the second teller"),
        "teller": _("teller"),
        "mismatch": _("Differences"),
        "progress": _("progress"),
        "supervisions": _("supervision visits"),
        "noProposals": _("No proposals yet."),
        "noCalls": _("No calls for proposals in this region."),
        "noBallot": _("No ballot for this call yet."),
        "noPlace": _("no place"),
        "sources_staff": _("staff"),
        "sources_deputy": _("deputy in the field"),
        "sources_cluster": _("opinion cluster"),
        "sources_citizen": pgettext("proposal source", "citizen"),
        "newCall": _("The call for proposals is open."),
        "ballotOpened": _("The ballot is open: deputies vote on their phones."),
        "seatsRule": _(
            "%(n)s candidates chosen: at most %(k)s seats (fewer seats than candidates)."
        ),
        "seatsTooMany": _("Choose fewer seats than candidates (a competitive ballot)."),
        "pickCandidates": _("Tick at least two candidates."),
        "citizenPage": _("Citizens' page (QR code)"),
        "ratingPage": _("Citizens' satisfaction page"),
        "contact": pgettext("proposal", "contact"),
        "deputies": pgettext("satisfaction of", "deputies"),
        "citizens": pgettext("satisfaction of", "citizens"),
        "quorum_half": str(QuorumRule.HALF.label),
        "quorum_two_thirds": str(QuorumRule.TWO_THIRDS.label),
        "sessionOn": pgettext("ballot", "congress session"),
        "proposalInto": _("Into the call:"),
        "qrCard": _("QR card to print (PDF)"),
        "proposalAdded": _("The proposal is added (collected, 项目海选征集表)."),
        "quorum": _("quorum"),
    }


@require_GET
@login_required
def projects(request: HttpRequest) -> HttpResponse:
    """Livelihood projects (民生实事项目): the calls with their funnel, the proposals and their
    five forms, the ballot and its published result, the projects on a small map. Staff act,
    leaders read."""
    jurisdiction = region_reader(request)
    region = page_region(request, jurisdiction)
    context = map_context(
        request, "projects", region, jurisdiction, canAct=jurisdiction.may_act_in(region.adcode)
    )
    context["config"]["strings"].update(project_strings())
    congresses = Region.objects.filter(
        level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP], adcode__startswith=region.adcode
    ).order_by("adcode")
    context["call_regions"] = list(congresses.values_list("adcode", "name"))
    context["this_year"] = timezone.localdate().year
    context["quorum_choices"] = QuorumRule.choices
    return render(request, "map_ui/projects.html", context)


@require_GET
@login_required
def deputy(request: HttpRequest) -> HttpResponse:
    """Deputies work in the phone app; this page points them (and anyone curious) to it."""
    return render(
        request, "map_ui/deputy.html", {"page": "deputy", "api_docs_url": reverse_api_docs()}
    )


def reverse_api_docs() -> str:
    for name in ("mobile_api:docs", "mobile_api:swagger-ui", "mobile_api:redoc"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return "/api/mobile/v1/"


def _page_config(request: HttpRequest, jurisdiction: Jurisdiction, **extra) -> dict:
    return {
        "strings": js_strings(),
        "urls": {**page_urls(), "page": request.path},
        "canAct": jurisdiction.can_act,
        **extra,
    }


@require_GET
@login_required
def station_link(request: HttpRequest, link_id: int) -> HttpResponse:
    """A cross-province link: its cadence, joint activities and cross-border problems (both
    sides read it; nothing else of the other side). Staff of either side record activities."""
    jurisdiction = region_reader(request)
    try:
        link = life_selectors.link_detail(jurisdiction=jurisdiction, link_id=link_id)
    except NotFound as error:
        raise Http404(error.message) from None
    actions = {
        "activities": reverse("map-station-link-activities", kwargs={"link_id": link_id}),
        "problems": reverse("map-station-link-problems", kwargs={"link_id": link_id}),
    }
    context = {
        "page": "stations",
        "link": link,
        "kinds": ActivityKind.choices,
        "cadence_labels": dict(LinkCadence.choices),
        "config": _page_config(request, jurisdiction, actions=actions, canAct=link["can_act"]),
    }
    return render(request, "map_ui/station_link.html", context)


# The model's words ("planned" ...) are another catalog's too (a project's 待实施): in context.
DELIBERATION_STATUS_LABELS = {
    DeliberationStatus.PLANNED: pgettext_lazy("deliberation status", "planned"),
    DeliberationStatus.HELD: pgettext_lazy("deliberation status", "held"),
    DeliberationStatus.CANCELLED: pgettext_lazy("deliberation status", "cancelled"),
}


@require_GET
@login_required
def deliberations(request: HttpRequest) -> HttpResponse:
    """Deliberation days (议事) of the region: the planned ones (soonest first) and the held or
    cancelled ones (newest first), with the topics chosen and the action items open and
    overdue; staff plan a new day (at least three days ahead) with invited departments."""
    jurisdiction = region_reader(request)
    region = page_region(request, jurisdiction)
    rows = life_selectors.deliberation_list(jurisdiction=jurisdiction, adcode=region.adcode)
    for row in rows:
        row["status_label"] = DELIBERATION_STATUS_LABELS[row["status"]]
    stations = life_selectors.plan_stations(jurisdiction=jurisdiction, adcode=region.adcode)
    context = map_context(
        request,
        "deliberations",
        region,
        jurisdiction,
        actions={"plan": reverse("map-deliberations")},
    )
    context.update(
        {
            "region": region,
            "ahead": sorted((r for r in rows if r["status"] == "planned"), key=lambda r: r["date"]),
            "past": [r for r in rows if r["status"] != "planned"],
            "overdue": life_selectors.overdue_action_count(
                jurisdiction=jurisdiction, adcode=region.adcode
            ),
            "stations": stations,
            "departments": department_choices(jurisdiction=jurisdiction, adcode=region.adcode),
            "earliest": (timezone.localdate() + dt.timedelta(days=NOTICE_MIN_DAYS)).isoformat(),
        }
    )
    return render(request, "map_ui/deliberations.html", context)


@require_GET
@login_required
def deliberation(request: HttpRequest, deliberation_id: int) -> HttpResponse:
    """A deliberation day: candidate topics ranked by score, the chosen ones, minutes,
    resolutions and action items followed until done. Staff act on it; leaders read it."""
    jurisdiction = region_reader(request)
    try:
        detail = life_selectors.deliberation_detail(
            jurisdiction=jurisdiction, deliberation_id=deliberation_id
        )
    except NotFound as error:
        raise Http404(error.message) from None
    kw = {"deliberation_id": deliberation_id}
    actions = {
        name: reverse(f"map-deliberation-{name}", kwargs=kw)
        for name in ("topics", "choose", "record", "actions")
    }
    actions["follow"] = url_template("map-action-item-follow", {"item_id": "id"})
    can_act = jurisdiction.may_act_in(detail["station"]["adcode"])
    detail["status_label"] = DELIBERATION_STATUS_LABELS[detail["status"]]
    context = {
        "page": "deliberations",
        "d": detail,
        "today": timezone.localdate().isoformat(),
        "can_act": can_act,
        "config": _page_config(request, jurisdiction, actions=actions, canAct=can_act),
    }
    return render(request, "map_ui/deliberation.html", context)
