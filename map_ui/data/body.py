"""The map API's body text fields: the code for a field that is not text, per field name (no
f-string codes). Reading the body is backend.core.body (shared with the public intake)."""

from __future__ import annotations

from backend.core import body as core_body
from backend.core import error_codes as codes
from backend.core.error_codes import ErrorCode

NOT_TEXT: dict[str, ErrorCode] = {
    "action": codes.MAP_INVALID_ACTION,
    "answer": codes.MAP_INVALID_ANSWER,
    "handler": codes.MAP_INVALID_HANDLER,
    "note": codes.MAP_INVALID_NOTE,
    "reason": codes.MAP_INVALID_REASON,
}


def text_field(body: dict, name: str, *, required: bool = False, **error_details) -> str:
    """`body[name]` as storable text, refused with the map's code for `name`."""
    return core_body.text_field(
        body, name, invalid=NOT_TEXT[name], required=required, **error_details
    )
