"""The record pages (履职档案与积分) for staff and leaders: `/records/` (the jurisdiction's
deputies ranked by points or by progress against the year's targets, the review queue of staff
entries, the open point disputes) and `/records/<deputy_id>/` (one deputy's year: each target
with its progress, the points by category with every line and the event that earned it, their
entries and contested lines).

Both pages render the backend.performance selectors' answers; their forms post to the map-data
API (map_ui/data/records.py) through map_ui/static/map_ui/records.js, which shows the API's
error (e.g. `record_entry.self_review`) beside the form. Staff acting in the region see the
forms; leaders read. A region or deputy outside the jurisdiction is a 404, as a missing one.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from backend.accounts.jurisdiction import Jurisdiction
from backend.core.errors import NotFound
from backend.opinions.models import OpinionCategory
from backend.performance import selectors
from backend.performance.access import access_deputy_record_by_id
from backend.performance.items import STAFF_ITEMS, Category, Item
from backend.performance.models import DisputeStatus, EntryStatus
from backend.regions.access import access_region_by_adcode
from backend.regions.models import ADCODE_LENGTHS, Region
from backend.regions.selectors import region_ancestors, region_children
from map_ui.views import page_region, region_reader, url_template

YEARS_SHOWN = 5
SORTS = ("points", "progress")
REVIEW_STATUSES = (EntryStatus.ENTERED, EntryStatus.VERIFIED)
RESOLVED_SHOWN = 20
# The event behind a point line, by its source (backend/performance/sources.py).
SOURCE_LABELS = {
    "visit": pgettext_lazy("record source", "visit"),
    "checkin": pgettext_lazy("record source", "station check-in"),
    "opinion": pgettext_lazy("record source", "opinion"),
    "entry": pgettext_lazy("record source", "staff entry"),
}


def page_year(request: HttpRequest) -> int:
    """`?year=` if it is one of the years offered, else this year (Asia/Shanghai)."""
    this_year = timezone.localdate().year
    raw = request.GET.get("year", "")
    if raw.isdigit() and this_year - YEARS_SHOWN < int(raw) <= this_year:
        return int(raw)
    return this_year


def year_choices() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - YEARS_SHOWN, -1))


def record_strings() -> dict[str, str]:
    return {
        "failed": _("Failed"),
        "needNote": _("Write the reason first."),
        "needPoints": _("Give the points the line should earn."),
    }


def record_actions() -> dict[str, str]:
    return {
        "entries": reverse("map-record-entries"),
        "step": url_template("map-record-entry-transitions", {"entry_id": "id"}),
        "resolve": url_template("map-point-dispute-resolve", {"dispute_id": "id"}),
    }


def page_context(request: HttpRequest, region: Region, can_act: bool) -> dict:
    """The pages' context: no map, so no tile layers (map_context's bounds query)."""
    config = {
        "page": "records",
        "region": {"adcode": region.adcode, "name": region.name},
        "strings": record_strings(),
        "urls": {"page": request.path},
        "actions": record_actions(),
        "canAct": can_act,
    }
    return {"page": "records", "region": region, "config": config, "can_act": can_act}


def _labelled(rows: list[dict], statuses: type[EntryStatus] | type[DisputeStatus]) -> list[dict]:
    """Entries or disputes with the labels of their item and statuses, and each step's time
    as a datetime (the template shows it in Asia/Shanghai)."""
    for row in rows:
        row["item_label"] = Item(row["item"]).label
        row["status_label"] = statuses(row["status"]).label
        for step in row["history"]:
            step["to_label"] = statuses(step["to_status"]).label
            step["at_time"] = dt.datetime.fromisoformat(step["at"])
    return rows


def _townships(region: Region) -> list[Region]:
    return list(region_children(region=region))


def _place_of(adcode: str, children: list[Region]) -> str:
    return next((c.name for c in children if adcode.startswith(c.adcode)), "")


def _ancestors(region: Region, jurisdiction: Jurisdiction) -> list[Region]:
    """The regions above `region` the caller may read (the breadcrumb back up), top first."""
    above = [n for n in ADCODE_LENGTHS if n < len(region.adcode)]
    if not above or not jurisdiction.contains(region.adcode[: above[-1]]):
        return []  # not even the parent is readable (no query)
    return [r for r in region_ancestors(region=region) if jurisdiction.contains(r.adcode)]


def league_rows(jurisdiction: Jurisdiction, year: int, sort: str, children: list[Region]):
    rows = selectors.record_league(jurisdiction=jurisdiction, year=year)
    if sort == "progress":
        rows.sort(key=lambda r: (-r["completion"], -r["points"], r["deputy"]["name"]))
        for rank, row in enumerate(rows, 1):
            row["rank"] = rank
    for row in rows:
        row["place"] = _place_of(row["deputy"]["adcode"], children)
        row["completion_pct"] = round(100 * row["completion"])
    return rows


@require_GET
@login_required
def records(request: HttpRequest) -> HttpResponse:
    """The league of the region's deputies, the review queue and the open disputes."""
    jurisdiction = region_reader(request)
    region = page_region(request, jurisdiction)
    scope = jurisdiction.within(region.adcode)
    year = page_year(request)
    sort = request.GET.get("sort", "")
    sort = sort if sort in SORTS else "points"
    children = _townships(region)
    can_act = jurisdiction.may_act_in(region.adcode)
    disputes = _labelled(selectors.dispute_list(jurisdiction=scope), DisputeStatus)
    context = page_context(request, region, can_act)
    context.update(
        {
            "year": year,
            "years": year_choices(),
            "sort": sort,
            "behind_pct": round(100 * selectors.COMPLETION_BEHIND),
            "children": children,
            "ancestors": _ancestors(region, jurisdiction),
            "rows": league_rows(scope, year, sort, children),
            "queue": _labelled(
                selectors.entry_list(jurisdiction=scope, status=None, statuses=REVIEW_STATUSES),
                EntryStatus,
            ),
            "open_disputes": [d for d in disputes if d["status"] == DisputeStatus.OPEN],
            "resolved_disputes": [d for d in disputes if d["status"] != DisputeStatus.OPEN][
                :RESOLVED_SHOWN
            ],
        }
    )
    return render(request, "map_ui/records.html", context)


def _lines_by_category(points: dict) -> list[dict]:
    groups = []
    for value, label in Category.choices:
        lines = [line for line in points["lines"] if line["category"] == value]
        for line in lines:
            line["item_label"] = Item(line["item"]).label
            line["source_label"] = SOURCE_LABELS.get(line["source"], line["source"])
            if line["source"] == "opinion" and line["label"] in OpinionCategory.values:
                line["label"] = OpinionCategory(line["label"]).label  # its category
        groups.append(
            {
                "category": value,
                "label": label,
                "total": points["by_category"].get(value, 0),
                "lines": lines,
            }
        )
    return groups


@require_GET
@login_required
def record(request: HttpRequest, deputy_id: int) -> HttpResponse:
    """One deputy's year: targets with progress, points with every line, their entries and
    disputes; staff enter an event, review entries and resolve disputes here too."""
    jurisdiction = region_reader(request)
    try:
        deputy = access_deputy_record_by_id(
            jurisdiction=jurisdiction.require_region_reads(), deputy_id=deputy_id
        )
    except NotFound as error:
        raise Http404(error.message) from None
    year = page_year(request)
    data = selectors.deputy_record(deputy=deputy, year=year)
    for row in data["record"]:
        row["pct"] = (
            min(100, round(100 * row["verified"] / row["target"])) if row["target"] else None
        )
    # the deputy's county: readable, since the deputy is (access_deputy_record_by_id)
    try:
        region = access_region_by_adcode(jurisdiction=jurisdiction, adcode=deputy.county_adcode)
    except NotFound:
        region = page_region(request, jurisdiction)
    disputes = _labelled(
        selectors.dispute_list(jurisdiction=jurisdiction, deputy_id=deputy.id), DisputeStatus
    )
    lines = {(x["source"], x["ref"], x["item"]): x for x in data["points"]["lines"]}
    for dispute in disputes:
        dispute["line"] = lines.get((dispute["source"], dispute["ref"], dispute["item"]))
    context = page_context(request, region, jurisdiction.may_act_in(deputy.adcode))
    context.update(
        {
            "deputy": deputy,
            "year": year,
            "years": year_choices(),
            "data": data,
            "targets": [r for r in data["record"] if r["target"]],
            "others": [r for r in data["record"] if not r["target"]],
            "groups": _lines_by_category(data["points"]),
            "entries": _labelled(
                selectors.entry_list(jurisdiction=jurisdiction, status=None, deputy_id=deputy.id),
                EntryStatus,
            ),
            "disputes": disputes,
            "staff_items": [(i.value, i.label) for i in STAFF_ITEMS],
            "today": timezone.localdate().isoformat(),
            "behind_pct": round(100 * selectors.COMPLETION_BEHIND),
        }
    )
    return render(request, "map_ui/record.html", context)
