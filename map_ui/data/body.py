"""The JSON body of the map API's two POST endpoints, read defensively.

Whatever arrives (nesting deep enough to exhaust Python's recursion limit, invalid UTF-8, a body
over DATA_UPLOAD_MAX_MEMORY_SIZE, NUL or lone surrogates in a text field) is a 4xx JSON error
with a stable code, never a 500. The views check the caller's role before calling `json_body`,
so a caller who may not write learns nothing from how their body is parsed.
"""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext as _

from backend.core import error_codes as codes
from backend.core.error_codes import ErrorCode
from backend.core.errors import DomainError
from backend.core.text import is_storable_text

# The code for a text field that is not text, per field name (no f-string codes).
NOT_TEXT: dict[str, ErrorCode] = {
    "action": codes.MAP_INVALID_ACTION,
    "answer": codes.MAP_INVALID_ANSWER,
    "handler": codes.MAP_INVALID_HANDLER,
    "note": codes.MAP_INVALID_NOTE,
    "reason": codes.MAP_INVALID_REASON,
}


def json_body(request: HttpRequest) -> dict:
    """The request body as a JSON object (an empty body is {})."""
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


def text_field(body: dict, name: str, *, required: bool = False, **error_details) -> str:
    """`body[name]` as storable text ("" when absent and not required)."""
    value = body.get(name) if required else body.get(name, "")
    if not isinstance(value, str):
        raise DomainError(
            NOT_TEXT[name], _("%(name)s must be text.") % {"name": name}, **error_details
        )
    if not is_storable_text(value):
        raise DomainError(
            codes.STRING_INVALID_CHARACTER,
            _("%(name)s contains a NUL character or a lone surrogate.") % {"name": name},
            field=name,
        )
    return value
