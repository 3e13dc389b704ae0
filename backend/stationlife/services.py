"""Writes of station life: deliberation days (plan, topics, record, action items), the notice
job's service, joint activities of links and cross-border problems.

Invariants:
- a deliberation day is planned at least NOTICE_MIN_DAYS (3) days ahead, on its station's
  deliberation rule's date by default (liaison DutyRule, purpose deliberation); one per station
  and day; its participants are the station's deputies (open memberships on the day) and the
  departments of its county staff invite;
- the notice goes to every participant exactly once: the job `stationlife.send_notices` takes
  the planned days within NOTICE_WINDOW_DAYS that have no `notice_sent_at`, locks them, sets it
  and sends (backend.core.notify after commit, and the live event `deliberation.notice`); a
  rerun, a doubled or a late job sends nothing twice, and a day already past is never noticed;
- at most MAX_CHOSEN_TOPICS topics are chosen; a day is recorded (minutes, resolutions) only
  once reached and only from planned; action items belong to held days and are done once;
- a joint activity is recorded by staff of either side of its link; a cross-border problem is
  raised by one side about a place (an adcode) and routed to the station of the link whose
  province holds the place (属地); only that side's staff mark it solved.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.errors import DomainError
from backend.core.events import publish_on_commit
from backend.core.notify import notify
from backend.core.text import is_storable_text
from backend.liaison.access import access_station_by_id
from backend.liaison.models import DutyRule, RulePurpose, StationMembership
from backend.liaison.selectors import duty_occurrences
from backend.opinions.models import Department, Opinion
from backend.visits.models import Visit

from .access import (
    access_action_item_by_id,
    access_deliberation_by_id,
    access_link_by_id,
    access_problem_by_id,
    require_link_staff,
    require_staff_in,
)
from .models import (
    MAX_CHOSEN_TOPICS,
    SCORE_MAX,
    SCORE_MIN,
    ActionItem,
    ActionStatus,
    ActivityKind,
    CrossBorderProblem,
    Deliberation,
    DeliberationStatus,
    DeliberationTopic,
    JointActivity,
    ProblemStatus,
    Resolution,
)

NOTICE_MIN_DAYS = 3  # participants are told at least three days ahead (Panyu Shatou)
NOTICE_WINDOW_DAYS = 7  # the notice goes out a week ahead (or at once when planned later)
TEXT_MAX = 5000
SHORT_MAX = 200
MAX_IDS = 50
MAX_PARTICIPANTS = 100


def _invalid(field: str) -> DomainError:
    return DomainError(codes.STATIONLIFE_INVALID_FIELD, field=field)


def _text(value: object, field: str, *, max_length: int = TEXT_MAX, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or len(value) > max_length:
        raise _invalid(field)
    if not is_storable_text(value):
        raise DomainError(codes.STRING_INVALID_CHARACTER, field=field)
    value = value.strip()
    if required and not value:
        raise _invalid(field)
    return value


def _int(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _invalid(field)
    return value


def _date(value: object, field: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        raise _invalid(field)
    return day


def _time(value: object, field: str, default: dt.time) -> dt.time:
    if value is None or value == "":
        return default
    if not isinstance(value, str) or len(value) > 8:
        raise _invalid(field)
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise _invalid(field) from None


def _ids(value: object, field: str) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_IDS:
        raise _invalid(field)
    return sorted({_int(v, field, 1, 2**31 - 1) for v in value})


def _names(value: object, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_PARTICIPANTS:
        raise _invalid(field)
    return [_text(v, field, max_length=50) for v in value]


def _departments(county: str, ids: list[int], field: str) -> list[Department]:
    found = list(Department.objects.filter(id__in=ids, county_adcode=county, active=True))
    if len(found) != len(ids):
        raise _invalid(field)
    return found


def _opinions(county: str, ids: list[int], field: str = "opinion_ids") -> list[Opinion]:
    found = list(Opinion.objects.filter(id__in=ids, county_adcode=county))
    if len(found) != len(ids):
        raise _invalid(field)
    return found


# --- deliberation days ------------------------------------------------------------------------


def deliberation_rule(station) -> DutyRule | None:
    return DutyRule.objects.filter(station=station, purpose=RulePurpose.DELIBERATION).first()


@transaction.atomic
def deliberation_plan(
    *, jurisdiction: Jurisdiction, actor, station_id: int, fields: dict, today=None
) -> Deliberation:
    """Plan a station's deliberation day: `date` (default: the first date of its deliberation
    rule at least three days ahead), `opens_at`, `place`, `department_ids` (invited)."""
    station = access_station_by_id(jurisdiction=jurisdiction, station_id=station_id)
    require_staff_in(jurisdiction, station.adcode)
    today = today or timezone.localdate()
    earliest = today + dt.timedelta(days=NOTICE_MIN_DAYS)
    rule = deliberation_rule(station)
    if fields.get("date") in (None, ""):
        held = [o.day for o in duty_occurrences(rule, start=earliest, count=3) if o.day]
        if not held:
            raise _invalid("date")
        day = held[0]
    else:
        day = _date(fields.get("date"), "date")
    if day < earliest:
        raise DomainError(codes.DELIBERATION_TOO_SOON)
    if Deliberation.objects.filter(station=station, date=day).exists():
        raise DomainError(codes.DELIBERATION_DUPLICATE)
    departments = _departments(
        station.county_adcode,
        _ids(fields.get("department_ids"), "department_ids"),
        "department_ids",
    )
    deliberation = Deliberation.objects.create(
        station=station,
        adcode=station.adcode,
        county_adcode=station.county_adcode,
        date=day,
        opens_at=_time(fields.get("opens_at"), "opens_at", rule.opens_at if rule else dt.time(9)),
        place=_text(fields.get("place"), "place", max_length=SHORT_MAX, required=False)
        or station.address,
        created_by=actor,
    )
    members = StationMembership.objects.filter(station=station, since__lte=day).filter(
        Q(until__isnull=True) | Q(until__gte=day)
    )
    deliberation.deputies.set(members.values_list("deputy_id", flat=True))
    deliberation.departments.set(departments)
    return deliberation


def _planned(jurisdiction: Jurisdiction, deliberation_id: int) -> Deliberation:
    deliberation = access_deliberation_by_id(
        jurisdiction=jurisdiction, deliberation_id=deliberation_id
    )
    require_staff_in(jurisdiction, deliberation.adcode)
    if deliberation.status != DeliberationStatus.PLANNED:
        raise DomainError(codes.DELIBERATION_INVALID_STATE)
    return deliberation


@transaction.atomic
def deliberation_invite(
    *, jurisdiction: Jurisdiction, deliberation_id: int, department_ids: object
) -> Deliberation:
    """Set the invited departments of a planned day (before its notice they hear with everyone)."""
    deliberation = _planned(jurisdiction, deliberation_id)
    deliberation.departments.set(
        _departments(
            deliberation.county_adcode, _ids(department_ids, "department_ids"), "department_ids"
        )
    )
    return deliberation


@transaction.atomic
def topic_add(*, jurisdiction: Jurisdiction, deliberation_id: int, fields: dict):
    """A candidate topic from collected opinions and visits, scored 1–5 three ways."""
    deliberation = _planned(jurisdiction, deliberation_id)
    county = deliberation.county_adcode
    opinions = _opinions(county, _ids(fields.get("opinion_ids"), "opinion_ids"))
    visit_ids = _ids(fields.get("visit_ids"), "visit_ids")
    visits = list(Visit.objects.filter(id__in=visit_ids, county_adcode=county))
    if len(visits) != len(visit_ids):
        raise _invalid("visit_ids")
    topic = DeliberationTopic.objects.create(
        deliberation=deliberation,
        title=_text(fields.get("title"), "title", max_length=SHORT_MAX),
        importance=_int(fields.get("importance"), "importance", SCORE_MIN, SCORE_MAX),
        urgency=_int(fields.get("urgency"), "urgency", SCORE_MIN, SCORE_MAX),
        impact=_int(fields.get("impact"), "impact", SCORE_MIN, SCORE_MAX),
    )
    topic.opinions.set(opinions)
    topic.visits.set(visits)
    return topic


@transaction.atomic
def topics_choose(
    *, jurisdiction: Jurisdiction, deliberation_id: int, topic_ids: object
) -> Deliberation:
    """Choose one or two of the day's candidate topics (the others are unchosen)."""
    deliberation = _planned(jurisdiction, deliberation_id)
    ids = _ids(topic_ids, "topic_ids")
    if not 1 <= len(ids) <= MAX_CHOSEN_TOPICS:
        raise DomainError(codes.DELIBERATION_TOO_MANY_TOPICS)
    topics = deliberation.topics.all()
    if topics.filter(id__in=ids).count() != len(ids):
        raise _invalid("topic_ids")
    topics.exclude(id__in=ids).update(chosen=False)
    topics.filter(id__in=ids).update(chosen=True)
    return deliberation


@transaction.atomic
def deliberation_record(
    *, jurisdiction: Jurisdiction, deliberation_id: int, fields: dict, today=None
) -> Deliberation:
    """The day was held: its minutes and resolutions (a list of texts)."""
    deliberation = _planned(jurisdiction, deliberation_id)
    today = today or timezone.localdate()
    if deliberation.date > today:
        raise DomainError(codes.DELIBERATION_INVALID_STATE)
    minutes = _text(fields.get("minutes"), "minutes")
    resolutions = fields.get("resolutions") or []
    if not isinstance(resolutions, list) or len(resolutions) > MAX_IDS:
        raise _invalid("resolutions")
    texts = [_text(r, "resolutions") for r in resolutions]
    deliberation.minutes = minutes
    deliberation.status = DeliberationStatus.HELD
    deliberation.save(update_fields=["minutes", "status"])
    Resolution.objects.bulk_create(Resolution(deliberation=deliberation, text=t) for t in texts)
    return deliberation


@transaction.atomic
def deliberation_cancel(*, jurisdiction: Jurisdiction, deliberation_id: int) -> Deliberation:
    deliberation = _planned(jurisdiction, deliberation_id)
    deliberation.status = DeliberationStatus.CANCELLED
    deliberation.save(update_fields=["status"])
    return deliberation


@transaction.atomic
def action_item_add(
    *, jurisdiction: Jurisdiction, deliberation_id: int, fields: dict
) -> ActionItem:
    """An action of the day's plan: text, owner (a name, or `department_id`), `due_on`, and the
    opinions it answers (`opinion_ids`, of the station's county)."""
    deliberation = access_deliberation_by_id(
        jurisdiction=jurisdiction, deliberation_id=deliberation_id
    )
    require_staff_in(jurisdiction, deliberation.adcode)
    if deliberation.status != DeliberationStatus.HELD:
        raise DomainError(codes.DELIBERATION_INVALID_STATE)
    county = deliberation.county_adcode
    department = None
    if fields.get("department_id") is not None:
        department = _departments(
            county,
            [_int(fields.get("department_id"), "department_id", 1, 2**31 - 1)],
            "department_id",
        )[0]
    owner = _text(fields.get("owner"), "owner", max_length=100, required=department is None)
    item = ActionItem.objects.create(
        deliberation=deliberation,
        adcode=deliberation.adcode,
        county_adcode=county,
        text=_text(fields.get("text"), "text"),
        owner=owner or (department.name if department else ""),
        department=department,
        due_on=_date(fields.get("due_on"), "due_on"),
    )
    item.opinions.set(_opinions(county, _ids(fields.get("opinion_ids"), "opinion_ids")))
    _publish_action(item)
    return item


def _publish_action(item: ActionItem) -> None:
    """The live event `deliberation.action` (an action item added or followed up): the open
    dashboards read their overdue badge again."""
    today = timezone.localdate()
    overdue = item.status == ActionStatus.OPEN and item.due_on < today
    payload = {
        "id": item.id,
        "adcode": item.adcode,
        "deliberation_id": item.deliberation_id,
        "status": item.status,
        "overdue": overdue,
    }
    publish_on_commit(item.county_adcode, "deliberation.action", {"items": [payload]})


@transaction.atomic
def action_item_follow(
    *, jurisdiction: Jurisdiction, item_id: int, fields: dict, now=None
) -> ActionItem:
    """Follow an action up: a progress note (appended, dated) and/or `done: true` (once)."""
    item = access_action_item_by_id(jurisdiction=jurisdiction, item_id=item_id)
    require_staff_in(jurisdiction, item.adcode)
    item = ActionItem.objects.select_for_update().get(id=item.id)
    now = now or timezone.now()
    note = _text(fields.get("note"), "note", required=False)
    done = fields.get("done", False)
    if not isinstance(done, bool):
        raise _invalid("done")
    if item.status == ActionStatus.DONE:
        raise DomainError(codes.DELIBERATION_INVALID_STATE)
    if not note and not done:
        raise _invalid("note")
    if note:
        stamp = timezone.localtime(now).strftime("%Y-%m-%d")
        item.progress = (item.progress + "\n" if item.progress else "") + f"{stamp} {note}"
    if done:
        item.status = ActionStatus.DONE
        item.done_at = now
    item.save(update_fields=["progress", "status", "done_at"])
    _publish_action(item)
    return item


# --- the notice job ---------------------------------------------------------------------------

NOTICE = gettext_lazy(
    "Deliberation day at %(station)s on %(date)s at %(time)s (%(place)s): %(topics)s."
)


def notice_recipients(deliberation: Deliberation) -> list[str]:
    """Deputies with an account (`user:<id>`), then the invited departments (`department:<id>`)."""
    users = sorted(
        u for u in deliberation.deputies.values_list("user_id", flat=True) if u is not None
    )
    departments = sorted(deliberation.departments.values_list("id", flat=True))
    return [f"user:{u}" for u in users] + [f"department:{d}" for d in departments]


@transaction.atomic
def deliberations_send_notices(*, now: dt.datetime | None = None) -> int:
    """Send the notice of every planned day within the window not yet noticed (see the module's
    invariants); returns how many days were noticed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = list(
        Deliberation.objects.filter(
            status=DeliberationStatus.PLANNED,
            notice_sent_at__isnull=True,
            date__gt=today,
            date__lte=today + dt.timedelta(days=NOTICE_WINDOW_DAYS),
        )
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("station")
        .order_by("date", "id")[:500]
    )
    for deliberation in due:
        deliberation.notice_sent_at = now
        deliberation.save(update_fields=["notice_sent_at"])
        chosen = [t.title for t in deliberation.topics.all() if t.chosen]
        text = str(NOTICE) % {
            "station": deliberation.station.name,
            "date": deliberation.date.isoformat(),
            "time": deliberation.opens_at.strftime("%H:%M"),
            "place": deliberation.place or deliberation.station.address,
            "topics": "；".join(chosen) or _("topics to be announced"),
        }
        for recipient in notice_recipients(deliberation):
            transaction.on_commit(partial(notify, recipient, text, "deliberation"))
        publish_on_commit(
            deliberation.county_adcode,
            "deliberation.notice",
            {
                "items": [
                    {
                        "id": deliberation.id,
                        "adcode": deliberation.adcode,
                        "station": deliberation.station.name,
                        "date": deliberation.date.isoformat(),
                    }
                ]
            },
        )
    return len(due)


# --- cross-province links ---------------------------------------------------------------------


@transaction.atomic
def joint_activity_record(
    *, jurisdiction: Jurisdiction, actor, link_id: int, fields: dict
) -> JointActivity:
    """Staff of either side record a joint activity of their link."""
    link = access_link_by_id(jurisdiction=jurisdiction, link_id=link_id)
    require_link_staff(jurisdiction, link)
    kind = fields.get("kind")
    if kind not in ActivityKind.values:
        raise _invalid("kind")
    return JointActivity.objects.create(
        link=link,
        kind=kind,
        date=_date(fields.get("date"), "date"),
        place=_text(fields.get("place"), "place", max_length=SHORT_MAX, required=False),
        participants_a=_names(fields.get("participants_a"), "participants_a"),
        participants_b=_names(fields.get("participants_b"), "participants_b"),
        summary=_text(fields.get("summary"), "summary", required=False),
        suggestions=_int(fields.get("suggestions", 0), "suggestions", 0, 10_000),
        problems_solved=_int(fields.get("problems_solved", 0), "problems_solved", 0, 10_000),
        created_by=actor,
    )


@transaction.atomic
def problem_raise(
    *, jurisdiction: Jurisdiction, link_id: int, fields: dict, now=None
) -> CrossBorderProblem:
    """A problem about a place (`place_adcode`, of either province of the link) raised by the
    caller's side; routed to the link's station in the place's province (属地)."""
    link = access_link_by_id(jurisdiction=jurisdiction, link_id=link_id)
    raised_by = require_link_staff(jurisdiction, link)
    place_adcode = fields.get("place_adcode")
    if (
        not isinstance(place_adcode, str)
        or not place_adcode.isdigit()
        or not (2 <= len(place_adcode) <= 12)
    ):
        raise _invalid("place_adcode")
    handled_by = next(
        (s for s in (link.station_a, link.station_b) if place_adcode[:2] == s.adcode[:2]), None
    )
    if handled_by is None:
        raise DomainError(codes.PROBLEM_PLACE_OFF_LINK)
    return CrossBorderProblem.objects.create(
        link=link,
        raised_by=raised_by,
        handled_by=handled_by,
        place_adcode=place_adcode,
        place=_text(fields.get("place"), "place", max_length=SHORT_MAX),
        text=_text(fields.get("text"), "text"),
        raised_at=now or timezone.now(),
    )


@transaction.atomic
def problem_solve(
    *, jurisdiction: Jurisdiction, problem_id: int, fields: dict, now=None
) -> CrossBorderProblem:
    """The side the problem is routed to answers it (once)."""
    problem = access_problem_by_id(jurisdiction=jurisdiction, problem_id=problem_id)
    if not jurisdiction.may_act_in(problem.handled_by.adcode):
        raise DomainError(codes.STATIONLIFE_NOT_ALLOWED)
    if problem.status == ProblemStatus.SOLVED:
        raise DomainError(codes.DELIBERATION_INVALID_STATE)
    problem.answer = _text(fields.get("answer"), "answer")
    problem.status = ProblemStatus.SOLVED
    problem.solved_at = now or timezone.now()
    problem.save(update_fields=["answer", "status", "solved_at"])
    return problem
