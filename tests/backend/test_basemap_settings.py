"""The base map settings (backend/settings.py): BASEMAP_URL, else Tianditu with TIANDITU_KEY
(vector map below the data, annotation above it), else none; the CSP's img-src allows exactly
the configured tile host. Settings are read at start-up: each case is a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
django.setup()
from django.conf import settings
csp = getattr(settings, "CONTENT_SECURITY_POLICY", None)
csp = csp or settings.CONTENT_SECURITY_POLICY_REPORT_ONLY
print(json.dumps({"tiles": settings.LEAFLET_CONFIG["TILES"], "labels": settings.BASEMAP_LABELS,
                  "img": csp["DIRECTIVES"]["img-src"]}))
"""


def _settings(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in ("BASEMAP_URL", "TIANDITU_KEY")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "backend.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_no_base_map_and_no_outside_image_host_by_default():
    answer = _settings()
    assert answer["tiles"] == [] and answer["labels"] is None
    assert [src for src in answer["img"] if src.startswith("http")] == []


def test_a_tianditu_key_gives_its_vector_map_and_annotation():
    answer = _settings(TIANDITU_KEY="k123")
    [(name, url, options)] = answer["tiles"]
    assert name == "天地图" and "/vec_w/wmts?" in url and url.endswith("&tk=k123")
    assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in url and url.startswith("https://t{s}.")
    assert options["subdomains"] == "01234567"
    assert "/cva_w/wmts?" in answer["labels"]["url"] and "LAYER=cva" in answer["labels"]["url"]
    assert "https://*.tianditu.gov.cn" in answer["img"]


def test_basemap_url_wins_over_the_tianditu_key():
    answer = _settings(TIANDITU_KEY="k123", BASEMAP_URL="https://tiles.example.cn/{z}/{x}/{y}.png")
    assert [t[1] for t in answer["tiles"]] == ["https://tiles.example.cn/{z}/{x}/{y}.png"]
    assert answer["labels"] is None
    assert "https://tiles.example.cn" in answer["img"]
    assert "https://*.tianditu.gov.cn" not in answer["img"]


@pytest.mark.django_db
def test_the_map_pages_carry_the_annotation_layer_when_configured(client, settings):
    from tests.factories import RegionFactory, UserFactory
    from tests.map_ui.test_pages import page_config

    settings.BASEMAP_LABELS = {"url": "https://t{s}.tianditu.gov.cn/cva_w/wmts?tk=x", "options": {}}
    county = RegionFactory(adcode="430121", name="长沙县")
    client.force_login(UserFactory(username="leader", role="leader", jurisdiction=county))
    config = page_config(client.get("/dashboard/"))
    assert config["basemapLabels"]["url"].startswith("https://t{s}.tianditu.gov.cn/cva_w/")
