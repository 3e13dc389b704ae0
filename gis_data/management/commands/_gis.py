"""Shared plumbing of the gis_data import commands: progress lines, summaries, clean errors."""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from backend.regions.models import Region
from gis_data.errors import GisDataError
from gis_data.report import ImportReport


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
