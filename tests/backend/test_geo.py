"""backend/core/geo.py is the one home of SRIDs and of the display simplification rule."""

import io
import re
import tokenize
from pathlib import Path

import pytest

from backend.core import geo

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ("backend", "gis_data", "map_ui", "mobile_api")
SRID_LITERAL = re.compile(r"\b(4326|3857|4490|45[3-5]\d)\b")


def _code_tokens(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every token but comments: SQL lives in the strings."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return [(t.start[0], t.string) for t in tokens if t.type != tokenize.COMMENT]


def test_srid_literals_only_in_core_geo():
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in PRODUCTION
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts and path != ROOT / "backend/core/geo.py"
        for line, text in _code_tokens(path)
        if SRID_LITERAL.search(text)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("lon", "srid"), [(60.0, 4534), (75.0, 4534), (113.0, 4547), (140.0, 4554)]
)
def test_one_gauss_krueger_zone_picker(lon, srid):
    from gis_data import grid

    assert geo.metric_srid_for_lon(lon) == srid
    assert not hasattr(grid, "metric_epsg_for_lon")  # gis_data uses core.geo's picker


def test_the_display_rule_is_in_metres_and_the_trigger_uses_it():
    assert geo.display_tolerance_m("region") == 20.0
    assert geo.display_tolerance_m("cell") == 3.0
    assert geo.display_tolerance_deg("cell") == pytest.approx(3.0 / 111_320)
    sql = (ROOT / "backend/grid/sql/grid_display_boundary.sql").read_text(encoding="utf-8")
    metres, per_degree = re.search(
        r"ST_SimplifyPreserveTopology\(boundary, ([\d.]+) / ([\d.]+)\)", sql
    ).groups()
    assert float(metres) == geo.display_tolerance_m("cell")
    assert float(per_degree) == geo.METRES_PER_DEGREE


def test_one_list_of_input_crs():
    from gis_data.crs import SUPPORTED_CRS
    from mobile_api import fields

    assert SUPPORTED_CRS == ("wgs84", "gcj02", "bd09")
    assert fields.SUPPORTED_CRS is SUPPORTED_CRS
