"""GCJ-02 / BD-09 transforms against published reference pairs, and round trips < 0.05 m.

Reference pairs (lon, lat), copied from the test suites of independent implementations:
- eviltransform (github.com/googollee/eviltransform, python/tests.py): WGS-84 -> GCJ-02 for
  Shanghai, Shenzhen and Beijing.
- coordtransform (github.com/wandergis/coordtransform), as asserted by coordtransform-rs's tests
  and hutool's CoordinateUtilTest: WGS-84 -> GCJ-02, WGS-84 -> BD-09 and GCJ-02 -> BD-09 at
  (116.404, 39.915).
- gcoord (github.com/hujiulong/gcoord, test/unit/crs/GCJ02.spec.js): GCJ-02 -> BD-09 at (123, 45)
  (8 decimals).
- geotool (a Rust crate citing PRCoords/eviltransform): WGS-84 -> GCJ-02 -> BD-09 near Jiaxing.
Distances are geodesic on the WGS-84 ellipsoid (pyproj.Geod).
"""

import numpy as np
import pytest
from pyproj import Geod

from gis_data import crs

# Refusals are matched by their English text; test_i18n.py checks the zh-hans default.
pytestmark = pytest.mark.usefixtures("english")

GEOD = Geod(ellps="WGS84")
TOLERANCE_M = 0.05


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


WGS_GCJ_PAIRS = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # eviltransform
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # eviltransform
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # eviltransform
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),  # coordtransform
    ((121.0917077, 30.6107779), (121.09626927850977, 30.608604368560773)),  # geotool
]
WGS_BD_PAIRS = [
    ((116.404, 39.915), (116.41662724378733, 39.922699552216216)),  # coordtransform
    ((121.0917077, 30.6107779), (121.10271724622564, 30.61484575976839)),  # geotool
]
GCJ_BD_PAIRS = [
    ((116.404, 39.915), (116.41036949371029, 39.92133699351022)),  # coordtransform
    ((123.0, 45.0), (123.00636499, 45.00636899)),  # gcoord (8 decimals)
]


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ_PAIRS)
def test_wgs84_to_gcj02_matches_reference(wgs, gcj):
    assert distance_m(crs.wgs84_to_gcj02(*wgs), gcj) < TOLERANCE_M


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ_PAIRS)
def test_gcj02_to_wgs84_inverts_reference(wgs, gcj):
    assert distance_m(crs.gcj02_to_wgs84(*gcj), wgs) < TOLERANCE_M
    assert distance_m(crs.to_wgs84(*gcj, "gcj02"), wgs) < TOLERANCE_M


@pytest.mark.parametrize(("wgs", "bd"), WGS_BD_PAIRS)
def test_bd09_matches_reference_both_ways(wgs, bd):
    assert distance_m(crs.wgs84_to_bd09(*wgs), bd) < TOLERANCE_M
    assert distance_m(crs.bd09_to_wgs84(*bd), wgs) < TOLERANCE_M
    assert distance_m(crs.to_wgs84(*bd, "bd09"), wgs) < TOLERANCE_M


@pytest.mark.parametrize(("gcj", "bd"), GCJ_BD_PAIRS)
def test_gcj02_bd09_matches_reference_both_ways(gcj, bd):
    assert distance_m(crs.gcj02_to_bd09(*gcj), bd) < TOLERANCE_M
    assert distance_m(crs.bd09_to_gcj02(*bd), gcj) < TOLERANCE_M


def test_offsets_have_the_expected_size():
    # The GCJ-02 offset in China is hundreds of metres; BD-09 adds roughly another kilometre.
    wgs = (112.9, 28.2)  # Changsha
    assert 100 < distance_m(crs.wgs84_to_gcj02(*wgs), wgs) < 1000
    assert 500 < distance_m(crs.wgs84_to_bd09(*wgs), wgs) < 2000


def _china_sample(n: int = 2000, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(73.5, 135.0, n), rng.uniform(18.0, 53.5, n)


def _max_error_m(lons, lats, back_lons, back_lats) -> float:
    return float(np.max(GEOD.inv(lons, lats, back_lons, back_lats)[2]))


def test_gcj02_round_trip_over_china_is_below_5cm():
    lons, lats = _china_sample()
    glons, glats = crs.wgs84_to_gcj02_arrays(lons, lats)
    back = crs.gcj02_to_wgs84_arrays(glons, glats)
    assert _max_error_m(lons, lats, *back) < TOLERANCE_M
    # ... and the other direction: a GCJ point -> WGS -> GCJ again.
    wlons, wlats = crs.gcj02_to_wgs84_arrays(lons, lats)
    assert _max_error_m(lons, lats, *crs.wgs84_to_gcj02_arrays(wlons, wlats)) < TOLERANCE_M


def test_bd09_round_trip_over_china_is_below_5cm():
    lons, lats = _china_sample(seed=11)
    blons, blats = crs.wgs84_to_bd09_arrays(lons, lats)
    assert _max_error_m(lons, lats, *crs.bd09_to_wgs84_arrays(blons, blats)) < TOLERANCE_M
    assert _max_error_m(lons, lats, *crs.to_wgs84_arrays(blons, blats, "bd09")) < TOLERANCE_M
    glons, glats = crs.gcj02_to_bd09_arrays(lons, lats)
    assert _max_error_m(lons, lats, *crs.bd09_to_gcj02_arrays(glons, glats)) < TOLERANCE_M


def test_one_step_inverse_would_not_be_good_enough():
    # Why the inverse iterates: subtracting the offset once (coordtransform's gcj02towgs84)
    # leaves metres of error somewhere in China; the iterative inverse stays below 5 cm.
    lons, lats = _china_sample(seed=3)
    glons, glats = crs.wgs84_to_gcj02_arrays(lons, lats)
    flons, flats = crs.wgs84_to_gcj02_arrays(glons, glats)
    one_step_lon, one_step_lat = glons - (flons - glons), glats - (flats - glats)
    assert _max_error_m(lons, lats, one_step_lon, one_step_lat) > 1.0
    assert _max_error_m(lons, lats, *crs.gcj02_to_wgs84_arrays(glons, glats)) < TOLERANCE_M


def test_scalar_and_array_variants_agree():
    lons, lats = _china_sample(n=50, seed=5)
    alons, alats = crs.to_wgs84_arrays(lons, lats, "gcj02")
    for i in range(len(lons)):
        assert crs.to_wgs84(lons[i], lats[i], "gcj02") == pytest.approx(
            (alons[i], alats[i]), abs=1e-12
        )


def test_outside_china_is_identity_like_the_published_libraries():
    assert crs.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert crs.gcj02_to_wgs84(2.35, 48.85) == pytest.approx((2.35, 48.85), abs=1e-12)


def test_wgs84_is_identity_and_unknown_crs_is_refused():
    assert crs.to_wgs84(112.9, 28.2, "wgs84") == (112.9, 28.2)
    with pytest.raises(ValueError, match="unsupported crs"):
        crs.to_wgs84(112.9, 28.2, "epsg:3857")
    with pytest.raises(ValueError, match="unsupported crs"):
        crs.to_wgs84_arrays([112.9], [28.2], "mars")


def test_mismatched_array_shapes_are_refused():
    with pytest.raises(ValueError, match="shape"):
        crs.to_wgs84_arrays([1.0, 2.0], [3.0], "gcj02")
