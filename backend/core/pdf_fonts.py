"""The CJK font of the product's PDFs (the citizen's QR card, the exports' reports): registered
with reportlab once per file and name prefix, the first face of a TrueType collection, embedded
as a subset. A missing or unreadable file is the caller's DomainError (its own code)."""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from backend.core.error_codes import ErrorCode
from backend.core.errors import DomainError

DEFAULT_CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
_lock = threading.Lock()
_registered: dict[tuple[str, str], str] = {}  # (prefix, font path) → its registered name


def cjk_font(path: str, prefix: str, missing: ErrorCode) -> str:
    """The registered name (`prefix` + a number) of the font at `path`; `missing` without it."""
    with _lock:
        if (prefix, path) in _registered:
            return _registered[(prefix, path)]
        if not Path(path).is_file():
            raise DomainError(missing, font=path)
        name = f"{prefix}{len(_registered)}"
        try:
            font = TTFont(name, path, subfontIndex=0)  # the first face of a collection
        except Exception:  # not a TrueType file reportlab can embed
            raise DomainError(missing, font=path) from None
        pdfmetrics.registerFont(font)
        _registered[(prefix, path)] = name
        return name
