"""Reads of the region tree (adcode-keyed), scoped by the caller's Jurisdiction. A single region
is fetched, checked, by backend.regions.access.access_region_by_adcode."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet

from backend.accounts.jurisdiction import Jurisdiction

from .models import ADCODE_LENGTHS, Region


def region_children(*, region: Region) -> QuerySet[Region]:
    """Direct children, in adcode order, without their (heavy) boundaries."""
    return Region.objects.filter(parent=region).defer("boundary").order_by("adcode")


def region_ancestors(*, region: Region) -> list[Region]:
    """Province → … → parent, found by adcode prefixes (one query)."""
    prefixes = [region.adcode[:n] for n in ADCODE_LENGTHS if n < len(region.adcode)]
    return list(Region.objects.filter(adcode__in=prefixes).defer("boundary").order_by("adcode"))


def region_list(*, jurisdiction: Jurisdiction, level: str | None = None) -> QuerySet[Region]:
    """Regions inside the jurisdiction (optionally of one level), boundaries deferred."""
    qs = Region.objects.defer("boundary", "display_boundary").order_by("adcode")
    if level is not None:
        qs = qs.filter(level=level)
    return jurisdiction.filter(qs)


def county_list(*, jurisdiction: Jurisdiction) -> QuerySet[Region]:
    return region_list(jurisdiction=jurisdiction, level="county")


def place_name_sql(adcode: str) -> str:
    """A scalar SQL expression: the names of the township and village of the adcode expression
    `adcode` ("星沙街道 · 东村"; NULL above township level). Two unique-index probes per row: the
    live events name the place they happened in without another round trip."""
    # `adcode` is a column expression of the caller's, never a value
    return (
        "(SELECT string_agg(r.name, ' · ' ORDER BY length(r.adcode)) FROM regions_region r"  # noqa: S608
        f" WHERE r.adcode IN (left({adcode}, 9), {adcode}) AND length(r.adcode) >= 9)"
    )


def place_names(*, adcodes: Iterable[str]) -> dict[str, str]:
    """{adcode: its township and village names} for a batch of adcodes, in one query (adcodes
    above township level are left out)."""
    wanted = sorted({a for a in adcodes if a and len(a) >= 9})
    if not wanted:
        return {}
    sql = f"SELECT a, {place_name_sql('a')} FROM unnest(%s::text[]) AS t(a)"  # noqa: S608 - no value
    with connection.cursor() as cursor:
        cursor.execute(sql, [wanted])
        return {adcode: name for adcode, name in cursor.fetchall() if name}


# Coordinates of an outline drawn on the map: 5 decimals (about 1 m), enough for a highlight.
OUTLINE_DECIMALS = 5


def region_outline(*, region: Region) -> dict | None:
    """The region's display boundary (else its boundary) as a GeoJSON dict, or None."""
    boundary = region.display_boundary or region.boundary
    if boundary is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_AsGeoJSON(%s::geometry, %s)", [bytes(boundary.ewkb), OUTLINE_DECIMALS]
        )
        return json.loads(cursor.fetchone()[0])
