"""Writes of citizens' opinions (意见建议) taken down in the field.

Invariants:
- A citizen's contact is stored only with their consent (also a database constraint) and only
  minimally: the digits of a phone number, nothing else. It is masked on every read
  (`backend.opinions.selectors.mask_contact`).
- `due_at` follows the forwarding rule: the station forwards within 24 hours of registration.
- The cell and adcodes come from the opinion's location (point-in-polygon on grid cells), or
  from the linked visit; a linked visit must be the deputy's own (else 404).
- Idempotent on (deputy, client_uuid): same content → duplicate, other content → 409 conflict.
- Registration writes the first OpinionTransition row and publishes `opinion.created` on commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.core.errors import DomainError
from backend.core.events import publish_on_commit
from backend.core.geo import STORAGE_SRID
from backend.grid.models import GridCell
from backend.liaison.models import Deputy
from backend.visits.access import access_visit_by_id

from .models import Opinion, OpinionCategory, OpinionStatus, OpinionTransition

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
        raise DomainError("opinion.invalid_contact",
                          _("The contact must be a phone number (digits only)."),
                          field="citizen_contact")
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+86") and len(digits) == 13:
        digits = digits[2:]
    if not 5 <= len(digits) <= 20:
        raise DomainError("opinion.invalid_contact",
                          _("The contact must be a phone number (digits only)."),
                          field="citizen_contact")
    return digits


def _content_hash(**fields) -> str:
    text = "\x1f".join(f"{k}={fields[k]}" for k in sorted(fields))
    return hashlib.sha256(text.encode()).hexdigest()


def _place(deputy: Deputy, location: Point | None, visit) -> tuple:
    """(location, cell, adcode, county_adcode) of a new opinion."""
    if location is None and visit is not None:
        location = visit.location
    cell = None
    if location is not None:
        cell = (GridCell.objects.filter(boundary__covers=location).order_by("id")
                .only("id", "adcode", "county_adcode").first())
    if cell is None and visit is not None and visit.cell_id:
        cell = visit.cell
    if cell is not None:
        return location, cell, cell.adcode, cell.county_adcode
    return location, None, deputy.adcode, deputy.county_adcode


def opinion_create(*, deputy: Deputy, client_uuid: uuid.UUID, category: str, text: str,
                   recorded_at: dt.datetime, lon: float | None = None, lat: float | None = None,
                   visit_id: int | None = None, contact_consent: bool = False,
                   citizen_contact: str = "") -> OpinionResult:
    """Register an opinion taken down by `deputy` (coordinates already WGS-84)."""
    if category not in OpinionCategory.values:
        raise DomainError("opinion.invalid_category", _("Unknown category."), field="category")
    contact = normalise_contact(citizen_contact)
    if contact and not contact_consent:
        raise DomainError("opinion.contact_without_consent",
                          _("A citizen's contact may only be kept with their consent."),
                          field="citizen_contact")
    visit = access_visit_by_id(deputy=deputy, visit_id=visit_id) if visit_id else None
    location = Point(lon, lat, srid=STORAGE_SRID) if lon is not None and lat is not None else None
    content_hash = _content_hash(
        category=category, text=text, recorded_at=recorded_at.astimezone(dt.UTC).isoformat(),
        lon="" if lon is None else f"{lon:.7f}", lat="" if lat is None else f"{lat:.7f}",
        visit=visit_id or "", consent=bool(contact_consent), contact=contact)
    existing = Opinion.objects.filter(deputy=deputy, client_uuid=client_uuid).first()
    if existing is not None:
        return _existing_result(existing, content_hash)
    location, cell, adcode, county = _place(deputy, location, visit)
    now = timezone.now()
    try:
        with transaction.atomic():
            opinion = Opinion.objects.create(
                deputy=deputy, visit=visit, client_uuid=client_uuid, content_hash=content_hash,
                category=category, text=text, location=location, cell=cell, adcode=adcode,
                county_adcode=county, contact_consent=bool(contact_consent),
                citizen_contact=contact if contact_consent else "",
                status=OpinionStatus.REGISTERED, recorded_at=recorded_at,
                due_at=now + FORWARD_WITHIN)
            OpinionTransition.objects.create(opinion=opinion, from_status="",
                                             to_status=OpinionStatus.REGISTERED, by=deputy.user,
                                             note="registered from the field app")
            publish_on_commit(county, "opinion.created", {"items": [{
                "id": opinion.id, "category": category, "status": opinion.status,
                "cell_id": opinion.cell_id, "adcode": adcode, "county_adcode": county,
                "recorded_at": recorded_at.isoformat()}]})
    except IntegrityError:
        # A concurrent retry of the same record won the race on (deputy, client_uuid).
        existing = Opinion.objects.filter(deputy=deputy, client_uuid=client_uuid).first()
        if existing is None:
            raise
        return _existing_result(existing, content_hash)
    return OpinionResult("created", opinion)


def _existing_result(existing: Opinion, content_hash: str) -> OpinionResult:
    if existing.content_hash != content_hash:
        raise DomainError("opinion.conflict",
                          _("Another opinion was already stored under this client_uuid."),
                          status=409, id=existing.id)
    return OpinionResult("duplicate", existing)
