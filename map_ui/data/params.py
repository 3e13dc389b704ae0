"""Validation of query parameters: every bad value is a 400 with a stable code, never a 500."""

from __future__ import annotations

import math

from django.utils.translation import gettext_lazy as _

from backend.core import error_codes as codes
from backend.core.error_codes import ErrorCode
from backend.core.errors import DomainError
from backend.opinions.models import OpinionCategory

# A GeoJSON request may cover at most this much ground (about 50 km × 50 km) and this many
# features; larger areas are what the vector tiles are for.
MAX_BBOX_AREA_KM2 = 2_500.0
MAX_GEOJSON_FEATURES = 5_000
KM_PER_DEGREE = 111.32
MAX_ZOOM = 22

# The code for a bad value of a numeric or id-list parameter, per name (no f-string codes).
INVALID: dict[str, ErrorCode] = {
    "cells": codes.MAP_INVALID_CELLS,
    "deputy": codes.MAP_INVALID_DEPUTY,
    "eps_m": codes.MAP_INVALID_EPS_M,
    "limit": codes.MAP_INVALID_LIMIT,
    "min_points": codes.MAP_INVALID_MIN_POINTS,
    "offset": codes.MAP_INVALID_OFFSET,
}
TOO_MANY: dict[str, ErrorCode] = {
    "cells": codes.MAP_TOO_MANY_CELLS,
    "deputy": codes.MAP_INVALID_DEPUTY,
}


def bbox_param(raw: str | None) -> tuple[float, float, float, float] | None:
    """`w,s,e,n` in WGS-84 degrees: finite, in range, west < east, south < north, not too big."""
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(parts) != 4 or len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise DomainError(codes.MAP_INVALID_BBOX, _("bbox must be four finite numbers: w,s,e,n."))
    w, s, e, n = values
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise DomainError(
            codes.MAP_INVALID_BBOX,
            _("bbox must be west,south,east,north with west < east and south < north."),
        )
    mid_lat = math.radians((s + n) / 2)
    area_km2 = (e - w) * KM_PER_DEGREE * math.cos(mid_lat) * (n - s) * KM_PER_DEGREE
    if area_km2 > MAX_BBOX_AREA_KM2:
        raise DomainError(
            codes.MAP_AREA_TOO_LARGE,
            _("The area is too large for GeoJSON (at most %(km2)s km²); use the map tiles.")
            % {"km2": int(MAX_BBOX_AREA_KM2)},
        )
    return w, s, e, n


def int_param(raw, *, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = None
    if value is None or not low <= value <= high:
        raise DomainError(
            INVALID[name],
            _("%(name)s must be a whole number from %(low)s to %(high)s.")
            % {"name": name, "low": low, "high": high},
        )
    return value


def float_param(raw, *, name: str, default: float, low: float, high: float) -> float:
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise DomainError(
            INVALID[name],
            _("%(name)s must be a number from %(low)s to %(high)s.")
            % {"name": name, "low": low, "high": high},
        )
    return value


def choice_param(raw: str | None, *, choices, code: ErrorCode, message) -> str | None:
    """An optional value that must be one of `choices` (empty = not given)."""
    if not raw:
        return None
    if raw not in choices:
        raise DomainError(code, message)
    return raw


def category_param(raw: str | None) -> str | None:
    return choice_param(
        raw,
        choices=OpinionCategory.values,
        code=codes.MAP_INVALID_CATEGORY,
        message=_("Unknown opinion category."),
    )


def eps_m_param(raw) -> float:
    """DBSCAN radius of the opinion clusters in metres (10-5000, default 500)."""
    return float_param(raw, name="eps_m", default=500.0, low=10.0, high=5000.0)


def min_points_param(raw) -> int:
    """DBSCAN minimum cluster size of the opinion clusters (2-100, default 3)."""
    return int_param(raw, name="min_points", default=3, low=2, high=100)


def _positive_id(item) -> int | None:
    if isinstance(item, bool) or (isinstance(item, float) and not item.is_integer()):
        return None
    try:
        value = int(item)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if 0 < value < 2**62 else None


def ids_param(raw, *, name: str, max_count: int) -> list[int]:
    """Comma-separated positive ids (the POST endpoint passes a JSON list)."""
    items = raw if isinstance(raw, list) else [p for p in str(raw or "").split(",") if p.strip()]
    ids = [_positive_id(item) for item in items]
    if not ids or None in ids:
        raise DomainError(INVALID[name], _("%(name)s must be a list of ids.") % {"name": name})
    if len(ids) > max_count:
        raise DomainError(
            TOO_MANY[name],
            _("At most %(n)s %(name)s at once.") % {"n": max_count, "name": name},
        )
    return [i for i in ids if i is not None]  # none is None (checked above)


def tile_coords(z: int, x: int, y: int) -> tuple[int, int, int]:
    if not 0 <= z <= MAX_ZOOM or not 0 <= x < 2**z or not 0 <= y < 2**z:
        raise DomainError(codes.MAP_INVALID_TILE, _("No such tile (z/x/y out of range)."))
    return z, x, y


def adcode_param(raw: str | None, *, default: str | None = None) -> str:
    value = (raw or default or "").strip()
    if not value.isdigit() or len(value) not in (2, 4, 6, 9, 12):
        raise DomainError(codes.MAP_INVALID_REGION, _("region must be an adcode (2 to 12 digits)."))
    return value
