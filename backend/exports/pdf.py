"""The PDF reports (reportlab, A4, Chinese text, page numbers): a deputy's yearly report for
述职 (kind deputy_pdf) and a county's or township's coverage report (kind coverage_pdf).

The CJK font is fonts-wqy-microhei (`EXPORTS_PDF_FONT` names another file), embedded as a subset
with its Unicode map, so the text can be searched and extracted; without it the job fails with
export.pdf_font_missing. The maps are drawn as vector polygons (reportlab.graphics) from the
cells' geometries, coloured by coverage state: no tile server. Every text from the database is
escaped before it reaches reportlab's paragraph markup.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from math import cos, radians
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import pgettext
from reportlab.graphics.shapes import Drawing, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.pdf_fonts import DEFAULT_CJK_FONT as DEFAULT_FONT
from backend.core.pdf_fonts import cjk_font
from backend.coverage import selectors as coverage
from backend.coverage.bands import league_order
from backend.grid.models import AssignmentStatus, GridAssignment
from backend.liaison.models import Deputy
from backend.performance import selectors as performance
from backend.performance.items import Category, Item
from backend.regions.models import Region
from backend.reporting.attendance import deputy_year_attendance

from .excel import COVERAGE_DAYS, coverage_window

FONT_NAME = "ExportReportCJK"
LINES_SHOWN = 20
STATE_COLOURS = {"covered": "#2f9e44", "stale": "#f59f00", "never": "#e03131"}  # common.js
BAND_COLOURS = {"met": "#2f9e44", "behind": "#f59f00", "low": "#e03131"}
Progress = Callable[[int], None]


def _(text: str) -> str:
    """A report's text: translated in the "export" context (see the catalog)."""
    return pgettext("export", text)


def report_font() -> str:
    """The registered name of the reports' CJK font; export.pdf_font_missing without it."""
    path = str(getattr(settings, "EXPORTS_PDF_FONT", "") or DEFAULT_FONT)
    return cjk_font(path, FONT_NAME, codes.EXPORT_PDF_FONT_MISSING)


class _Styles:
    def __init__(self, font: str):
        def style(size: float, space: float = 1.5, color=(0.11, 0.11, 0.12)) -> ParagraphStyle:
            return ParagraphStyle(
                f"r{size}",
                fontName=font,
                fontSize=size,
                leading=size * 1.35,
                wordWrap="CJK",
                textColor=color,
                spaceAfter=space * mm,
            )

        self.font = font
        self.title = style(18, 3)
        self.h2 = style(13, 2, (0.72, 0.11, 0.11))
        self.body = style(10)
        self.small = style(8.5, 1, (0.33, 0.33, 0.33))


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _table(styles: _Styles, header: list[str], rows: Iterable[list], widths=None) -> Table:
    data = [[_p(h, styles.small) for h in header]]
    data += [[_p("" if v is None else v, styles.body) for v in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f3f5")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#ced4da")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _rings(geometry: dict) -> list[list]:
    """The outer rings of a GeoJSON polygon or multipolygon."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    return []


def cell_map(cells: list[dict], styles: _Styles, width: float, height: float) -> Drawing:
    """The cells (coverage_by_cell rows with geometry) as polygons coloured by state, with a
    legend of the states and their counts below."""
    legend_h = 8 * mm
    drawing = Drawing(width, height + legend_h)
    drawing.add(
        Rect(0, legend_h, width, height, fillColor=colors.HexColor("#f8f9fa"), strokeWidth=0)
    )
    shapes = [(_rings(json.loads(c["geometry"])), c["state"]) for c in cells if c.get("geometry")]
    points = [pt for rings, _state in shapes for ring in rings for pt in ring]
    if points:
        west, east = min(p[0] for p in points), max(p[0] for p in points)
        south, north = min(p[1] for p in points), max(p[1] for p in points)
        squeeze = cos(radians((south + north) / 2))  # metres per degree of longitude
        span_x, span_y = max((east - west) * squeeze, 1e-9), max(north - south, 1e-9)
        pad = 4 * mm
        scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
        left = (width - span_x * scale) / 2
        bottom = legend_h + (height - span_y * scale) / 2
        for rings, state in shapes:
            fill = colors.HexColor(STATE_COLOURS.get(state, "#adb5bd"))
            for ring in rings:
                flat: list[float] = []
                for lon, lat, *_rest in ring:
                    flat += [left + (lon - west) * squeeze * scale, bottom + (lat - south) * scale]
                drawing.add(
                    Polygon(flat, fillColor=fill, strokeColor=colors.white, strokeWidth=0.5)
                )
    else:
        drawing.add(
            String(width / 2, legend_h + height / 2, _("No cells"), fontName=styles.font,
                   fontSize=10, textAnchor="middle")
        )  # fmt: skip
    counts = {s: sum(1 for c in cells if c["state"] == s) for s in STATE_COLOURS}
    x = 0.0
    for state, colour in STATE_COLOURS.items():
        drawing.add(
            Rect(x, 2 * mm, 4 * mm, 4 * mm, fillColor=colors.HexColor(colour), strokeWidth=0)
        )
        label = f"{_state(state)} {counts[state]}"
        drawing.add(String(x + 5.5 * mm, 2.8 * mm, label, fontName=styles.font, fontSize=9))
        x += 38 * mm
    return drawing


def _state(state: str) -> str:
    return {"covered": _("covered"), "stale": _("stale"), "never": _("never visited")}[state]


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _build(path: Path, story: list[Flowable], styles: _Styles, title: str) -> None:
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(styles.font, 8.5)
        canvas.setFillColorRGB(0.4, 0.4, 0.4)
        page = _("Page %(page)s") % {"page": canvas.getPageNumber()}
        canvas.drawCentredString(A4[0] / 2, 10 * mm, page)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, stamp)
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="",
        creator="",
        producer="",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)


def _yes_no(value: bool | None) -> str:
    return "—" if value is None else (_("yes") if value else _("no"))


def write_deputy_pdf(
    path: Path, *, jurisdiction: Jurisdiction, deputy: Deputy, year: int, progress: Progress
) -> None:
    """A deputy's year (the caller has reached `deputy` with access_deputy_record_by_id)."""
    styles = _Styles(report_font())
    record = performance.deputy_record(deputy=deputy, year=year)
    progress(30)
    attendance = deputy_year_attendance(deputy=deputy, year=year)
    progress(50)
    title = _("%(year)s yearly report of deputy %(name)s") % {"year": year, "name": deputy.name}
    story: list[Flowable] = [_p(title, styles.title)]
    mandates = deputy.mandates.select_related("congress_region").order_by("level", "id")
    for m in mandates:
        text = _("%(congress)s %(level)s congress, term %(term)s (%(status)s)") % {
            "congress": m.congress_region.name,
            "level": m.get_level_display(),
            "term": m.term_number,
            "status": m.get_status_display(),
        }
        story.append(_p(text, styles.body))
    stations = "、".join(s.name for s in deputy.stations.order_by("name")) or "—"
    story.append(_p(_("Stations: %(names)s") % {"names": stations}, styles.body))
    story.append(_p(_("Home region: %(name)s") % {"name": deputy.region.name}, styles.body))

    story.append(_p(_("Record against the targets"), styles.h2))
    story.append(
        _table(
            styles,
            [_("Item"), _("Verified"), _("Pending"), _("Target"), _("Met")],
            ([r["label"], r["verified"], r["pending"], r["target"] if r["target"] is not None
              else "—", _yes_no(r["met"])] for r in record["record"]),
            widths=[70 * mm, 24 * mm, 24 * mm, 24 * mm, 24 * mm],
        )
    )  # fmt: skip

    points = record["points"]
    story.append(_p(_("Points"), styles.h2))
    story.append(_p(_("Total: %(points)s points") % {"points": points["total"]}, styles.body))
    story.append(
        _table(
            styles,
            [_("Category"), _("Points")],
            ([str(Category(c).label), points["by_category"].get(c, 0)] for c in Category.values),
            widths=[70 * mm, 30 * mm],
        )
    )
    lines = points["lines"]
    if lines:
        story.append(Spacer(1, 2 * mm))
        story.append(
            _table(
                styles,
                [_("Date"), _("Item"), _("What"), _("Points")],
                ([ln["day"], str(Item(ln["item"]).label), ln["label"],
                  ln["points"]] for ln in lines[:LINES_SHOWN]),
                widths=[24 * mm, 40 * mm, 86 * mm, 20 * mm],
            )
        )  # fmt: skip
        if len(lines) > LINES_SHOWN:
            more = _("and %(count)s more lines") % {"count": len(lines) - LINES_SHOWN}
            story.append(_p(more, styles.small))
    progress(70)

    story.append(_p(_("Duty attendance"), styles.h2))
    story.append(
        _table(
            styles,
            [_("Scheduled"), _("Present"), _("Excused"), _("Absent"), _("Rate")],
            [[attendance["scheduled"], attendance["present"], attendance["excused"],
              attendance["absent"], _percent(None if attendance["rate"] is None
                                             else 100 * attendance["rate"])]],
        )
    )  # fmt: skip

    cell_ids = list(
        GridAssignment.objects.filter(deputy=deputy, status=AssignmentStatus.ACTIVE).values_list(
            "cell_id", flat=True
        )
    )
    cells = coverage.coverage_by_cell(
        jurisdiction=jurisdiction, window=coverage_window(), cell_ids=cell_ids, geometry=True
    )
    story.append(
        KeepTogether(
            [
                _p(_("Assigned cells"), styles.h2),
                _p(_("Coverage in the last %(days)s days") % {"days": COVERAGE_DAYS}, styles.small),
                cell_map(cells, styles, 174 * mm, 90 * mm),
            ]
        )
    )
    progress(85)
    _build(path, story, styles, title)


def write_coverage_pdf(
    path: Path,
    *,
    jurisdiction: Jurisdiction,
    region: Region,
    requester_scope: Jurisdiction,
    year: int,
    progress: Progress,
) -> None:
    """The coverage of `region` (a county or township inside the jurisdiction) in the 90-day
    window ending today: totals, the township league, the map of its cells."""
    styles = _Styles(report_font())
    window = coverage_window()
    stats = coverage.region_stats(jurisdiction=jurisdiction, region=region, window=window)
    progress(30)
    rollup = coverage.coverage_rollup(jurisdiction=jurisdiction, window=window, level="township")
    league = league_order(rollup)
    progress(50)
    title = _("Coverage report of %(region)s") % {"region": region.name}
    scope_name = "—"
    if requester_scope.prefix:
        own = Region.objects.filter(adcode=requester_scope.prefix).first()
        scope_name = own.name if own else requester_scope.prefix
    else:
        scope_name = _("all regions")
    today = timezone.localdate()
    story: list[Flowable] = [
        _p(title, styles.title),
        _p(
            _("Window: the %(days)s days up to %(today)s (year %(year)s)")
            % {"days": COVERAGE_DAYS, "today": today.isoformat(), "year": year},
            styles.body,
        ),
        _p(_("Date: %(date)s (Asia/Shanghai)") % {"date": today.isoformat()}, styles.body),
        _p(_("Jurisdiction: %(name)s") % {"name": scope_name}, styles.body),
        _p(_("Totals"), styles.h2),
        _table(
            styles,
            [_("Cells"), _("Covered"), _("Cells covered (%)"), _("Households visited"),
             _("Household target")],
            [[stats["cells"], stats["covered"], _percent(stats["coverage_pct"]),
              stats["households_visited"], stats["target_households"]]],
        ),
        _p(_("Township league"), styles.h2),
    ]  # fmt: skip
    rows = [[r["rank"], r["name"] or r["adcode"], _percent(r["coverage_pct"]), ""] for r in league]
    table = _table(
        styles,
        [_("Rank"), _("Township"), _("Cells covered (%)"), _("Band")],
        rows,
        widths=[16 * mm, 80 * mm, 40 * mm, 20 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (3, i), (3, i), colors.HexColor(BAND_COLOURS[r["band"]]))
                for i, r in enumerate(league, start=1)
            ]
        )
    )
    story.append(table)
    story.append(_p(_("Band: green at least 90%, amber 60–90%, red below 60%"), styles.small))
    progress(65)
    cells = coverage.coverage_by_cell(
        jurisdiction=jurisdiction.within(region.adcode), window=window, geometry=True
    )
    story.append(
        KeepTogether(
            [_p(_("Map of the cells"), styles.h2), cell_map(cells, styles, 174 * mm, 110 * mm)]
        )
    )
    progress(85)
    _build(path, story, styles, title)
