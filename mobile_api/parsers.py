"""A JSON parser that refuses what Python's json module lets through.

- bare NaN, Infinity and -Infinity tokens (not JSON, though json.loads accepts them);
- bodies over MOBILE_API_MAX_BODY_BYTES (413, checked before reading the whole body);
- nesting deeper than MAX_DEPTH (also nesting deep enough to exhaust Python's recursion),
  invalid UTF-8, malformed JSON.
Each refusal is a 400/413 JSON error with a dotted code.

Strings are not inspected: "NaN" or "Infinity" as a note or a password is text. Where a number
is expected the strict fields refuse strings (`number.invalid`) and non-finite values such as
an overflowing 1e999 (`number.non_finite`), per field, so one bad record of a batch never sinks
the others.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.parsers import BaseParser

from backend.core import error_codes as codes

from .errors import ApiError, PayloadTooLarge

MAX_DEPTH = 20


class _NonFinite(ValueError):
    pass


def _reject_constant(name: str):
    raise _NonFinite(name)


def _too_deep() -> ApiError:
    return ApiError(codes.REQUEST_TOO_DEEP, _("The JSON is nested too deeply."))


def check_depth(value, limit: int = MAX_DEPTH) -> None:
    """Refuse containers nested more than `limit` levels (iterative: no recursion of ours)."""
    level = [value]
    for _depth in range(limit + 1):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return
    raise _too_deep()


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
            raise ApiError(
                codes.REQUEST_INVALID_ENCODING, _("The body must be UTF-8 JSON.")
            ) from exc
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except _NonFinite as exc:
            raise ApiError(
                codes.REQUEST_NON_FINITE_NUMBER, _("NaN and Infinity are not valid JSON numbers.")
            ) from exc
        except RecursionError as exc:
            raise _too_deep() from exc
        except ValueError as exc:
            raise ApiError(codes.REQUEST_MALFORMED_JSON, _("The body is not valid JSON.")) from exc
        check_depth(data)
        return data
