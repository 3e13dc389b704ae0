"""Shared plumbing of the gis_data commands: the --lang option, file-reading options, progress
lines, summaries, clean errors.

Output is in the active language. Django 5.2 runs commands with settings.LANGUAGE_CODE
(zh-hans) active, so they print Chinese; `--lang en` prints English.
"""

from __future__ import annotations

import contextlib
from argparse import ArgumentParser
from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext

from backend.regions.models import Region
from gis_data.errors import GisDataError
from gis_data.i18n import lazy_message as _
from gis_data.report import ImportReport


class GisCommand(BaseCommand):
    """A command with `--lang`: the language of its messages (default: the active one)."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--lang",
            choices=[code for code, _name in settings.LANGUAGES],
            default=None,
            help=f"language of the output (default: {settings.LANGUAGE_CODE})",
        )
        return parser

    def execute(self, *args, **options):
        language = options.get("lang")
        # No --lang: leave the active language alone (LANGUAGE_CODE, or a caller's override).
        with translation.override(language) if language else contextlib.nullcontext():
            return super().execute(*args, **options)


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
        raise CommandError(
            gettext("%(error)s (nothing was written)") % {"error": exc.message}
        ) from exc
    for report in reports:
        command.stdout.write(command.style.SUCCESS(report.summary()))


def region_by_adcode(adcode: str) -> Region:
    region = Region.objects.filter(adcode=adcode).first()
    if region is None:
        raise GisDataError(
            _("no region with adcode %(adcode)s: import it first (import_regions)", adcode=adcode)
        )
    return region
