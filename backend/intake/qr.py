"""QR codes of the intake pages (segno: pure Python, SVG out, no image library)."""

from __future__ import annotations

import segno


def qr_svg(url: str, *, scale: int = 6) -> str:
    """An inline <svg> of the QR code for `url` (error correction M, quiet zone 4 modules)."""
    qr = segno.make(url, error="m", micro=False)
    return qr.svg_inline(scale=scale, dark="#111", light="#fff", omitsize=False)
