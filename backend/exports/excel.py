"""The Excel workbook of a region and year (openpyxl): one sheet per table, headers in the
active language (zh-hans in the job), numbers and dates formatted, residents' contacts masked.

Sheets: township coverage, cell coverage (the 90-day window ending today), deputies' record
and points (the year), station attendance (each month of the year up to this one), opinions
received in the year with their status (contact masked by backend.core.privacy), the
livelihood projects' funnel per township (民生实事: collected, shortlisted, voted, implemented,
satisfaction against the 90% bar) and the year's projects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from django.utils import timezone
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from backend.accounts.jurisdiction import Jurisdiction
from backend.core.privacy import mask_contact
from backend.coverage import selectors as coverage
from backend.coverage.windows import Window, window_of
from backend.liaison.models import Station
from backend.opinions.models import OpinionStatus
from backend.opinions.selectors import scoped_opinions
from backend.performance import selectors as performance
from backend.performance.items import Item
from backend.projects import selectors as projects
from backend.reporting.attendance import station_attendance


def _(text: str) -> str:
    """A header or sheet name: translated in the "export" context (see the catalog)."""
    return pgettext("export", text)


PERCENT = "0.0%"
INTEGER = "#,##0"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
COVERAGE_DAYS = 90
Progress = Callable[[int], None]


def _sheet(book: Workbook, title: str, headers: Sequence[str], formats: Sequence[str | None]):
    sheet = book.create_sheet(title=title[:31])
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for i, header in enumerate(headers, 1):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, 2 * len(header) + 4)
    return sheet, formats


def _rows(sheet: Worksheet, formats: Sequence[str | None], rows: Iterable[Sequence]) -> None:
    for row in rows:
        sheet.append(list(row))
        for cell, fmt in zip(sheet[sheet.max_row], formats, strict=False):
            if fmt is not None:
                cell.number_format = fmt


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: the Asia/Shanghai wall time."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def coverage_window() -> Window:
    """The 90-day window ending today (never rolls the clock)."""
    today = timezone.localdate()
    return window_of(COVERAGE_DAYS, today=today, clock_day=coverage.coverage_clock_day(today=today))


def _coverage(book: Workbook, jurisdiction: Jurisdiction) -> None:
    window = coverage_window()
    sheet, fmt = _sheet(
        book,
        _("Township coverage"),
        [_("Adcode"), _("Township"), _("Cells"), _("Covered"), _("Stale"), _("Never visited"),
         _("Households"), _("Households visited"), _("Visits"), _("Cells covered (%)")],
        [None, None, INTEGER, INTEGER, INTEGER, INTEGER, INTEGER, INTEGER, INTEGER, PERCENT],
    )  # fmt: skip
    rollup = coverage.coverage_rollup(jurisdiction=jurisdiction, window=window, level="township")
    _rows(sheet, fmt, (
        (r["adcode"], r["name"] or "", r["cells"], r["covered"], r["stale"], r["never"],
         r["households"], r["households_visited"], r["visits"], (r["coverage_pct"] or 0) / 100)
        for r in rollup
    ))  # fmt: skip
    sheet, fmt = _sheet(
        book,
        _("Cell coverage"),
        [_("Cell code"), _("Cell"), _("Adcode"), _("Households"), _("Households visited"),
         _("Visits"), _("Last visit"), _("State"), _("Coverage")],
        [None, None, None, INTEGER, INTEGER, INTEGER, DATETIME, None, PERCENT],
    )  # fmt: skip
    cells = coverage.coverage_by_cell(jurisdiction=jurisdiction, window=window)
    _rows(sheet, fmt, (
        (c["code"], c["name"], c["adcode"], c["households"], c["households_visited"],
         c["visits"], _local(c["last_visit"]), _state(c["state"]), c["coverage_ratio"])
        for c in cells
    ))  # fmt: skip


def _state(state: str) -> str:
    return {"covered": _("covered"), "stale": _("stale"), "never": _("never visited")}.get(
        state, state
    )


def _records(book: Workbook, jurisdiction: Jurisdiction, year: int) -> None:
    items = [Item.HOUSEHOLDS, Item.SPEECH, Item.SUGGESTION, Item.WELFARE, Item.GROUP_ACTIVITY]
    sheet, fmt = _sheet(
        book,
        _("Deputies' record"),
        [_("Rank"), _("Deputy"), _("Adcode"), _("Points"), _("Targets met"), _("Targets"),
         _("Completion"), *[str(i.label) for i in items]],
        [INTEGER, None, None, INTEGER, INTEGER, INTEGER, PERCENT, *[INTEGER] * len(items)],
    )  # fmt: skip
    league = performance.record_league(jurisdiction=jurisdiction, year=year)
    _rows(sheet, fmt, (
        (r["rank"], r["deputy"]["name"], r["deputy"]["adcode"], r["points"], r["targets_met"],
         r["targets"], r["completion"], *[r["record"].get(i.value, 0) for i in items])
        for r in league
    ))  # fmt: skip


def _attendance(book: Workbook, jurisdiction: Jurisdiction, year: int) -> None:
    sheet, fmt = _sheet(
        book,
        _("Station attendance"),
        [_("Station"), _("Month"), _("Deputy"), _("Present"), _("Absent"), _("Attendance")],
        [None, None, None, INTEGER, INTEGER, PERCENT],
    )
    today = timezone.localdate()
    last_month = 12 if year < today.year else today.month
    stations = jurisdiction.filter(Station.objects.order_by("adcode", "name", "id"))
    for station in stations.only("id"):
        for month in range(1, last_month + 1):
            answer = station_attendance(
                jurisdiction=jurisdiction, station_id=station.id, month=dt.date(year, month, 1)
            )
            for d in answer["deputies"]:
                counted = d["present"] + d["absent"]
                rate = d["present"] / counted if counted else None
                _rows(sheet, fmt, [(answer["station"]["name"], answer["month"], d["name"],
                                    d["present"], d["absent"], rate)])  # fmt: skip


def _opinions(book: Workbook, jurisdiction: Jurisdiction, year: int) -> None:
    sheet, fmt = _sheet(
        book,
        _("Opinions"),
        [_("Number"), _("Recorded at"), _("Category"), _("Status"), _("Text"), _("Due at"),
         _("Contact (masked)")],
        [None, DATETIME, None, None, None, DATETIME, None],
    )  # fmt: skip
    start, end = performance.year_span(year)
    rows = scoped_opinions(jurisdiction).filter(
        recorded_at__date__gte=start, recorded_at__date__lte=end
    )
    labels = dict(OpinionStatus.choices)
    _rows(sheet, fmt, (
        (o.id, _local(o.recorded_at), o.get_category_display(), str(labels[o.status]), o.text,
         _local(o.due_at), mask_contact(o.citizen_contact))
        for o in rows.order_by("recorded_at", "id").iterator()
    ))  # fmt: skip


def _projects(book: Workbook, jurisdiction: Jurisdiction, year: int) -> None:
    sheet, fmt = _sheet(
        book,
        _("Livelihood projects"),
        [_("Adcode"), _("Township"), _("Calls"), _("Proposals collected"), _("Shortlisted"),
         _("Voted"), _("Implemented"), _("Evaluations"), _("Satisfied"), _("Satisfaction"),
         _("Meets the 90% bar")],
        [None, None, INTEGER, INTEGER, INTEGER, INTEGER, INTEGER, INTEGER, INTEGER, PERCENT,
         None],
    )  # fmt: skip
    rows = projects.township_funnel(jurisdiction=jurisdiction, year=year)
    _rows(sheet, fmt, (
        (r["adcode"], r["name"], r["calls"], *[r["funnel"][k] for k in projects.FUNNEL],
         r["satisfaction"]["evaluations"], r["satisfaction"]["satisfied"],
         _ratio(r["satisfaction"]["pct"]), _yes_no(r["satisfaction"]["meets_bar"]))
        for r in rows
    ))  # fmt: skip
    sheet, fmt = _sheet(
        book,
        _("Livelihood project list"),
        [_("Project"), _("Township"), _("Project status"), _("Responsible department"),
         _("Budget (yuan)"), _("Progress"), _("Supervision visits"), _("Satisfaction"),
         _("Latest update")],
        [None, None, None, None, INTEGER, PERCENT, INTEGER, PERCENT, DATE],
    )  # fmt: skip
    labels = {
        "candidate": _("ballot candidate"), "chosen": _("chosen"),
        "in_progress": _("in progress"), "done": _("done"), "evaluated": _("evaluated"),
    }  # fmt: skip
    _rows(sheet, fmt, (
        (p.title, p.township, labels[projects.map_status(p)], p.department, p.budget_yuan,
         p.progress_pct / 100, p.supervision_count, _ratio(projects.satisfaction_pct(p)),
         _local_date(p.last_update_at))
        for p in projects.project_list(jurisdiction=jurisdiction, year=year)
    ))  # fmt: skip


def _ratio(pct: float | None) -> float | None:
    return None if pct is None else round(pct / 100, 4)


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else _("yes") if value else _("no")


def _local_date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value else None


def write_workbook(
    path: Path, *, jurisdiction: Jurisdiction, year: int, progress: Progress
) -> None:
    """Write the region's workbook to `path`, calling `progress(percent)` after each table."""
    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    steps = (
        lambda: _coverage(book, jurisdiction),
        lambda: _records(book, jurisdiction, year),
        lambda: _attendance(book, jurisdiction, year),
        lambda: _opinions(book, jurisdiction, year),
        lambda: _projects(book, jurisdiction, year),
    )
    for i, step in enumerate(steps, 1):
        step()
        progress(90 * i // len(steps))
    book.save(path)
