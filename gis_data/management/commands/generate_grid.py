"""manage.py generate_grid: square or H3 grid cells inside regions."""

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext

from gis_data.loaders import cells_generate
from gis_data.management.commands._gis import (
    GisCommand,
    progress_writer,
    region_by_adcode,
    run_import,
)


class Command(GisCommand):
    help = (
        "Generate grid cells (网格) inside one or more regions: squares of --size-m metres or "
        "H3 hexagons at --resolution, computed in the local CGCS2000 Gauss-Krueger zone and "
        "clipped to the boundary. Codes are stable, so re-running updates cells in place. "
        "All regions in one transaction. Prints counts and time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--region",
            required=True,
            nargs="+",
            metavar="ADCODE",
            help="county, township or village adcodes",
        )
        parser.add_argument("--method", choices=["square", "hex"], default="square")
        parser.add_argument(
            "--size-m", type=float, default=None, help="square cell size in metres (square method)"
        )
        parser.add_argument(
            "--resolution",
            type=int,
            default=None,
            help="H3 resolution 0-15 (hex method; 8 is ~0.74 km²)",
        )

    def handle(self, *args, **opts):
        if opts["method"] == "square" and opts["size_m"] is None:
            raise CommandError(gettext("--method square needs --size-m"))
        if opts["method"] == "hex" and opts["resolution"] is None:
            raise CommandError(gettext("--method hex needs --resolution"))
        progress = progress_writer(self)

        def work():
            with transaction.atomic():
                return [
                    cells_generate(
                        region=region_by_adcode(adcode),
                        method=opts["method"],
                        cell_size_m=opts["size_m"],
                        resolution=opts["resolution"],
                        progress=progress,
                    )
                    for adcode in opts["region"]
                ]

        run_import(self, work)
