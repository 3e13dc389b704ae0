"""JSON request bodies and their text fields, read defensively (the map data API's POSTs and the
public intake's submit and rate endpoints; the phone API parses through DRF, mobile_api.parsers).

Whatever arrives (a body over the limit, nesting deep enough to exhaust Python's recursion
limit, invalid UTF-8, a JSON value that is not an object, NUL or lone surrogates in a text
field) is a 4xx DomainError with a registered code, never a 500:
- over `max_bytes` (the declared length, checked before the body is read) or over
  DATA_UPLOAD_MAX_MEMORY_SIZE: `request.too_large` (413);
- not JSON, or not a JSON object: `request.malformed_json` (400); an empty body is `{}`;
- a text field that is not text: the caller's code (absent or null is "", unless required);
  with NUL or a lone surrogate: `string.invalid_character`; longer than `max_length`: the
  caller's `too_long` code.
Callers check the caller's role before reading the body, so whoever may not write learns
nothing from how their body is parsed.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext as _

from . import error_codes as codes
from .error_codes import ErrorCode
from .errors import DomainError
from .text import is_storable_text


def _declared_length(request: HttpRequest) -> int | None:
    """CONTENT_LENGTH as a number (None when absent or not a number)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


def json_body(request: HttpRequest, *, max_bytes: int | None = None) -> dict:
    """The request body as a JSON object (an empty body is {})."""
    if max_bytes is not None:
        length = _declared_length(request)
        if length is None or length > max_bytes:
            raise DomainError(codes.REQUEST_TOO_LARGE, _("The body is too large."))
    try:
        raw = request.body
    except RequestDataTooBig:
        raise DomainError(codes.REQUEST_TOO_LARGE, _("The body is too large.")) from None
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise DomainError(codes.REQUEST_MALFORMED_JSON, _("The body must be JSON.")) from None
    if not isinstance(body, dict):
        raise DomainError(codes.REQUEST_MALFORMED_JSON, _("The body must be a JSON object."))
    return body


def text_field(
    body: dict,
    name: str,
    *,
    invalid: ErrorCode,
    required: bool = False,
    max_length: int | None = None,
    too_long: ErrorCode = codes.FIELD_MAX_LENGTH,
    **error_details,
) -> str:
    """`body[name]` as storable text of at most `max_length` characters.

    Absent or null is "" unless `required`; anything else but a string is `invalid`, raised
    with `error_details` (e.g. field=name).
    """
    value = body.get(name)
    if value is None and not required:
        value = ""
    if not isinstance(value, str):
        raise DomainError(invalid, _("%(name)s must be text.") % {"name": name}, **error_details)
    if not is_storable_text(value):
        raise DomainError(
            codes.STRING_INVALID_CHARACTER,
            _("%(name)s contains a NUL character or a lone surrogate.") % {"name": name},
            field=name,
        )
    if max_length is not None and len(value) > max_length:
        raise DomainError(
            too_long,
            _("%(name)s may have at most %(n)s characters.") % {"name": name, "n": max_length},
            field=name,
        )
    return value


# The years a day field of the map API accepts (calls, ballots, campaigns).
DAY_YEARS = (2000, 2100)


def day_value(raw: object) -> dt.date | None:
    """`raw` as a day if it is exactly "YYYY-MM-DD" with a year in DAY_YEARS; None otherwise
    (the caller raises its own invalid-field code)."""
    if not (isinstance(raw, str) and len(raw) == 10 and raw.isascii()):
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return day if DAY_YEARS[0] <= day.year <= DAY_YEARS[1] else None
