"""Reads of station life: deliberation days (list, detail with ranked candidate topics, action
items and their follow-up, overdue counts), links (activities, cadence compliance, cross-border
problems). Scoped through backend.stationlife.access; a fixed number of queries per call.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from backend.accounts.jurisdiction import Jurisdiction
from backend.liaison.models import Station, StationLink
from backend.opinions.models import OPEN_STATUSES, Opinion

from . import cadence
from .access import (
    access_deliberation_by_id,
    access_link_by_id,
    own_sides,
    readable_links,
)
from .models import (
    ActionItem,
    ActionStatus,
    CrossBorderProblem,
    Deliberation,
    DeliberationStatus,
    DeliberationTopic,
    JointActivity,
)

LIST_LIMIT = 200
SOURCE_DAYS = 90  # candidate opinions: the station's county's open ones of the last 90 days
SOURCE_LIMIT = 30


def overdue_actions(rows: QuerySet[ActionItem], today: dt.date) -> QuerySet[ActionItem]:
    return rows.filter(status=ActionStatus.OPEN, due_on__lt=today)


def overdue_action_count(
    *, jurisdiction: Jurisdiction, adcode: str = "", today: dt.date | None = None
) -> int:
    """Open action items past their deadline inside the jurisdiction, under `adcode` if given
    (the overdue badges)."""
    today = today or timezone.localdate()
    rows = jurisdiction.filter(ActionItem.objects.filter(adcode__startswith=adcode))
    return overdue_actions(rows, today).count()


def deliberation_list(
    *,
    jurisdiction: Jurisdiction,
    station_id: int | None = None,
    adcode: str = "",
    today: dt.date | None = None,
) -> list[dict]:
    """Deliberation days inside the jurisdiction (under `adcode` if given), newest first:
    station, date, status, counts of topics chosen, actions open and overdue. One query."""
    today = today or timezone.localdate()
    rows = jurisdiction.filter(Deliberation.objects.filter(adcode__startswith=adcode))
    rows = rows.select_related("station")
    if station_id is not None:
        rows = rows.filter(station_id=station_id)
    rows = rows.annotate(
        chosen=Count("topics", filter=Q(topics__chosen=True), distinct=True),
        open_actions=Count("actions", filter=Q(actions__status=ActionStatus.OPEN), distinct=True),
        overdue=Count(
            "actions",
            filter=Q(actions__status=ActionStatus.OPEN, actions__due_on__lt=today),
            distinct=True,
        ),
    ).order_by("-date", "id")[:LIST_LIMIT]
    return [
        {
            "id": d.id,
            "station": {"id": d.station_id, "name": d.station.name},
            "date": d.date.isoformat(),
            "opens_at": d.opens_at.strftime("%H:%M"),
            "status": d.status,
            "place": d.place,
            "upcoming": d.date >= today,
            "notice_sent": d.notice_sent_at is not None,
            "topics_chosen": d.chosen,
            "actions_open": d.open_actions,
            "actions_overdue": d.overdue,
        }
        for d in rows
    ]


DEPUTY_PAST_DAYS = 365
DEPUTY_LIMIT = 60


def deputy_deliberations(*, deputy, today: dt.date | None = None) -> list[dict]:
    """The deliberation days a deputy takes part in (the phone's 议事 list): those to come,
    soonest first, then the last year's, newest first. Each with its station, time and place,
    the chosen topics and the action items (owner, deadline, overdue). Three queries."""
    today = today or timezone.localdate()
    rows = (
        Deliberation.objects.filter(
            deputies=deputy, date__gte=today - dt.timedelta(days=DEPUTY_PAST_DAYS)
        )
        .select_related("station")
        .prefetch_related(
            Prefetch(
                "topics",
                queryset=DeliberationTopic.objects.filter(chosen=True).order_by("id"),
                to_attr="chosen_topics",
            ),
            Prefetch("actions", queryset=ActionItem.objects.order_by("due_on", "id")),
        )
        .order_by("date", "id")[: DEPUTY_LIMIT * 4]
    )
    days = list(rows)
    ahead = [d for d in days if d.date >= today]
    past = sorted((d for d in days if d.date < today), key=lambda d: (d.date, d.id), reverse=True)
    return [
        {
            "id": d.id,
            "station": {"id": d.station_id, "name": d.station.name},
            "date": d.date.isoformat(),
            "opens_at": d.opens_at.strftime("%H:%M"),
            "place": d.place or d.station.address,
            "status": d.status,
            "upcoming": d.date >= today,
            "notice_sent": d.notice_sent_at is not None,
            "topics": [t.title for t in sorted(d.chosen_topics, key=lambda t: -t.score)],
            "actions": [
                {
                    "text": a.text,
                    "owner": a.owner,
                    "due_on": a.due_on.isoformat(),
                    "status": a.status,
                    "overdue": a.status == ActionStatus.OPEN and a.due_on < today,
                }
                for a in d.actions.all()
            ],
        }
        for d in (ahead + past)[:DEPUTY_LIMIT]
    ]


def plan_stations(*, jurisdiction: Jurisdiction, adcode: str) -> list[dict]:
    """The stations under `adcode` the caller may plan a deliberation day at (staff acting
    there; none for a reader): id and name."""
    if not jurisdiction.may_act_in(adcode):
        return []
    rows = jurisdiction.filter(Station.objects.filter(adcode__startswith=adcode)).order_by("name")
    return [{"id": s.id, "name": s.name} for s in rows.only("id", "name")[:LIST_LIMIT]]


def next_deliberation(*, deputy, today: dt.date) -> dict | None:
    """The next planned deliberation day the deputy takes part in (one query), or None."""
    d = (
        Deliberation.objects.filter(
            deputies=deputy, status=DeliberationStatus.PLANNED, date__gte=today
        )
        .select_related("station")
        .order_by("date", "opens_at", "id")
        .first()
    )
    if d is None:
        return None
    return {
        "id": d.id,
        "date": d.date,
        "opens_at": d.opens_at.strftime("%H:%M"),
        "station_name": d.station.name,
        "place": d.place or d.station.address,
    }


def _topic_json(topic: DeliberationTopic) -> dict:
    return {
        "id": topic.id,
        "title": topic.title,
        "importance": topic.importance,
        "urgency": topic.urgency,
        "impact": topic.impact,
        "score": topic.score,
        "chosen": topic.chosen,
        "opinion_ids": sorted(o.id for o in topic.opinions.all()),
        "visit_ids": sorted(v.id for v in topic.visits.all()),
    }


def action_json(item: ActionItem, today: dt.date) -> dict:
    return {
        "id": item.id,
        "text": item.text,
        "owner": item.owner,
        "department_id": item.department_id,
        "due_on": item.due_on.isoformat(),
        "status": item.status,
        "overdue": item.status == ActionStatus.OPEN and item.due_on < today,
        "progress": item.progress,
        "done_at": item.done_at.isoformat() if item.done_at else None,
        "opinion_ids": sorted(o.id for o in item.opinions.all()),
    }


def source_opinions(deliberation: Deliberation, today: dt.date) -> list[dict]:
    """Open opinions of the station's region from the last 90 days, to draw topics from (id,
    category, text start; no citizen's contact)."""
    since = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=SOURCE_DAYS), dt.time.min)
    )
    rows = (
        Opinion.objects.filter(
            adcode__startswith=deliberation.adcode,
            status__in=OPEN_STATUSES,
            recorded_at__gte=since,
        )
        .order_by("-recorded_at", "id")
        .values("id", "category", "text", "recorded_at")[:SOURCE_LIMIT]
    )
    return [
        {
            "id": r["id"],
            "category": r["category"],
            "text": r["text"][:80],
            "recorded_at": r["recorded_at"].isoformat(),
        }
        for r in rows
    ]


def deliberation_detail(
    *, jurisdiction: Jurisdiction, deliberation_id: int, today: dt.date | None = None
) -> dict:
    """A readable deliberation day: participants, candidate topics ranked by score (ties by
    id), resolutions, action items with their follow-up, and opinions to draw topics from."""
    today = today or timezone.localdate()
    d = access_deliberation_by_id(jurisdiction=jurisdiction, deliberation_id=deliberation_id)
    topics = sorted(d.topics.prefetch_related("opinions", "visits"), key=lambda t: (-t.score, t.id))
    actions = list(d.actions.prefetch_related("opinions").order_by("due_on", "id"))
    return {
        "id": d.id,
        "station": {
            "id": d.station_id,
            "name": d.station.name,
            "address": d.station.address,
            "adcode": d.adcode,
        },
        "date": d.date.isoformat(),
        "opens_at": d.opens_at.strftime("%H:%M"),
        "place": d.place,
        "status": d.status,
        "notice_sent_at": d.notice_sent_at.isoformat() if d.notice_sent_at else None,
        "minutes": d.minutes,
        "deputies": [{"id": x.id, "name": x.name} for x in d.deputies.order_by("name", "id")],
        "departments": [{"id": x.id, "name": x.name} for x in d.departments.order_by("name", "id")],
        "topics": [_topic_json(t) for t in topics],
        "resolutions": [r.text for r in d.resolutions.order_by("id")],
        "actions": [action_json(a, today) for a in actions],
        "actions_overdue": sum(1 for a in actions if a.status == "open" and a.due_on < today),
        "sources": source_opinions(d, today) if d.status == "planned" else [],
    }


# --- links --------------------------------------------------------------------------------------


def _station_json(station) -> dict:
    return {"id": station.id, "name": station.name, "adcode": station.adcode}


def activity_json(a: JointActivity) -> dict:
    return {
        "id": a.id,
        "kind": a.kind,
        "date": a.date.isoformat(),
        "place": a.place,
        "participants_a": list(a.participants_a),
        "participants_b": list(a.participants_b),
        "summary": a.summary,
        "suggestions": a.suggestions,
        "problems_solved": a.problems_solved,
    }


def problem_json(p: CrossBorderProblem) -> dict:
    return {
        "id": p.id,
        "raised_by": {"id": p.raised_by_id, "name": p.raised_by.name},
        "handled_by": {"id": p.handled_by_id, "name": p.handled_by.name},
        "place_adcode": p.place_adcode,
        "place": p.place,
        "text": p.text,
        "status": p.status,
        "answer": p.answer,
        "raised_at": p.raised_at.isoformat(),
        "solved_at": p.solved_at.isoformat() if p.solved_at else None,
    }


def _link_compliance(link: StationLink, activities: list, start, end, today) -> list[dict]:
    return [
        cadence.compliance(
            name,
            [(a.kind, a.date) for a in activities],
            start=max(start, link.agreement_date),
            end=end,
            today=today,
        )
        for name in cadence.required(link.cadences)
    ]


def link_list(
    *,
    jurisdiction: Jurisdiction,
    start: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
) -> list[dict]:
    """The links the caller reads, each with its totals and its cadence compliance over
    [start, end] (default: the last 52 weeks to today). Two queries whatever the count."""
    today = today or timezone.localdate()
    end = end or today
    start = start or end - dt.timedelta(weeks=52)
    links = list(
        readable_links(jurisdiction)
        .select_related("station_a", "station_b")
        .prefetch_related(Prefetch("activities", queryset=JointActivity.objects.order_by("date")))
        .order_by("id")[:LIST_LIMIT]
    )
    rows = []
    for link in links:
        activities = list(link.activities.all())
        rows.append(
            {
                "id": link.id,
                "station_a": _station_json(link.station_a),
                "station_b": _station_json(link.station_b),
                "agreement_date": link.agreement_date.isoformat(),
                "activities": len(activities),
                "suggestions": sum(a.suggestions for a in activities),
                "problems_solved": sum(a.problems_solved for a in activities),
                "compliance": _link_compliance(link, activities, start, end, today),
            }
        )
    return rows


def link_detail(
    *,
    jurisdiction: Jurisdiction,
    link_id: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
) -> dict:
    """One readable link: both stations (name and adcode only), its rules, every joint
    activity, cadence compliance over [start, end] and its cross-border problems. Nothing else
    of either side."""
    today = today or timezone.localdate()
    end = end or today
    start = start or end - dt.timedelta(weeks=52)
    link = access_link_by_id(jurisdiction=jurisdiction, link_id=link_id)
    activities = list(link.activities.order_by("-date", "id"))
    problems = list(
        CrossBorderProblem.objects.filter(link=link)
        .select_related("raised_by", "handled_by")
        .order_by("-raised_at", "id")
    )
    sides = own_sides(jurisdiction, link)
    return {
        "id": link.id,
        "station_a": _station_json(link.station_a),
        "station_b": _station_json(link.station_b),
        "agreement_date": link.agreement_date.isoformat(),
        "rules": link.rules,
        "cadences": list(cadence.required(link.cadences)),
        "my_sides": [s.id for s in sides],
        "can_act": any(jurisdiction.may_act_in(s.adcode) for s in sides),
        "from": start.isoformat(),
        "to": end.isoformat(),
        "totals": {
            "activities": len(activities),
            "suggestions": sum(a.suggestions for a in activities),
            "problems_solved": sum(a.problems_solved for a in activities),
        },
        "compliance": _link_compliance(link, activities, start, end, today),
        "activities": [activity_json(a) for a in activities],
        "problems": [problem_json(p) for p in problems],
    }
