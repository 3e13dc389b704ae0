"""The docs' error tables, generated from the registry (backend.core.error_codes).

docs/api.md (phone API) and docs/api-map.md (map data API) each hold one generated block between
`<!-- error-codes:<api> -->` and `<!-- /error-codes:<api> -->`; `manage.py error_codes --write`
rewrites it and tests/backend/test_error_codes.py fails when a block differs from the registry.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

from .error_codes import REGISTRY, ErrorCode

DOCS = {"mobile": "docs/api.md", "map": "docs/api-map.md"}
FIELD_INTRO = {
    "mobile": "Field codes (inside `errors`, or per record in `visits/sync`):",
    "map": "Field codes (the top-level code, with `field` naming the field):",
}


def _row(entry: ErrorCode, api: str, *, status: bool) -> str:
    text = entry.doc_for(api).replace("|", "\\|")
    return (
        f"| `{entry.code}` | {entry.status} | {text} |"
        if status
        else f"| `{entry.code}` | {text} |"
    )


def markdown(api: str) -> str:
    """The error tables of `api` ("mobile" or "map"), in registry order, English text."""
    with translation.override("en"):
        entries = [e for e in REGISTRY.values() if api in e.apis]
        top = [_row(e, api, status=True) for e in entries if not e.field]
        field = [_row(e, api, status=False) for e in entries if e.field]
    lines = ["| code | status | when |", "|---|---|---|", *top]
    if field:
        lines += ["", FIELD_INTRO[api], "", "| code | when |", "|---|---|", *field]
    return "\n".join(lines) + "\n"


def _block(api: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- error-codes:{api} -->\n)(.*?)(<!-- /error-codes:{api} -->)", flags=re.DOTALL
    )


def doc_path(api: str) -> Path:
    return Path(settings.BASE_DIR) / DOCS[api]


def current_block(api: str) -> str | None:
    match = _block(api).search(doc_path(api).read_text(encoding="utf-8"))
    return match.group(2) if match else None


def write(api: str) -> bool:
    """Rewrite the generated block of `api`'s doc; True if it changed."""
    path = doc_path(api)
    text = path.read_text(encoding="utf-8")
    if not _block(api).search(text):
        raise ValueError(f"{path} has no <!-- error-codes:{api} --> block")
    new = _block(api).sub(lambda m: m.group(1) + markdown(api) + m.group(3), text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
