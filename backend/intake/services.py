"""Writes of the public intake (上码说): a citizen's opinion through a QR code, and the citizen's
rating from the tracking page. No login: the gates are the challenge (django-simple-captcha,
self-hosted), rate limits per IP address and per phone number (Redis, shared by all workers),
size limits and the hostile-input rules (backend.intake.views parses; this module decides).

Invariants:
- The opinion enters the one loop through backend.opinions.services (same cell and adcode
  resolution, same history, same events); this module adds only the tracking code.
- A tracking code leads to exactly one opinion; nothing a citizen sends names another opinion.
- The phone number is kept only with the consent tick (also a database constraint) and only as
  digits; the rate limit keys on its SHA-256, never the number itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.core import error_codes as codes
from backend.core.errors import DomainError
from backend.core.privacy import contact_purge
from backend.liaison.models import Deputy, Station
from backend.opinions.models import Opinion, OpinionStatus, OpinionTransition
from backend.opinions.services import (
    normalise_contact,
    opinion_create_by_citizen,
    opinion_rate_by_citizen,
)

from .models import CitizenSubmission
from .selectors import intake_area

TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
TRACKING_LENGTH = 12
MAX_TEXT_LENGTH = 1000
MAX_COMMENT_LENGTH = 500
DEFAULT_LIMITS = {
    "ip": (10, 3600),
    "phone": (3, 86400),
    "track": (120, 3600),
    "rating": (30, 3600),  # citizens' satisfaction with a project (backend.projects)
}


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def _limits() -> dict[str, tuple[int, int]]:
    return {**DEFAULT_LIMITS, **getattr(settings, "INTAKE_RATE_LIMITS", {})}


def _rate_key(kind: str, key: str) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{kind}:{key}".encode()).hexdigest()[:32]
    return f"intake:{kind}:{digest}"


def rate_limit_forget(kind: str, key: str) -> None:
    """Drop the count of (kind, key): the demo loader, which posts as several citizens
    through the public pages' services, leaves no count behind (a reload stays possible)."""
    caches["mobile_api_throttle"].delete(_rate_key(kind, key))


def rate_limit(kind: str, key: str) -> None:
    """Count one request for (kind, key) in a fixed window; 429 past the limit. The key is
    hashed (an IP address or a phone number is never written to Redis)."""
    limit, window = _limits()[kind]
    cache = caches["mobile_api_throttle"]
    name = _rate_key(kind, key)
    cache.add(name, 0, timeout=window)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=window)
        count = 1
    if count > limit:
        raise DomainError(codes.INTAKE_RATE_LIMITED, retry_after=window)


def citizen_submit(
    *,
    station: Station | None = None,
    deputy: Deputy | None = None,
    category: str,
    text: str,
    lon: float | None,
    lat: float | None,
    phone: str,
    consent: bool,
    client_ip: str,
) -> CitizenSubmission:
    """Register the citizen's opinion against the scanned station or deputy; its tracking code.
    The challenge was checked by the caller (it belongs to the HTTP exchange)."""
    text = (text or "").strip()
    if not text:
        raise DomainError(codes.INTAKE_TEXT_REQUIRED, field="text")
    if len(text) > MAX_TEXT_LENGTH:
        raise DomainError(
            codes.OPINION_TEXT_TOO_LONG,
            _("%(field)s may have at most %(n)s characters.")
            % {"field": "text", "n": MAX_TEXT_LENGTH},
            field="text",
        )
    contact = normalise_contact(phone)
    if contact and not consent:
        raise DomainError(codes.INTAKE_CONSENT_REQUIRED, field="consent")
    if lon is not None and lat is not None:
        owner = station if station is not None else deputy
        assert owner is not None  # the view passes the scanned station or deputy
        area = intake_area(owner)
        if not area.covers(lon, lat):
            raise DomainError(
                codes.INTAKE_LOCATION_OUT_OF_AREA,
                _("The place is outside %(area)s: pick it again, or send without a place.")
                % {"area": area.name}
                if area.name
                else None,
                field="location",
            )
    rate_limit("ip", client_ip or "unknown")
    if contact:
        rate_limit("phone", contact)
    return citizen_opinion_register(
        station=station,
        deputy=deputy,
        category=category,
        text=text,
        lon=lon,
        lat=lat,
        phone=contact,
    )


def citizen_opinion_register(
    *,
    station: Station | None = None,
    deputy: Deputy | None = None,
    category: str,
    text: str,
    lon: float | None = None,
    lat: float | None = None,
    phone: str = "",
    received_at=None,
) -> CitizenSubmission:
    """The opinion and its tracking code, without the public gates (citizen_submit applies
    them; the demo loader calls this directly). `phone` (digits) means the consent was given."""
    with transaction.atomic():
        opinion = opinion_create_by_citizen(
            station=station,
            deputy=deputy,
            category=category,
            text=text,
            lon=lon,
            lat=lat,
            contact_consent=bool(phone),
            citizen_contact=phone,
            received_at=received_at,
        )
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    return CitizenSubmission.objects.create(
                        opinion=opinion, tracking_code=new_tracking_code()
                    )
            except IntegrityError:  # a code already given (about 1 in 10^17): draw again
                continue
    raise RuntimeError("no free tracking code")


def citizen_rate(
    *, submission: CitizenSubmission, rating, comment: str, at: dt.datetime | None = None
) -> Opinion:
    """The citizen's rating of the answer (1-5, a comment): ≥ 3 closes, ≤ 2 sends it back for
    re-handling once, a second ≤ 2 closes it with the rating kept (backend.opinions)."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError(codes.INTAKE_INVALID_RATING, field="rating")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise DomainError(
            codes.OPINION_TEXT_TOO_LONG,
            _("%(field)s may have at most %(n)s characters.")
            % {"field": "comment", "n": MAX_COMMENT_LENGTH},
            field="comment",
        )
    if submission.opinion.status != OpinionStatus.ANSWERED:
        raise DomainError(codes.INTAKE_NOT_RATEABLE)
    return opinion_rate_by_citizen(
        opinion_id=submission.opinion_id, rating=rating, comment=comment, at=at
    )


CONTACT_RETENTION = dt.timedelta(days=180)


@contact_purge
def citizen_contacts_purge(*, now: dt.datetime | None = None) -> int:
    """Blank the phone number (and its consent) of every QR opinion closed more than 180 days
    ago; the number of opinions cleared. Idempotent."""
    cutoff = (now or timezone.now()) - CONTACT_RETENTION
    closed_long_ago = OpinionTransition.objects.filter(
        opinion=OuterRef("pk"), to_status=OpinionStatus.CLOSED, at__lt=cutoff
    )
    return (
        Opinion.objects.filter(citizen_submission__isnull=False, status=OpinionStatus.CLOSED)
        .exclude(citizen_contact="")
        .filter(Exists(closed_long_ago))
        .update(citizen_contact="", contact_consent=False)
    )
