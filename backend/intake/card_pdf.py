"""The printable QR card as a PDF (A6 portrait): the name, the station's duty days and the code
(`qr_card_pdf`, the one layout, is also the livelihood projects' card: backend/projects/cards.py).

reportlab sets the text with the CJK font the set-up installs (fonts-wqy-microhei, a TrueType
collection; `INTAKE_CARD_FONT` names another file). The font is embedded as a subset with its
Unicode map, so the card's text can be searched and extracted. The QR code is drawn module by
module from segno's matrix (vector, sharp at any print size). Every text from the database is
escaped before it reaches reportlab's paragraph markup.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

import segno
from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A6
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from backend.core import error_codes as codes
from backend.core.pdf_fonts import DEFAULT_CJK_FONT as DEFAULT_FONT
from backend.core.pdf_fonts import cjk_font

FONT_NAME = "IntakeCardCJK"


def card_font() -> str:
    """The registered name of the card's CJK font; intake.card_font_missing (503) without it."""
    path = str(getattr(settings, "INTAKE_CARD_FONT", "") or DEFAULT_FONT)
    return cjk_font(path, FONT_NAME, codes.INTAKE_CARD_FONT_MISSING)


class _QR(Flowable):
    """The QR code of `url`, `size` wide and high, quiet zone included."""

    def __init__(self, url: str, size: float):
        super().__init__()
        self.rows = [list(row) for row in segno.make(url, error="m", micro=False).matrix_iter()]
        self.width = self.height = size
        self.hAlign = "CENTER"

    def draw(self) -> None:
        module = self.width / len(self.rows)
        canvas = self.canv
        canvas.setFillColorRGB(0.067, 0.067, 0.067)
        for r, row in enumerate(self.rows):
            for c, dark in enumerate(row):
                if dark:
                    y = self.height - (r + 1) * module
                    canvas.rect(c * module, y, module, module, stroke=0, fill=1)


def _lines(target: dict) -> list[tuple[str, str]]:
    """(style, text) of the card above the code, in order."""
    if target["kind"] == "station":
        lines = [("kicker", _("Deputies' liaison station")), ("name", target["name"])]
        if target.get("duty_days"):
            lines.append(("body", f"{_('Deputies on duty:')} {target['duty_days']}"))
        if target.get("address"):
            lines.append(("small", target["address"]))
        return lines
    lines = [("kicker", _("People's congress deputy")), ("name", target["name"])]
    for station in target.get("stations", []):
        text = station["name"] + (f": {station['duty_days']}" if station.get("duty_days") else "")
        lines.append(("body", text))
    return lines


def card_pdf(target: dict, url: str) -> bytes:
    """The A6 card of a station or a deputy (`target` as selectors.station_public or
    deputy_public give it) whose code opens `url`."""
    notice = _(
        "Scan to speak: your opinion reaches the station, is forwarded within 24 hours"
        " and answered; you follow it and rate the answer."
    )
    return qr_card_pdf(_lines(target), url, notice=notice, name=target["name"])


def qr_card_pdf(lines: list[tuple[str, str]], url: str, *, notice: str, name: str) -> bytes:
    """An A6 QR card: `lines` ((style, text): kicker, name, body or small) above the code of
    `url`, the `notice` and the url below it; `name` titles the PDF. The one layout of every
    printable QR card (stations, deputies, the livelihood projects' calls and projects)."""
    font = card_font()

    def style(size: float, color=(0.11, 0.11, 0.12), space: float = 2) -> ParagraphStyle:
        return ParagraphStyle(
            f"s{size}",
            fontName=font,
            fontSize=size,
            leading=size * 1.3,
            alignment=TA_CENTER,
            wordWrap="CJK",
            textColor=color,
            spaceAfter=space * mm,
        )

    styles = {
        "kicker": style(11, (0.72, 0.11, 0.11), 1),
        "name": style(20, space=3),
        "body": style(10.5),
        "small": style(9, (0.33, 0.33, 0.33)),
        "url": style(6.5, (0.33, 0.33, 0.33), 0),
    }
    story: list[Flowable] = [Paragraph(escape(text), styles[kind]) for kind, text in lines]
    story += [
        Spacer(1, 2 * mm),
        _QR(url, 56 * mm),
        Spacer(1, 2 * mm),
        Paragraph(escape(notice), styles["small"]),
        Paragraph(escape(url), styles["url"]),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A6,
        leftMargin=8 * mm,
        rightMargin=8 * mm,
        topMargin=8 * mm,
        bottomMargin=6 * mm,
        title=f"{_('QR card')} · {name}",
        author="",
        creator="",
        producer="",
    )
    doc.build(story)
    return buffer.getvalue()
