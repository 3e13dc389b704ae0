"""The pages' JavaScript: API URLs come from the server's URL conf, data reaches the DOM as text.

The scripts read `config.urls` (rendered by map_ui.views.page_urls from reverse()); the shared
helpers in map_ui/static/map_ui/common.js build DOM nodes with textContent."""

import re
from pathlib import Path

import pytest
from django.urls import resolve

from map_ui.routing import websocket_urlpatterns
from map_ui.views import page_urls

STATIC = Path(__file__).resolve().parents[2] / "map_ui" / "static" / "map_ui"
PAGE_SCRIPTS = sorted(STATIC.glob("*.js"))


def test_every_page_url_resolves_to_its_view():
    urls = page_urls()
    for key, template in urls.items():
        if key == "live":
            continue
        # The placeholders the scripts fill, with values the routes accept.
        concrete = re.sub(r"\{(layer|adcode)\}", "cells", template)
        concrete = re.sub(r"\{(z|x|y|id)\}", "1", concrete)
        assert "{" not in concrete, key
        match = resolve(concrete)
        # an API operation (map-*) or, for a link, one of the map pages (map_ui:*) or a
        # livelihood project's printable QR card (projects:card-*)
        is_page = match.namespace == "map_ui" or (
            match.namespace == "projects" and match.url_name.startswith("card-")
        )
        assert match.url_name and (match.url_name.startswith("map-") or is_page), key
    assert urls["opinion"] == "/api/map/v1/opinions/{id}"
    assert urls["opinionPins"] == "/api/map/v1/opinion-pins.geojson"
    assert urls["tilejson"] == "/tiles/{layer}.json"
    assert urls["live"].lstrip("/") == str(websocket_urlpatterns[0].pattern)


@pytest.mark.parametrize("script", PAGE_SCRIPTS, ids=lambda p: p.name)
def test_page_scripts_spell_no_api_path_and_assign_no_html(script):
    source = script.read_text(encoding="utf-8")
    assert not re.search(r"[\"'`]/(api|tiles|ws)/", source), "an API path belongs in config.urls"
    assert "innerHTML" not in re.sub(r"/\*.*?\*/", "", source, flags=re.S), (
        "build nodes with cg.h / cg.popup (textContent), not HTML strings"
    )
    if script.name != "common.js":
        # One home for the helpers: no page defines its own.
        assert not re.search(r"function (\$|setText|toast|message|lang|fmtDateTime)\(", source)
