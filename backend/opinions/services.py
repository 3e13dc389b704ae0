"""Writes of citizens' opinions (意见建议) taken down in the field.

Invariants:
- A citizen's contact is stored only with their consent (also a database constraint) and only
  minimally: the digits of a phone number, nothing else. It is masked on every read
  (`backend.opinions.selectors.mask_contact`).
- `due_at` follows the forwarding rule: the station forwards within 24 hours of registration.
- The cell and adcodes come from the opinion's location (the kernel's `cell_at`), or from the
  linked visit; a linked visit must be the deputy's own (else 404).
- Idempotent on (deputy, client_uuid) through the kernel's `record_or_replay`: same content →
  duplicate, other content → 409 conflict.
- Registration writes the first OpinionTransition row and publishes `opinion.created` on commit.

The closed loop after registration (`opinion_transition`), one action at a time:

    action   from                    to                          who
    forward  registered              forwarded                   staff, admin
    start    forwarded               handling                    staff, admin
    extend   forwarded, handling,    (unchanged)                 staff, admin
             rehandling
    answer   handling, rehandling    answered                    staff, admin, own deputy
    rate     answered                closed (rating ≥ 3) or      staff, admin
                                     rehandling (≤ 2, once)
    close    answered                closed (review, archive)    staff, admin
    solve    registered              answered (level deputy)     staff, admin, own deputy
    refer    forwarded, handling,    forwarded (another unit,    staff, admin
             rehandling              another level)
    approve  reviewing               answered                    staff, admin
    return   reviewing               handling / rehandling       staff, admin
    link     registered, forwarded,  closed (a duplicate of      staff, admin
             handling, rehandling    `duplicate_of`)
    (the department's own account: start, and answer → reviewing instead of answered)

Graded handling (Heshan; Puning's review step):
- `level` is deputy (solved on the spot: `solve`), township, county or city; forwarding to a
  Department record (`department`, an active one of the opinion's county) sets the level from
  the department and makes the opinion visible to that department's accounts; `refer` moves it
  to another department (up or down a level) with a reason, the deadline kept. A department
  named in free text (`handler` only) has no accounts: level county, staff answer for it.
- A department account's answer goes to `reviewing`: the station approves it (optionally
  editing the text; the citizen sees it only then) or returns it with a reason to the status
  it was answered from.
- Duplicates (FixMyStreet): `link` closes an opinion as a duplicate of a canonical case the
  actor sees (not itself, not a duplicate; its own duplicates move to the canonical case); the
  citizens of the duplicates are told when the canonical case is answered and closed.
- Forwarding, referring and re-handling notify the department (re-handling is the reopening
  that reaches the department, FixMyStreet #897).

- Forwarding sets the handler (department) and due_at = now + 3 working days; an extension adds
  2 working days to due_at, once per opinion, with a reason; an unsatisfied first rating (≤ 2)
  sends the opinion back for re-handling with 3 new working days (三处三复: a second answer);
  a second unsatisfied rating closes it anyway, the rating kept in the history.
- "Staff" means station staff acting inside their jurisdiction (the caller's Jurisdiction,
  `may_act_in`, decided in backend.accounts.access); leaders read, they do not act. An opinion
  outside the actor's reach is NotFound (404), never 403; inside it, an action the actor may
  not take is 403 `opinion.not_allowed`; an action the status does not allow is 409
  `opinion.invalid_transition`.
- The opinion's row is locked for the transaction, so two concurrent transitions serialise and
  the second one sees the first one's status. Each transition writes one OpinionTransition row
  and publishes `opinion.updated` to the opinion's county on commit.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from functools import partial

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from backend.accounts.jurisdiction import Jurisdiction
from backend.accounts.models import User
from backend.core import error_codes as codes
from backend.core.error_codes import ErrorCode
from backend.core.errors import DomainError, NotFound
from backend.core.events import publish_on_commit
from backend.core.geo import STORAGE_SRID
from backend.core.notify import notify
from backend.liaison.models import Deputy, Station
from backend.records.services import CREATED, cell_at, content_hash, record_or_replay
from backend.regions.selectors import place_names
from backend.visits.access import access_own_visit

from .access import access_department_for, access_opinion_by_id
from .deadlines import EXTENSION_WORKING_DAYS, HANDLE_WITHIN_WORKING_DAYS, add_working_days
from .models import (
    NOTE_CLOSED_UNSATISFIED,
    NOTE_REGISTERED,
    NOTE_REGISTERED_QR_DEPUTY,
    NOTE_REGISTERED_QR_STATION,
    Department,
    HandlingLevel,
    Opinion,
    OpinionCategory,
    OpinionStatus,
    OpinionTransition,
    RatingVia,
)

FORWARD_WITHIN = dt.timedelta(hours=24)
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{4,24}$")


@dataclass(frozen=True)
class OpinionResult:
    status: str  # created / duplicate
    opinion: Opinion


def normalise_contact(raw: str) -> str:
    """Keep only the digits of a phone number (mainland +86 prefix dropped)."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    if not _PHONE_RE.match(raw):
        raise DomainError(
            codes.OPINION_INVALID_CONTACT,
            _("The contact must be a phone number (digits only)."),
            field="citizen_contact",
        )
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+86") and len(digits) == 13:
        digits = digits[2:]
    if not 5 <= len(digits) <= 20:
        raise DomainError(
            codes.OPINION_INVALID_CONTACT,
            _("The contact must be a phone number (digits only)."),
            field="citizen_contact",
        )
    return digits


def _content_hash(**fields) -> str:
    """The kernel's hash over `name=value` parts in name order (the stored opinions' form)."""
    return content_hash(*(f"{k}={fields[k]}" for k in sorted(fields)))


def _place(
    deputy: Deputy | None, location: Point | None, visit, station: Station | None = None
) -> tuple:
    """(location, cell, adcode, county_adcode) of a new opinion: the cell covering its point,
    else the visit's cell, else the deputy's (or the scanned station's) own area."""
    if location is None and visit is not None:
        location = visit.location
    cell = cell_at(location)
    if cell is None and visit is not None and visit.cell_id:
        cell = visit.cell
    if cell is not None:
        return location, cell, cell.adcode, cell.county_adcode
    owner = deputy if deputy is not None else station
    assert owner is not None
    return location, None, owner.adcode, owner.county_adcode


def _register(
    *,
    deputy: Deputy | None,
    station: Station | None,
    client_uuid: uuid.UUID,
    content_hash: str,
    category: str,
    text: str,
    location: Point | None,
    visit,
    contact: str,
    contact_consent: bool,
    recorded_at: dt.datetime,
    now: dt.datetime,
    by: User | None,
    note: str,
) -> Opinion:
    """Write a new opinion, its first history row and the `opinion.created` event (inside the
    caller's transaction: record_or_replay's, or the intake's): the one registration of both
    intakes, a deputy's record and a citizen's QR submission."""
    location, cell, adcode, county = _place(deputy, location, visit, station)
    opinion = Opinion.objects.create(
        deputy=deputy,
        station=station,
        visit=visit,
        client_uuid=client_uuid,
        content_hash=content_hash,
        category=category,
        text=text,
        location=location,
        cell=cell,
        adcode=adcode,
        county_adcode=county,
        contact_consent=bool(contact_consent),
        citizen_contact=contact if contact_consent else "",
        status=OpinionStatus.REGISTERED,
        recorded_at=recorded_at,
        due_at=now + FORWARD_WITHIN,
    )
    OpinionTransition.objects.create(
        opinion=opinion,
        from_status="",
        to_status=OpinionStatus.REGISTERED,
        by=by,
        at=now,
        note=note,
    )
    publish_on_commit(
        county,
        "opinion.created",
        {
            "items": [
                {
                    "id": opinion.id,
                    "category": category,
                    "status": opinion.status,
                    "cell_id": opinion.cell_id,
                    "cell_name": cell.name if cell is not None else None,
                    "place": place_names(adcodes=[adcode]).get(adcode),
                    "adcode": adcode,
                    "county_adcode": county,
                    "recorded_at": recorded_at.isoformat(),
                }
            ]
        },
    )
    return opinion


def _check_category(category: str) -> None:
    if category not in OpinionCategory.values:
        raise DomainError(codes.OPINION_INVALID_CATEGORY, _("Unknown category."), field="category")


def opinion_create(
    *,
    deputy: Deputy,
    client_uuid: uuid.UUID,
    category: str,
    text: str,
    recorded_at: dt.datetime,
    lon: float | None = None,
    lat: float | None = None,
    visit_id: int | None = None,
    contact_consent: bool = False,
    citizen_contact: str = "",
    received_at: dt.datetime | None = None,
) -> OpinionResult:
    """Register an opinion taken down by `deputy` (coordinates already WGS-84). `received_at`
    (default now) is the registration time; a replay of past records (the demo) passes it."""
    _check_category(category)
    contact = normalise_contact(citizen_contact)
    if contact and not contact_consent:
        raise DomainError(
            codes.OPINION_CONTACT_WITHOUT_CONSENT,
            _("A citizen's contact may only be kept with their consent."),
            field="citizen_contact",
        )
    visit = access_own_visit(deputy=deputy, visit_id=visit_id) if visit_id else None
    location = Point(lon, lat, srid=STORAGE_SRID) if lon is not None and lat is not None else None
    hash_ = _content_hash(
        category=category,
        text=text,
        recorded_at=recorded_at.astimezone(dt.UTC).isoformat(),
        lon="" if lon is None else f"{lon:.7f}",
        lat="" if lat is None else f"{lat:.7f}",
        visit=visit_id or "",
        consent=bool(contact_consent),
        contact=contact,
    )
    return record_or_replay(
        model=Opinion,
        deputy_id=deputy.id,
        client_uuid=client_uuid,
        content_hash=hash_,
        insert=lambda: OpinionResult(
            CREATED,
            _register(
                deputy=deputy,
                station=None,
                visit=visit,
                client_uuid=client_uuid,
                content_hash=hash_,
                category=category,
                text=text,
                location=location,
                contact=contact if contact_consent else "",
                contact_consent=bool(contact_consent),
                recorded_at=recorded_at,
                now=received_at or timezone.now(),
                by=deputy.user,
                note=NOTE_REGISTERED,
            ),
        ),
        replay=lambda stored, status: OpinionResult(status, stored),
        conflict=codes.OPINION_CONFLICT,
        conflict_message=_("Another opinion was already stored under this client_uuid."),
        replay_first=True,
    )


def opinion_create_by_citizen(
    *,
    deputy: Deputy | None = None,
    station: Station | None = None,
    category: str,
    text: str,
    lon: float | None = None,
    lat: float | None = None,
    contact_consent: bool = False,
    citizen_contact: str = "",
    received_at: dt.datetime | None = None,
) -> Opinion:
    """Register an opinion a citizen sent through a deputy's or a station's QR code (上码说):
    the same loop, cell and adcodes as a deputy's record; no account behind it (`by` is None).
    The caller (backend.intake, in its transaction) checked the challenge and rate limits."""
    if (deputy is None) == (station is None):
        raise ValueError("exactly one of deputy and station")
    _check_category(category)
    contact = normalise_contact(citizen_contact)
    if contact and not contact_consent:
        raise DomainError(
            codes.OPINION_CONTACT_WITHOUT_CONSENT,
            _("A citizen's contact may only be kept with their consent."),
            field="citizen_contact",
        )
    now = received_at or timezone.now()
    location = Point(lon, lat, srid=STORAGE_SRID) if lon is not None and lat is not None else None
    return _register(
        deputy=deputy,
        station=station,
        client_uuid=uuid.uuid4(),
        content_hash=_content_hash(category=category, text=text, at=now.isoformat()),
        category=category,
        text=text,
        location=location,
        visit=None,
        contact=contact,
        contact_consent=contact_consent,
        recorded_at=now,
        now=now,
        by=None,
        note=NOTE_REGISTERED_QR_DEPUTY if deputy is not None else NOTE_REGISTERED_QR_STATION,
    )


# --- the closed loop ----------------------------------------------------------------------------

MAX_HANDLER_LENGTH = 100
MAX_TEXT_LENGTH = 2000
SATISFIED_FROM_RATING = 3
DEPUTY_ACTIONS = frozenset({"answer", "solve"})
DEPARTMENT_ACTIONS = frozenset({"start", "answer"})
S = OpinionStatus
# action -> statuses it may start from
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "forward": frozenset({S.REGISTERED}),
    "start": frozenset({S.FORWARDED}),
    "extend": frozenset({S.FORWARDED, S.HANDLING, S.REHANDLING}),
    "answer": frozenset({S.HANDLING, S.REHANDLING}),
    "rate": frozenset({S.ANSWERED}),
    "close": frozenset({S.ANSWERED}),
    "solve": frozenset({S.REGISTERED}),
    "refer": frozenset({S.FORWARDED, S.HANDLING, S.REHANDLING}),
    "approve": frozenset({S.REVIEWING}),
    "return": frozenset({S.REVIEWING}),
    "link": frozenset({S.REGISTERED, S.FORWARDED, S.HANDLING, S.REHANDLING}),
}
ACTIONS = tuple(ALLOWED_FROM)


def _required_text(value: str, *, field: str, max_length: int, code: ErrorCode, message) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(code, message, field=field)
    if len(value) > max_length:
        raise DomainError(
            codes.OPINION_TEXT_TOO_LONG,
            _("%(field)s may have at most %(n)s characters.") % {"field": field, "n": max_length},
            field=field,
        )
    return value


def _by_department(jurisdiction: Jurisdiction, opinion: Opinion) -> bool:
    """Whether the caller acts as the department the opinion is referred to."""
    return (
        jurisdiction.department_id is not None
        and opinion.department_id == jurisdiction.department_id
    )


def _check_allowed(jurisdiction: Jurisdiction, opinion: Opinion, action: str) -> None:
    if jurisdiction.may_act_in(opinion.adcode):
        return
    if action in DEPARTMENT_ACTIONS and _by_department(jurisdiction, opinion):
        return
    if (
        action in DEPUTY_ACTIONS
        and opinion.deputy is not None
        and opinion.deputy.user_id == jurisdiction.user_id
    ):
        return
    raise DomainError(
        codes.OPINION_NOT_ALLOWED, _("Only station staff may do this to an opinion."), status=403
    )


def _check_transition(opinion: Opinion, action: str) -> None:
    if opinion.status not in ALLOWED_FROM[action]:
        raise DomainError(
            codes.OPINION_INVALID_TRANSITION,
            _("The opinion is “%(status)s”: “%(action)s” is not possible now.")
            % {"status": S(opinion.status).label, "action": ACTION_LABELS[action]},
            status=409,
            current_status=opinion.status,
            action=action,
        )


def _apply(
    opinion: Opinion,
    action: str,
    now: dt.datetime,
    *,
    handler: str,
    reason: str,
    answer: str,
    rating: int | None,
    department: object = None,
    by_department: bool = False,
    canonical: Opinion | None = None,
) -> tuple[str, str]:
    """Change `opinion` in memory for `action`; returns (new status, history note)."""
    if action == "link":
        assert canonical is not None
        opinion.duplicate_of = canonical
        Opinion.objects.filter(duplicate_of=opinion).update(duplicate_of=canonical)
        return S.CLOSED, f"#{canonical.id}"
    if action == "forward":
        _assign_handler(opinion, handler, department)
        opinion.due_at = add_working_days(now, HANDLE_WITHIN_WORKING_DAYS)
        return S.FORWARDED, opinion.handler
    if action == "refer":
        note = _reason(reason, _("Give the reason for referring it elsewhere."))
        if department is None:
            raise NotFound(codes.OPINION_DEPARTMENT_NOT_FOUND, field="department")
        _assign_handler(opinion, "", department)
        return S.FORWARDED, f"{opinion.handler}\n{note}"
    if action in ("solve", "answer", "approve"):
        return _answer(opinion, action, answer, by_department)
    if action == "return":
        note = _reason(reason, _("Give the reason for returning the answer."))
        answered_from = (
            opinion.transitions.filter(action="answer", to_status=S.REVIEWING)
            .order_by("-at", "-id")
            .values_list("from_status", flat=True)
            .first()
        )
        return answered_from or S.HANDLING, note
    if action == "start":
        return S.HANDLING, ""
    if action == "extend":
        note = _reason(reason, _("Give the reason for the extension."))
        if opinion.transitions.filter(action="extend").exists():
            raise DomainError(
                codes.OPINION_ALREADY_EXTENDED,
                _("The deadline was already extended once."),
                status=409,
            )
        opinion.due_at = add_working_days(opinion.due_at or now, EXTENSION_WORKING_DAYS)
        return opinion.status, note
    if action == "rate":
        return _rate(opinion, rating, now)
    return S.CLOSED, ""  # close: reviewed and archived without a rating


def _reason(reason: str, message) -> str:
    return _required_text(
        reason,
        field="reason",
        max_length=MAX_TEXT_LENGTH,
        code=codes.OPINION_REASON_REQUIRED,
        message=message,
    )


def _assign_handler(opinion: Opinion, handler: str, department: object) -> None:
    """Refer the opinion to a Department record of its county (its level, its accounts see
    it) or, with no record, to a department named in free text (level county, no accounts)."""
    if department is not None:
        unit: Department = access_department_for(opinion=opinion, department_id=department)
        opinion.department, opinion.handler, opinion.level = unit, unit.name, unit.level
        return
    opinion.handler = _required_text(
        handler,
        field="handler",
        max_length=MAX_HANDLER_LENGTH,
        code=codes.OPINION_HANDLER_REQUIRED,
        message=_("Name the department that handles it."),
    )
    opinion.department, opinion.level = None, HandlingLevel.COUNTY


def _answer(opinion: Opinion, action: str, answer: str, by_department: bool) -> tuple[str, str]:
    """solve (the deputy on the spot), answer (a department's goes to the station's review) and
    approve (the station's review; a text given replaces the department's)."""
    if action == "approve" and not (answer or "").strip():
        return S.ANSWERED, ""
    opinion.answer = _required_text(
        answer,
        field="answer",
        max_length=MAX_TEXT_LENGTH,
        code=codes.OPINION_ANSWER_REQUIRED,
        message=_("Write the answer given to the citizen."),
    )
    if action == "solve":
        opinion.level = HandlingLevel.DEPUTY
    return (S.REVIEWING if by_department else S.ANSWERED), opinion.answer


def _rate(opinion: Opinion, rating: int | None, now: dt.datetime) -> tuple[str, str]:
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError(
            codes.OPINION_INVALID_RATING,
            _("The rating must be a whole number from 1 to 5."),
            field="rating",
        )
    opinion.rating = rating
    if rating >= SATISFIED_FROM_RATING:
        return S.CLOSED, ""
    if not opinion.transitions.filter(to_status=S.REHANDLING).exists():
        opinion.due_at = add_working_days(now, HANDLE_WITHIN_WORKING_DAYS)
        return S.REHANDLING, ""
    return S.CLOSED, NOTE_CLOSED_UNSATISFIED


@transaction.atomic
def opinion_transition(
    *,
    jurisdiction: Jurisdiction,
    actor: User,
    opinion_id: int,
    action: str,
    handler: str = "",
    reason: str = "",
    answer: str = "",
    rating: int | None = None,
    department: object = None,
    duplicate_of: object = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Opinion:
    """Apply `action` to the opinion (see the table above) and return it. `at` (default now) is
    the time of the action; a replay of past work (the demo) passes it. `department`: the id of
    a Department of the opinion's county (forward, refer); `duplicate_of`: the id of the
    canonical case (link)."""
    if action not in ALLOWED_FROM:
        raise DomainError(
            codes.OPINION_UNKNOWN_ACTION,
            _("Unknown action: use one of %(actions)s.") % {"actions": ", ".join(ACTIONS)},
            field="action",
        )
    if actor.pk != jurisdiction.user_id:
        raise ValueError("the actor is not the jurisdiction's account")
    opinion = access_opinion_by_id(
        jurisdiction=jurisdiction, opinion_id=opinion_id, for_update=True
    )
    _check_allowed(jurisdiction, opinion, action)
    _check_transition(opinion, action)
    canonical = _canonical(jurisdiction, opinion, duplicate_of) if action == "link" else None
    note = (note or "").strip()
    if len(note) > MAX_TEXT_LENGTH:
        raise DomainError(
            codes.OPINION_TEXT_TOO_LONG,
            _("%(field)s may have at most %(n)s characters.")
            % {"field": "note", "n": MAX_TEXT_LENGTH},
            field="note",
        )
    return _commit(
        opinion,
        action,
        at or timezone.now(),
        by=actor,
        handler=handler,
        reason=reason,
        answer=answer,
        rating=rating,
        note=note,
        rating_via=RatingVia.IN_PERSON if action == "rate" else "",
        department=department,
        by_department=_by_department(jurisdiction, opinion)
        and not jurisdiction.may_act_in(opinion.adcode),
        canonical=canonical,
    )


def _canonical(jurisdiction: Jurisdiction, opinion: Opinion, duplicate_of: object) -> Opinion:
    """The case `opinion` is linked to: one the actor sees, not itself, not a duplicate;
    NotFound (opinion.duplicate_not_found) for anything else."""
    if (
        isinstance(duplicate_of, bool)
        or not isinstance(duplicate_of, int)
        or duplicate_of == opinion.id
    ):
        raise NotFound(codes.OPINION_DUPLICATE_NOT_FOUND, field="duplicate_of")
    try:
        canonical = access_opinion_by_id(jurisdiction=jurisdiction, opinion_id=duplicate_of)
    except NotFound:
        raise NotFound(codes.OPINION_DUPLICATE_NOT_FOUND, field="duplicate_of") from None
    if canonical.duplicate_of_id is not None:
        raise NotFound(codes.OPINION_DUPLICATE_NOT_FOUND, field="duplicate_of")
    return canonical


def _commit(
    opinion: Opinion,
    action: str,
    now: dt.datetime,
    *,
    by: User | None,
    handler: str = "",
    reason: str = "",
    answer: str = "",
    rating: int | None = None,
    note: str = "",
    rating_via: str = "",
    department: object = None,
    by_department: bool = False,
    canonical: Opinion | None = None,
) -> Opinion:
    """Apply an allowed action to the locked opinion, write its history row, publish on commit."""
    from_status = opinion.status
    opinion.status, action_note = _apply(
        opinion,
        action,
        now,
        handler=handler,
        reason=reason,
        answer=answer,
        rating=rating,
        department=department,
        by_department=by_department,
        canonical=canonical,
    )
    opinion.save(
        update_fields=[
            "status",
            "due_at",
            "handler",
            "answer",
            "rating",
            "level",
            "department",
            "duplicate_of",
        ]
    )
    OpinionTransition.objects.create(
        opinion=opinion,
        from_status=from_status,
        to_status=opinion.status,
        by=by,
        at=now,
        action=action,
        rating=rating if action == "rate" else None,
        rating_via=rating_via,
        note="\n".join(n for n in (action_note, note) if n),
    )
    _notify_on_commit(opinion, action)
    publish_updated_on_commit(opinion, action, from_status)
    return opinion


def publish_updated_on_commit(opinion: Opinion, action: str, from_status: str) -> None:
    """`opinion.updated` to the opinion's county after commit (the pages' live refresh)."""
    publish_on_commit(
        opinion.county_adcode,
        "opinion.updated",
        {
            "items": [
                {
                    "id": opinion.id,
                    "action": action,
                    "from_status": from_status,
                    "status": opinion.status,
                    "due_at": opinion.due_at.isoformat() if opinion.due_at else None,
                    "rating": opinion.rating,
                    "level": opinion.level,
                    "department_id": opinion.department_id,
                    "cell_id": opinion.cell_id,
                    "adcode": opinion.adcode,
                    "county_adcode": opinion.county_adcode,
                }
            ]
        },
    )


NOTIFY_TEXTS = {
    "answered": _(
        "Your opinion (%(category)s) has an answer: open your tracking page to read and rate it."
    ),
    "rehandling": _("Your opinion (%(category)s) is being handled again; a new answer follows."),
    "closed": _("Your opinion (%(category)s) is closed. Thank you."),
}


DEPARTMENT_TEXTS = {
    "forward": _("Opinion %(id)s (%(category)s) is forwarded to you; due %(due)s."),
    "refer": _("Opinion %(id)s (%(category)s) is referred to you; due %(due)s."),
    "rehandling": _(
        "Opinion %(id)s (%(category)s): the citizen is not satisfied; handle it again by %(due)s."
    ),
}


def department_recipient(opinion: Opinion) -> str:
    """The notification address of the opinion's department: `department:<id>` for a record
    (its accounts), `handler:<name>` for a department named in free text."""
    if opinion.department_id is not None:
        return f"department:{opinion.department_id}"
    return f"handler:{opinion.handler}"


def _citizens_of(opinion: Opinion) -> list[str]:
    """The numbers (kept by consent) of the opinion's citizen and of its duplicates' citizens,
    who follow it."""
    linked = Opinion.objects.filter(duplicate_of=opinion).exclude(citizen_contact="")
    own = [opinion.citizen_contact] if opinion.citizen_contact else []
    return own + sorted(set(linked.values_list("citizen_contact", flat=True)) - set(own))


def _notify_on_commit(opinion: Opinion, action: str) -> None:
    """Tell the citizen (only with a number kept by consent) when it is answered, re-handled or
    closed, and the handling department when it is forwarded or referred to them, or comes
    back for re-handling (backend.core.notify; a Department record is `department:<id>`)."""
    messages: list[tuple[str, str, str]] = []
    category = OpinionCategory(opinion.category).label
    template = NOTIFY_TEXTS.get(opinion.status)
    if template is not None and action in ("answer", "solve", "approve", "rate", "close"):
        text = str(template % {"category": category})
        messages.extend((contact, text, opinion.status) for contact in _citizens_of(opinion))
    department_text = DEPARTMENT_TEXTS.get(
        "rehandling" if action == "rate" and opinion.status == S.REHANDLING else action
    )
    if department_text is not None and opinion.handler:
        messages.append(
            (
                department_recipient(opinion),
                str(
                    department_text
                    % {
                        "id": opinion.id,
                        "category": category,
                        "due": timezone.localtime(opinion.due_at).strftime("%Y-%m-%d %H:%M")
                        if opinion.due_at
                        else "-",
                    }
                ),
                opinion.status,
            )
        )
    for message in messages:
        transaction.on_commit(partial(notify, *message))


@transaction.atomic
def opinion_rate_by_citizen(
    *, opinion_id: int, rating: int | None, comment: str = "", at: dt.datetime | None = None
) -> Opinion:
    """The citizen's own rating from the tracking page (the caller resolved the tracking code to
    `opinion_id`): the same rule as staff's `rate` (≥ 3 closes; ≤ 2 re-handles once, then
    closes with the rating kept), recorded with no account and marked as the citizen's."""
    opinion = Opinion.objects.select_for_update(of=("self",)).filter(id=opinion_id).first()
    if opinion is None:
        raise NotFound(codes.OPINION_NOT_FOUND, _("No such opinion."))
    _check_transition(opinion, "rate")
    comment = (comment or "").strip()
    if len(comment) > MAX_TEXT_LENGTH:
        raise DomainError(
            codes.OPINION_TEXT_TOO_LONG,
            _("%(field)s may have at most %(n)s characters.")
            % {"field": "comment", "n": MAX_TEXT_LENGTH},
            field="comment",
        )
    return _commit(
        opinion,
        "rate",
        at or timezone.now(),
        by=None,
        rating=rating,
        note=comment,
        rating_via=RatingVia.TRACKING_PAGE,
    )


ACTION_LABELS = {
    "forward": pgettext_lazy("opinion action", "forward"),
    "start": pgettext_lazy("opinion action", "start handling"),
    "extend": pgettext_lazy("opinion action", "extend"),
    "answer": pgettext_lazy("opinion action", "answer"),
    "rate": pgettext_lazy("opinion action", "rate"),
    "close": pgettext_lazy("opinion action", "close"),
    "solve": pgettext_lazy("opinion action", "solve on the spot"),
    "refer": pgettext_lazy("opinion action", "refer elsewhere"),
    "approve": pgettext_lazy("opinion action", "approve the answer"),
    "return": pgettext_lazy("opinion action", "return the answer"),
    "overdue": pgettext_lazy("opinion action", "overdue alert"),
    "link": pgettext_lazy("opinion action", "link as a duplicate"),
}
