"""Shared plumbing of the gis_data import commands: file-reading options, progress lines,
summaries, clean errors."""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from backend.regions.models import Region
from gis_data.errors import GisDataError
from gis_data.report import ImportReport


def add_reading_arguments(parser: ArgumentParser) -> None:
    """--crs and --encoding: how to read a polygon file (import_regions, import_cells)."""
    parser.add_argument(
        "--crs",
        default=None,
        help="the file's CRS if it declares none or uses a Chinese one: "
        "EPSG:<code>, wgs84, gcj02 or bd09",
    )
    parser.add_argument(
        "--encoding",
        default=None,
        help="Shapefile text encoding (default: .cpg, else detected)",
    )


def progress_writer(command: BaseCommand) -> Callable[[str], None]:
    def write(message: str) -> None:
        command.stdout.write(f"  … {message}")
        command.stdout.flush()

    return write


def run_import(command: BaseCommand, work: Callable[[], list[ImportReport]]) -> None:
    """Run an import; print each report's summary, or fail with the reason (exit status 1)."""
    try:
        reports = work()
    except GisDataError as exc:
        raise CommandError(f"{exc.message} (nothing was written)") from exc
    for report in reports:
        command.stdout.write(command.style.SUCCESS(report.summary()))


def region_by_adcode(adcode: str) -> Region:
    region = Region.objects.filter(adcode=adcode).first()
    if region is None:
        raise GisDataError(f"no region with adcode {adcode}: import it first (import_regions)")
    return region
