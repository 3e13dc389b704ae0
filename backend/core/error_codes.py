"""The one registry of error codes: every code the product can answer with is declared here.

A code is a constant (`REGION_NOT_FOUND`), never an f-string: grep finds every use, and the
docs tables (docs/api.md, docs/map-api.md) are generated from this module
(`manage.py error_codes --markdown`). Raise `DomainError(codes.X)` or `NotFound(codes.X)`;
a code carries its HTTP status and its default message (zh-hans via gettext).

New apps add their section below (keep sections in app order and codes sorted).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

REGISTRY: dict[str, ErrorCode] = {}


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: str
    status: int
    message: Promise | str

    def __str__(self) -> str:
        return self.code


def register(code: str, status: int, message: Promise | str) -> ErrorCode:
    if code in REGISTRY:
        raise ValueError(f"error code {code!r} is registered twice")
    entry = ErrorCode(code, status, message)
    REGISTRY[code] = entry
    return entry


# --- request and auth (both APIs) ---
REQUEST_INVALID = register("request.invalid", 400, _("The request is invalid."))
REQUEST_NOT_FOUND = register("request.not_found", 404, _("Not found."))
AUTH_REQUIRED = register("auth.required", 401, _("Authentication is required."))
AUTH_FORBIDDEN = register("auth.forbidden", 403, _("You may not do this."))
REGION_NOT_FOUND = register("region.not_found", 404, _("No such region in your jurisdiction."))

# --- intake (citizens' QR page 上码说 and tracking page; public, no login) ---
INTAKE_CAPTCHA_FAILED = register(
    "intake.captcha_failed", 400, _("The characters in the picture do not match: try again.")
)
INTAKE_CONSENT_REQUIRED = register(
    "intake.consent_required", 400, _("Tick the consent box to leave a phone number.")
)
INTAKE_INVALID_LOCATION = register(
    "intake.invalid_location", 400, _("The location must be a longitude and a latitude.")
)
INTAKE_INVALID_RATING = register(
    "intake.invalid_rating", 400, _("The rating must be a whole number from 1 to 5.")
)
INTAKE_NOT_FOUND = register("intake.not_found", 404, _("No such code."))
INTAKE_NOT_RATEABLE = register(
    "intake.not_rateable", 409, _("This opinion has no answer to rate right now.")
)
INTAKE_RATE_LIMITED = register(
    "intake.rate_limited", 429, _("Too many submissions: please try again later.")
)
INTAKE_TEXT_REQUIRED = register("intake.text_required", 400, _("Write your opinion."))
INTAKE_TOO_LARGE = register("intake.too_large", 413, _("The request is too large."))
