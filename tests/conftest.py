import pytest

from tests.factories import GridCellFactory, RegionFactory


@pytest.fixture
def county(db):
    return RegionFactory(adcode="430121", name="长沙县")


@pytest.fixture
def cells_3x3(county):
    """Nine 0.01° cells in a 3×3 block at the county's south-west corner, 100 households each."""
    return [GridCellFactory(region=county, col=c, row=r) for r in range(3) for c in range(3)]
