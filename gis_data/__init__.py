"""Spatial data import and grid generation (pure parts: crs, grid, hexes, readers).

GDAL can read a VRT (an XML file that opens other local files) whatever the file is named, so
the VRT drivers are switched off before pyogrio (which registers GDAL's drivers when it is
imported) can be loaded through this package. The readers also sniff content and check the
driver GDAL reports against an allowlist, in case pyogrio was imported earlier elsewhere.
"""

import os

_skipped = set(os.environ.get("GDAL_SKIP", "").replace(",", " ").split())
os.environ["GDAL_SKIP"] = " ".join(sorted(_skipped | {"OGR_VRT", "VRT"}))
