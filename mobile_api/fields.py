"""Strict input fields for the phone API, written by hand.

djangorestframework-gis's input field accepts [200, 100], stores `POINT EMPTY` for a NaN inside a
string, honours a GeoJSON `crs` member and 500s on 3-D points; DRF's own number fields accept
numeric strings such as "NaN". These fields accept only what the API documents, and every refusal
carries a stable dotted code (ValidationError(code=...)) that the exception handler reports.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.core import error_codes as codes
from backend.core.error_codes import ErrorCode
from backend.core.text import is_storable_text
from gis_data.crs import SUPPORTED_CRS

GEOJSON_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
    "Feature",
    "FeatureCollection",
)
# Roughly mainland China plus margins: used only to explain a [lat, lon] mistake.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
_WKT_RE = re.compile(
    r"^\s*(SRID=\d+;)?\s*(POINT|MULTIPOINT|LINESTRING|MULTILINESTRING|POLYGON|"
    r"MULTIPOLYGON|GEOMETRYCOLLECTION)\b",
    re.I,
)
_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12}$"
)
_DATETIME_CHARS_RE = re.compile(r"^[ -~]*$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def field_error(code: ErrorCode, message) -> serializers.ErrorDetail:
    """One field's error (what `fail(code, message).detail[0]` holds)."""
    return serializers.ErrorDetail(str(message), code=str(code))


def fail(code: ErrorCode | str, message=None) -> serializers.ValidationError:
    if message is None and isinstance(code, ErrorCode):
        message = code.message
    return serializers.ValidationError(message, code=str(code))


def is_json_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_lon_lat(lon: float, lat: float) -> tuple[float, float]:
    """Range checks on a (lon, lat) pair, naming a swapped [lat, lon] when that is what it is."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise fail(codes.GEOMETRY_NON_FINITE, _("Coordinates must be finite numbers."))
    in_range = -180 <= lon <= 180 and -90 <= lat <= 90
    swapped_in_china = CHINA_LON[0] <= lat <= CHINA_LON[1] and CHINA_LAT[0] <= lon <= CHINA_LAT[1]
    if not in_range and swapped_in_china:
        raise fail(
            codes.GEOMETRY_SWAPPED_AXES,
            _("Coordinates look like [lat, lon]; GeoJSON order is [lon, lat]."),
        )
    if not in_range:
        raise fail(
            codes.GEOMETRY_OUT_OF_RANGE,
            _("Longitude must be within -180..180 and latitude within -90..90."),
        )
    return float(lon), float(lat)


@extend_schema_field(
    {
        "type": "object",
        "description": "GeoJSON Point (RFC 7946), coordinates [lon, lat] in the declared `crs`. "
        "No `crs` member, no third coordinate.",
        "properties": {
            "type": {"type": "string", "enum": ["Point"]},
            "coordinates": {
                "type": "array",
                "items": {"type": "number"},
                "minItems": 2,
                "maxItems": 2,
                "example": [113.012345, 28.234567],
            },
        },
        "required": ["type", "coordinates"],
        "example": {"type": "Point", "coordinates": [113.012345, 28.234567]},
    }
)
class GeoJSONPointField(serializers.Field):
    """A GeoJSON Point → (lon, lat) floats, as sent (no CRS conversion here)."""

    default_error_messages = {"required": _("This field is required.")}  # noqa: RUF012

    def to_internal_value(self, data):
        if isinstance(data, str):
            if _WKT_RE.match(data):
                raise fail(
                    codes.GEOMETRY_UNTAGGED_WKT,
                    _("WKT is not accepted; send a GeoJSON Point [lon, lat]."),
                )
            raise fail(codes.GEOMETRY_INVALID, _("Expected a GeoJSON Point object."))
        if not isinstance(data, dict):
            raise fail(codes.GEOMETRY_INVALID, _("Expected a GeoJSON Point object."))
        if "crs" in data:
            raise fail(
                codes.GEOMETRY_CRS_MEMBER,
                _(
                    "A GeoJSON `crs` member is not accepted; declare the `crs` field "
                    "(wgs84, gcj02, bd09) instead."
                ),
            )
        kind = data.get("type")
        if kind != "Point":
            if kind in GEOJSON_TYPES:
                raise fail(codes.GEOMETRY_WRONG_TYPE, _("Expected a Point geometry."))
            raise fail(codes.GEOMETRY_INVALID, _("Expected a GeoJSON Point object."))
        coordinates = data.get("coordinates")
        if not isinstance(coordinates, list) or not all(map(is_json_number, coordinates)):
            raise fail(codes.GEOMETRY_INVALID, _("Point coordinates must be a list of numbers."))
        if len(coordinates) == 3:
            raise fail(codes.GEOMETRY_3D, _("Only 2-D points [lon, lat] are accepted."))
        if len(coordinates) != 2:
            raise fail(codes.GEOMETRY_INVALID, _("Point coordinates must be [lon, lat]."))
        return check_lon_lat(*coordinates)

    def to_representation(self, value):
        lon, lat = value
        return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}


@extend_schema_field(OpenApiTypes.NUMBER)
class StrictFloatField(serializers.Field):
    """A JSON number (not a string, not a boolean), finite, within [min_value, max_value]."""

    def __init__(self, *, min_value: float | None = None, max_value: float | None = None, **kwargs):
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not is_json_number(data):
            raise fail(codes.NUMBER_INVALID, _("A number is required."))
        if not math.isfinite(data):
            raise fail(codes.NUMBER_NON_FINITE, _("NaN and Infinity are not accepted."))
        if self.min_value is not None and data < self.min_value:
            raise fail(
                codes.NUMBER_OUT_OF_RANGE, _("Must be at least %(min)s.") % {"min": self.min_value}
            )
        if self.max_value is not None and data > self.max_value:
            raise fail(
                codes.NUMBER_OUT_OF_RANGE, _("Must be at most %(max)s.") % {"max": self.max_value}
            )
        return float(data)

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.INT)
class StrictIntegerField(StrictFloatField):
    def to_internal_value(self, data):
        if isinstance(data, float) and data.is_integer():
            data = int(data)
        if not isinstance(data, int) or isinstance(data, bool):
            raise fail(codes.NUMBER_NOT_INTEGER, _("An integer is required."))
        return int(super().to_internal_value(data))


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanField(serializers.Field):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            raise fail(codes.BOOLEAN_INVALID, _("true or false is required."))
        return data

    def to_representation(self, value):
        return bool(value)


@extend_schema_field(
    {
        "type": "string",
        "format": "date-time",
        "example": "2026-11-16T09:30:00+08:00",
        "description": "ISO 8601 with a UTC offset (naive times are refused).",
    }
)
class AwareDateTimeField(serializers.Field):
    def to_internal_value(self, data):
        # Printable ASCII only: Python's fromisoformat ignores a NUL (and what follows it).
        if not isinstance(data, str) or len(data) > 40 or not _DATETIME_CHARS_RE.match(data):
            raise fail(codes.DATETIME_INVALID, _("An ISO 8601 date-time string is required."))
        try:
            value = parse_datetime(data.strip())
        except ValueError:
            value = None
        if value is None:
            raise fail(codes.DATETIME_INVALID, _("An ISO 8601 date-time string is required."))
        if value.tzinfo is None or value.utcoffset() is None:
            raise fail(
                codes.DATETIME_NAIVE,
                _("The time has no UTC offset; send e.g. 2026-11-16T09:30:00+08:00."),
            )
        if not EARLIEST <= value < LATEST:
            raise fail(codes.DATETIME_OUT_OF_RANGE, _("The date must lie between 2000 and 2100."))
        return value

    def to_representation(self, value):
        return value.isoformat()


@extend_schema_field(OpenApiTypes.UUID)
class StrictUUIDField(serializers.Field):
    def to_internal_value(self, data):
        if not isinstance(data, str) or not _UUID_RE.match(data):
            raise fail(
                codes.UUID_INVALID,
                _("A UUID like 3f1c2a9e-8b7d-4c6e-9f01-2a3b4c5d6e7f is required."),
            )
        return uuid.UUID(data)

    def to_representation(self, value):
        return str(value)


@extend_schema_field(
    {
        "type": "string",
        "enum": list(SUPPORTED_CRS),
        "default": "wgs84",
        "description": "Coordinate system of the coordinates sent: raw GPS "
        "(wgs84), Amap/Tencent (gcj02) or Baidu (bd09).",
    }
)
class CRSField(serializers.Field):
    def to_internal_value(self, data):
        if not isinstance(data, str) or data.lower() not in SUPPORTED_CRS:
            raise fail(codes.CRS_UNSUPPORTED, _("crs must be one of wgs84, gcj02, bd09."))
        return data.lower()

    def to_representation(self, value):
        return value


class StrictCharField(serializers.CharField):
    """A JSON string only (no numbers coerced into text), and storable: no NUL, no lone
    surrogate (PostgreSQL refuses the one, UTF-8 cannot encode the other)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise fail(codes.STRING_INVALID, _("A string is required."))
        if not is_storable_text(data):
            raise fail(
                codes.STRING_INVALID_CHARACTER,
                _("The text contains a NUL character or a lone surrogate."),
            )
        return super().to_internal_value(data)


def parse_query_number(
    raw: str | None, *, name: str, required: bool = True, default: float | None = None
) -> float:
    """A decimal number from a query string; NaN, Infinity, hex and the like are refused.
    Absent: `default` when not `required` (without a default it is required)."""
    if raw is None or raw == "":
        if required or default is None:
            raise serializers.ValidationError(
                {name: [field_error(codes.FIELD_REQUIRED, _("This field is required."))]}
            )
        return default
    if not _NUMBER_RE.match(raw.strip()):
        raise serializers.ValidationError(
            {name: [field_error(codes.NUMBER_INVALID, _("A number is required."))]}
        )
    value = float(raw)
    if not math.isfinite(value):
        raise serializers.ValidationError(
            {name: [field_error(codes.NUMBER_NON_FINITE, _("NaN and Infinity are not accepted."))]}
        )
    return value
