"""Text that can be stored and sent back: no NUL, no lone UTF-16 surrogates.

JSON's `\\u0000` and `\\ud800` escapes decode to Python strings that PostgreSQL refuses (NUL in a
text value) or that cannot be encoded to UTF-8 (a lone surrogate): both sides of the API refuse
such text at the edge, as a field error, instead of failing deep inside a query or a response.
"""

from __future__ import annotations

import re

from .error_codes import STRING_INVALID_CHARACTER

# NUL, and any surrogate code point: a valid pair never reaches Python as two code points.
_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")

INVALID_CHARACTER_CODE = STRING_INVALID_CHARACTER.code


def is_storable_text(value: str) -> bool:
    """True unless `value` holds a NUL or a lone surrogate."""
    return _UNSTORABLE_RE.search(value) is None
