"""The record (履职档案) and points (积分) of deputies, derived from events (sources.py).

Nothing here is stored: a deputy's year is the events of that year, counted per item against
the county's targets, and priced by the point rule in force on each event's day. Every point is
a line naming its event, so a total can always be taken apart.

Invariants:
- Only verified events count and earn points; pending ones are counted apart.
- `households` counts distinct household references plus the household count of visits
  without one (the rule of backend.reporting.selectors.deputy_year_progress).
- A line's rule is the county's latest version of the item's rule with effective_from ≤ the
  event's day (items.DEFAULT_RULES before the first one), so a new version never changes a
  line dated before it.
- A cap limits an item's positive points per period (year/quarter/month of the event's day),
  lines taken in date order; an upheld dispute replaces the line's points.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from backend.accounts.jurisdiction import Jurisdiction
from backend.liaison.models import Deputy

from .items import CATEGORY_OF, DEFAULT_RULES, DEFAULT_TARGETS, Item, RuleTerms, period_key
from .models import (
    DisputeStatus,
    EntryStatus,
    PointDispute,
    PointRule,
    RecordEntry,
    Target,
)
from .sources import SOURCES, Event, events_of

MIN_YEAR, MAX_YEAR = 2000, 2100


def year_span(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


# --- targets and rules ---------------------------------------------------------------------


def county_targets(*, county_adcode: str, year: int) -> dict[str, int]:
    """The county's targets of the year: its configured rows, else the 12345 default set."""
    rows = dict(
        Target.objects.filter(county_adcode=county_adcode, year=year).values_list("item", "target")
    )
    return rows or dict(DEFAULT_TARGETS)


def rule_versions(*, county_adcode: str) -> dict[str, list[RuleTerms]]:
    """Per item, the rule versions in force one after another (oldest first), the built-in
    default first."""
    versions: dict[str, list[RuleTerms]] = {k: [v] for k, v in DEFAULT_RULES.items()}
    for r in PointRule.objects.filter(county_adcode=county_adcode).order_by("effective_from"):
        versions.setdefault(r.item, []).append(
            RuleTerms(r.item, r.points, r.cap, r.period, r.effective_from, r.id)
        )
    return versions


def rule_in_force(versions: list[RuleTerms], day: dt.date) -> RuleTerms | None:
    current = None
    for terms in versions:
        if terms.effective_from <= day:
            current = terms
    return current


def rule_table(*, county_adcode: str) -> list[dict]:
    """Every version of every item's rule in the county (the table staff edit by adding)."""
    return [
        _terms_json(t) | {"category": CATEGORY_OF.get(t.item, "")}
        for versions in rule_versions(county_adcode=county_adcode).values()
        for t in versions
    ]


def _terms_json(t: RuleTerms) -> dict:
    return {
        "id": t.rule_id,
        "item": t.item,
        "points": t.points,
        "cap": t.cap,
        "period": t.period,
        "effective_from": t.effective_from.isoformat(),
    }


# --- the record ----------------------------------------------------------------------------


def _count(events: Iterable[Event]) -> int:
    keys: set[str] = set()
    total = 0
    for e in events:
        if e.distinct_key:
            keys.add(e.distinct_key)
        else:
            total += e.quantity
    return total + len(keys)


def record_of(events: list[Event], targets: dict[str, int]) -> list[dict]:
    """One row per item: verified and pending counts, the target and whether it is met."""
    by_item: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        by_item[e.item].append(e)
    rows = []
    for item in Item.values:
        evs = by_item.get(item, [])
        verified = _count(e for e in evs if e.verified)
        target = targets.get(item)
        rows.append(
            {
                "item": item,
                "label": str(Item(item).label),
                "category": CATEGORY_OF[item],
                "verified": verified,
                "pending": _count(evs) - verified,
                "target": target,
                "met": None if target is None else verified >= target,
            }
        )
    return rows


# --- points --------------------------------------------------------------------------------


def _disputes(deputy_ids: list[int]) -> dict[tuple, PointDispute]:
    """The latest dispute of each contested line."""
    latest: dict[tuple, PointDispute] = {}
    for d in PointDispute.objects.filter(deputy_id__in=deputy_ids).order_by("created_at", "id"):
        latest[(d.deputy_id, d.source, d.ref, d.item)] = d
    return latest


def point_lines(
    events: list[Event], versions: dict[str, list[RuleTerms]], disputes: dict[tuple, Any]
) -> list[dict]:
    """The priced lines of one deputy's verified events, in date order (see module doc)."""
    used: dict[tuple, int] = defaultdict(int)
    lines = []
    for e in sorted(events, key=lambda e: (e.day, e.source, e.ref, e.item)):
        terms = rule_in_force(versions.get(e.item, []), e.day) if e.verified else None
        if terms is None:
            continue
        raw = terms.points * e.quantity
        earned = raw
        if terms.cap is not None and raw > 0:
            bucket = (e.item, period_key(e.day, terms.period))
            earned = max(0, min(raw, terms.cap - used[bucket]))
            used[bucket] += earned
        dispute = disputes.get((e.deputy_id, e.source, e.ref, e.item))
        if dispute is not None and dispute.status == DisputeStatus.UPHELD:
            earned = dispute.adjusted_points or 0
        lines.append(
            {
                "source": e.source,
                "ref": e.ref,
                "item": e.item,
                "category": CATEGORY_OF[e.item],
                "day": e.day.isoformat(),
                "quantity": e.quantity,
                "label": e.label,
                "rule": _terms_json(terms),
                "raw_points": raw,
                "points": earned,
                "capped": earned < raw and dispute is None,
                "dispute": None
                if dispute is None
                else {"id": dispute.id, "status": dispute.status},
            }
        )
    return lines


def _summary(lines: list[dict]) -> dict:
    by_category: dict[str, int] = defaultdict(int)
    for line in lines:
        by_category[line["category"]] += line["points"]
    return {"total": sum(by_category.values()), "by_category": dict(by_category)}


def deputy_record(*, deputy: Deputy, year: int) -> dict:
    """A deputy's year: record against the targets, the points total and every line.
    The caller has checked access to `deputy` (access_deputy_record_by_id)."""
    events = list(events_of([deputy.id], *year_span(year)))
    lines = point_lines(
        events, rule_versions(county_adcode=deputy.county_adcode), _disputes([deputy.id])
    )
    return {
        "year": year,
        "deputy": {"id": deputy.id, "name": deputy.name, "adcode": deputy.adcode},
        "record": record_of(events, county_targets(county_adcode=deputy.county_adcode, year=year)),
        "points": _summary(lines) | {"lines": lines},
    }


def has_point_line(*, deputy: Deputy, year: int, source: str, ref: int, item: str) -> bool:
    """Whether the deputy's points of `year` have the line (source, ref, item): a verified
    event with a rule in force on its day, as in point_lines (a cap changes a line's points,
    never whether it is there). Reads that one event source, not the whole record."""
    read = SOURCES.get(source)
    if read is None:
        return False
    versions = rule_versions(county_adcode=deputy.county_adcode).get(item, [])
    return any(
        e.ref == ref
        and e.item == item
        and e.verified
        and rule_in_force(versions, e.day) is not None
        for e in read([deputy.id], *year_span(year))
    )


def _completion(record: list[dict]) -> float:
    """The mean share of each target reached (each capped at 1): 1.0 = every target met."""
    shares = [min(1.0, r["verified"] / r["target"]) for r in record if r["target"]]
    return round(sum(shares) / len(shares), 4) if shares else 0.0


# A league row's colour: green only when every target is met (below target is never green),
# amber from this share of the targets on average, red below it.
COMPLETION_BEHIND = 0.6
BANDS = ("met", "behind", "low")


def completion_band(*, completion: float, targets_met: int, targets: int) -> str:
    if targets and targets_met >= targets:
        return "met"
    return "behind" if completion >= COMPLETION_BEHIND else "low"


def record_league(*, jurisdiction: Jurisdiction, year: int) -> list[dict]:
    """Every deputy inside the jurisdiction with their record and points of the year, ranked
    by points, then target completion, then name. One query per event source in all."""
    deputies = list(
        jurisdiction.filter(Deputy.objects.all())
        .order_by("id")
        .only("id", "name", "adcode", "county_adcode")
    )
    ids = [d.id for d in deputies]
    by_deputy: dict[int, list[Event]] = defaultdict(list)
    for e in events_of(ids, *year_span(year)):
        by_deputy[e.deputy_id].append(e)
    disputes = _disputes(ids)
    counties = {d.county_adcode for d in deputies}
    versions = {c: rule_versions(county_adcode=c) for c in counties}
    targets = {c: county_targets(county_adcode=c, year=year) for c in counties}
    rows = []
    for d in deputies:
        events = by_deputy.get(d.id, [])
        record = record_of(events, targets[d.county_adcode])
        lines = point_lines(events, versions[d.county_adcode], disputes)
        rows.append(
            {
                "deputy": {"id": d.id, "name": d.name, "adcode": d.adcode},
                "points": _summary(lines)["total"],
                "completion": _completion(record),
                "targets_met": sum(1 for r in record if r["met"]),
                "targets": sum(1 for r in record if r["target"]),
                "record": {r["item"]: r["verified"] for r in record},
            }
        )
        rows[-1]["band"] = completion_band(
            completion=rows[-1]["completion"],
            targets_met=rows[-1]["targets_met"],
            targets=rows[-1]["targets"],
        )
    rows.sort(key=lambda r: (-r["points"], -r["completion"], r["deputy"]["name"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


# --- work lists ----------------------------------------------------------------------------


def _history(steps: Iterable[Any]) -> list[dict]:
    return [
        {
            "from_status": t.from_status,
            "to_status": t.to_status,
            "by": t.by.username if t.by else None,
            "at": t.at.isoformat(),
            "note": t.note,
        }
        for t in steps
    ]


def entry_json(entry: RecordEntry) -> dict:
    return {
        "id": entry.id,
        "deputy": {"id": entry.deputy_id, "name": entry.deputy.name},
        "item": entry.item,
        "occurred_on": entry.occurred_on.isoformat(),
        "quantity": entry.quantity,
        "description": entry.description,
        "evidence": entry.evidence,
        "status": entry.status,
        "history": _history(entry.transitions.all()),
    }


def entry_list(
    *,
    jurisdiction: Jurisdiction,
    status: str | None,
    limit: int = 100,
    statuses: tuple[str, ...] = (),
    deputy_id: int | None = None,
) -> list[dict]:
    """Entries inside the jurisdiction, newest first: of one `status` or of any of `statuses`
    (the review queue: entered and verified), of one deputy if `deputy_id`."""
    qs = jurisdiction.filter(RecordEntry.objects.all()).select_related("deputy")
    if status:
        qs = qs.filter(status=status)
    if statuses:
        qs = qs.filter(status__in=statuses)
    if deputy_id is not None:
        qs = qs.filter(deputy_id=deputy_id)
    qs = qs.prefetch_related("transitions__by")
    return [entry_json(e) for e in qs[:limit]]


def dispute_json(dispute: PointDispute) -> dict:
    return {
        "id": dispute.id,
        "deputy": {"id": dispute.deputy_id, "name": dispute.deputy.name},
        "source": dispute.source,
        "ref": dispute.ref,
        "item": dispute.item,
        "reason": dispute.reason,
        "status": dispute.status,
        "adjusted_points": dispute.adjusted_points,
        "history": _history(dispute.transitions.all()),
    }


def dispute_list(
    *, jurisdiction: Jurisdiction, status: str | None = None, deputy_id: int | None = None
) -> list[dict]:
    """Disputes inside the jurisdiction (a deputy's jurisdiction: their own), of one deputy if
    `deputy_id`."""
    if jurisdiction.reads_regions:
        qs = jurisdiction.filter(PointDispute.objects.all())
    elif jurisdiction.deputy_id is not None:
        qs = PointDispute.objects.filter(deputy_id=jurisdiction.deputy_id)
    else:
        qs = PointDispute.objects.none()
    if status:
        qs = qs.filter(status=status)
    if deputy_id is not None:
        qs = qs.filter(deputy_id=deputy_id)
    qs = qs.select_related("deputy").prefetch_related("transitions__by")
    return [dispute_json(d) for d in qs[:200]]


__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "EntryStatus",
    "Event",
    "county_targets",
    "deputy_record",
    "dispute_list",
    "entry_list",
    "events_of",
    "record_league",
    "rule_table",
]
