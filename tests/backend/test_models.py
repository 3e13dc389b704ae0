import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import IntegrityError, transaction

from backend.grid.models import GridCell
from backend.regions.models import Region
from tests.factories import GridCellFactory, RegionFactory

pytestmark = pytest.mark.django_db


def test_invalid_cell_boundary_is_refused(county):
    bowtie = MultiPolygon(
        Polygon(((113, 28), (113.01, 28.01), (113.01, 28), (113, 28.01), (113, 28))), srid=4326
    )
    with pytest.raises(IntegrityError, match="gridcell_boundary_valid"), transaction.atomic():
        GridCellFactory(region=county, boundary=bowtie)


def test_adcode_must_be_2_4_6_9_or_12_digits():
    with pytest.raises(IntegrityError, match="region_adcode_digits"), transaction.atomic():
        Region.objects.create(adcode="4301211", name="x", level="county")


def test_jurisdiction_is_an_adcode_prefix(county):
    other = RegionFactory(adcode="440784", name="鹤山市")
    GridCellFactory(region=county)
    GridCellFactory(region=other)
    assert GridCell.objects.filter(adcode__startswith="43").count() == 1
    assert GridCell.objects.filter(adcode__startswith="4407").count() == 1
