"""Chinese "encrypted" coordinate systems: GCJ-02 (Mars coordinates) and BD-09 (Baidu).

Pure numpy; no Django. Every function takes and returns (lon, lat) in degrees.

- GCJ-02 is WGS-84 plus a deterministic, non-invertible-in-closed-form offset (a few hundred
  metres) defined inside mainland China. Outside the usual China box the published libraries
  return the input unchanged; so do we, so that results agree with them.
- BD-09 is GCJ-02 with a further polar-coordinate twist around (0.0065, 0.006).
- The inverses are iterative (fixed-point on the forward transform): one-step inverses, as many
  libraries ship them, err by up to ~4 m; iterating to 1e-10 degrees gives sub-millimetre.

pyproj cannot express these transforms, hence this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from backend.core.geo import STORAGE_SRID
from gis_data.i18n import lazy_message as _

# The coordinate systems accepted on input (phone API, importers); everything is stored WGS-84.
SUPPORTED_CRS = ("wgs84", "gcj02", "bd09")

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 algorithm.
_KRASOVSKY_A_M = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_BD_X_PI = math.pi * 3000.0 / 180.0

# Box in which the published implementations apply the offset (outside: identity).
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)

_INVERSE_TOL_DEG = 1e-10  # ~0.01 mm
_INVERSE_MAX_ITER = 30

FloatArray = NDArray[np.float64]
_Transform = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]


def _outside_china(lon: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
    return (
        (lon < _CHINA_LON[0])
        | (lon > _CHINA_LON[1])
        | (lat < _CHINA_LAT[0])
        | (lat > _CHINA_LAT[1])
    )


def _offset_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _wgs_to_gcj(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lon - 105.0
    y = lat - 35.0
    dlat = _offset_lat(x, y)
    dlon = _offset_lon(x, y)
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _KRASOVSKY_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A_M * (1 - _KRASOVSKY_EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_KRASOVSKY_A_M / sqrtmagic * np.cos(radlat) * np.pi)
    outside = _outside_china(lon, lat)
    return np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat)


def _gcj_to_bd(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _BD_X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_to_gcj_approx(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The usual closed-form approximation; only a starting point for the iteration."""
    x = lon - 0.0065
    y = lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _wgs_to_bd(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _gcj_to_bd(*_wgs_to_gcj(lon, lat))


def _invert(
    forward: _Transform,
    target_lon: FloatArray,
    target_lat: FloatArray,
    guess_lon: FloatArray,
    guess_lat: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Solve forward(lon, lat) == target by fixed-point iteration from a guess.

    The offsets vary slowly (their Jacobian is within ~1e-4 of the identity), so subtracting
    the residual converges by ~4 orders of magnitude per step.
    """
    lon, lat = guess_lon.copy(), guess_lat.copy()
    for _step in range(_INVERSE_MAX_ITER):
        flon, flat = forward(lon, lat)
        dlon = flon - target_lon
        dlat = flat - target_lat
        lon = lon - dlon
        lat = lat - dlat
        if dlon.size == 0 or max(np.max(np.abs(dlon)), np.max(np.abs(dlat))) < _INVERSE_TOL_DEG:
            break
    return lon, lat


def _as_arrays(lons: ArrayLike, lats: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon = np.asarray(lons, dtype=np.float64)
    lat = np.asarray(lats, dtype=np.float64)
    if lon.shape != lat.shape:
        raise ValueError(f"lons and lats differ in shape: {lon.shape} vs {lat.shape}")
    return lon, lat


# ---------------------------------------------------------------- vectorised (numpy arrays)


def wgs84_to_gcj02_arrays(lons: ArrayLike, lats: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return _wgs_to_gcj(*_as_arrays(lons, lats))


def gcj02_to_wgs84_arrays(lons: ArrayLike, lats: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon, lat = _as_arrays(lons, lats)
    return _invert(_wgs_to_gcj, lon, lat, lon, lat)


def wgs84_to_bd09_arrays(lons: ArrayLike, lats: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return _wgs_to_bd(*_as_arrays(lons, lats))


def bd09_to_wgs84_arrays(lons: ArrayLike, lats: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon, lat = _as_arrays(lons, lats)
    glon, glat = _bd_to_gcj_approx(lon, lat)
    return _invert(_wgs_to_bd, lon, lat, glon, glat)


def gcj02_to_bd09_arrays(lons: ArrayLike, lats: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return _gcj_to_bd(*_as_arrays(lons, lats))


def bd09_to_gcj02_arrays(lons: ArrayLike, lats: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon, lat = _as_arrays(lons, lats)
    glon, glat = _bd_to_gcj_approx(lon, lat)
    return _invert(_gcj_to_bd, lon, lat, glon, glat)


_TO_WGS84_ARRAYS: dict[str, Callable[[ArrayLike, ArrayLike], tuple[FloatArray, FloatArray]]] = {
    "wgs84": lambda lons, lats: _as_arrays(lons, lats),
    "gcj02": gcj02_to_wgs84_arrays,
    "bd09": bd09_to_wgs84_arrays,
}


def normalise_crs_name(crs: str) -> str:
    """'GCJ-02', 'gcj02', 'BD09' ... -> 'gcj02' / 'bd09' / 'wgs84'; ValueError otherwise.

    The ValueError's argument is a gis_data.i18n Message (it reaches users as a refusal).
    """
    key = str(crs).strip().lower().replace("-", "").replace("_", "").replace(":", "")
    if key == f"epsg{STORAGE_SRID}":
        key = "wgs84"
    if key not in SUPPORTED_CRS:
        raise ValueError(
            _(
                "unsupported crs %(crs)r: expected one of %(supported)s",
                crs=crs,
                supported=", ".join(SUPPORTED_CRS),
            )
        )
    return key


def to_wgs84_arrays(lons: ArrayLike, lats: ArrayLike, crs: str) -> tuple[FloatArray, FloatArray]:
    """Convert arrays of lon/lat declared in `crs` (wgs84 | gcj02 | bd09) to WGS-84."""
    return _TO_WGS84_ARRAYS[normalise_crs_name(crs)](lons, lats)


# ---------------------------------------------------------------- scalars


def _scalar(
    fn: Callable[[ArrayLike, ArrayLike], tuple[FloatArray, FloatArray]], lon: float, lat: float
) -> tuple[float, float]:
    out_lon, out_lat = fn(lon, lat)
    return float(out_lon), float(out_lat)


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(wgs84_to_gcj02_arrays, lon, lat)


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(gcj02_to_wgs84_arrays, lon, lat)


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(wgs84_to_bd09_arrays, lon, lat)


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(bd09_to_wgs84_arrays, lon, lat)


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(gcj02_to_bd09_arrays, lon, lat)


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    return _scalar(bd09_to_gcj02_arrays, lon, lat)


def to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """Convert one (lon, lat) declared in `crs` (wgs84 | gcj02 | bd09) to WGS-84.

    Raises ValueError for any other crs name.
    """
    return _scalar(lambda a, b: to_wgs84_arrays(a, b, crs), lon, lat)
