"""A JSON parser that refuses what Python's json module lets through.

- NaN, Infinity and -Infinity (bare, which json.loads accepts, or inside strings);
- bodies over MOBILE_API_MAX_BODY_BYTES (413, checked before reading the whole body);
- nesting deeper than MAX_DEPTH, invalid UTF-8, malformed JSON.
Each refusal is a 400/413 JSON error with a dotted code.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.parsers import BaseParser

from .errors import ApiError, PayloadTooLarge

MAX_DEPTH = 20
_NON_FINITE_RE = re.compile(r"^\s*[+-]?(nan|inf|infinity)\s*$", re.I)


class _NonFinite(ValueError):
    pass


def _reject_constant(name: str):
    raise _NonFinite(name)


def find_non_finite(value, path: str = "", depth: int = 0) -> str | None:
    """Path of the first string spelling NaN/Infinity (or "" for the root), else None."""
    if depth > MAX_DEPTH:
        raise ApiError("request.too_deep", _("The JSON is nested too deeply."))
    if isinstance(value, str):
        return path or "$" if _NON_FINITE_RE.match(value) else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = find_non_finite(item, f"{path}.{key}" if path else str(key), depth + 1)
        if found:
            return found
    return None


class StrictJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.MOBILE_API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ApiError("request.invalid_encoding", _("The body must be UTF-8 JSON.")) from exc
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except _NonFinite as exc:
            raise ApiError(
                "request.non_finite_number", _("NaN and Infinity are not valid JSON numbers.")
            ) from exc
        except (ValueError, RecursionError) as exc:
            raise ApiError("request.malformed_json", _("The body is not valid JSON.")) from exc
        path = find_non_finite(data)
        if path:
            raise ApiError(
                "request.non_finite_number",
                _("NaN and Infinity are not accepted, not even as strings."),
                errors={
                    path: {
                        "code": "request.non_finite_number",
                        "message": str(_("NaN/Infinity is not accepted.")),
                    }
                },
            )
        return data
