"""manage.py import_cells: a region's grid cells from a polygon file."""

from gis_data.loaders import cells_import
from gis_data.management.commands._gis import (
    GisCommand,
    add_reading_arguments,
    progress_writer,
    region_by_adcode,
    run_import,
)


class Command(GisCommand):
    help = (
        "Import the grid cells (网格) of one region from a GeoJSON, Shapefile or GeoPackage "
        "file: upsert by code in one transaction; cells must lie inside the region and not "
        "overlap. Household and population columns are read when present. Prints counts, "
        "repairs and time."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .geojson/.json, .shp or .gpkg file")
        parser.add_argument(
            "--region",
            required=True,
            metavar="ADCODE",
            help="the county, township or village the cells belong to",
        )
        parser.add_argument("--code-field", default="code")
        parser.add_argument("--name-field", default="name")
        parser.add_argument("--households-field", default="households")
        parser.add_argument("--population-field", default="population")
        add_reading_arguments(parser)

    def handle(self, *args, **opts):
        def work():
            return [
                cells_import(
                    opts["file"],
                    region=region_by_adcode(opts["region"]),
                    code_field=opts["code_field"],
                    name_field=opts["name_field"],
                    households_field=opts["households_field"],
                    population_field=opts["population_field"],
                    crs=opts["crs"],
                    encoding=opts["encoding"],
                    progress=progress_writer(self),
                )
            ]

        run_import(self, work)
