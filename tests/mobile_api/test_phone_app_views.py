"""The phone app's server side (/m/): shell, manifest, service worker and the build version
that names the worker's cache. The app itself is tested in Chromium (tests/browser)."""

import json
import re

import pytest
from django.contrib.staticfiles import finders

from mobile_api.app import views


@pytest.fixture(autouse=True)
def fresh_version():
    views.build_version.cache_clear()
    yield
    views.build_version.cache_clear()


def test_shell_embeds_both_languages_and_the_build_version(client):
    response = client.get("/m/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    html = response.content.decode()
    assert f'data-build="{views.build_version()}"' in html
    config = json.loads(re.search(r'id="app-config">(.*?)</script>', html, re.S).group(1))
    assert config["version"] == views.build_version()
    assert config["api"] == "/api/mobile/v1/"
    assert config["i18n"]["zh"]["strings"]["outbox"] == "待传记录"
    assert config["i18n"]["en"]["strings"]["outbox"] == "Outbox"
    assert config["i18n"]["zh"]["strings"]["st_duplicate"] == "已存在（重复）"
    assert ["household", "入户走访"] in config["i18n"]["zh"]["kinds"]
    assert len(config["i18n"]["zh"]["categories"]) == 9
    assert set(config["i18n"]["zh"]["strings"]) == set(config["i18n"]["en"]["strings"])


def test_manifest_is_installable(client):
    response = client.get("/m/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    body = response.json()
    assert body["name"] == "代表走访"
    assert body["display"] == "standalone"
    assert body["start_url"] == body["scope"] == "/m/"
    assert body["theme_color"] == "#b02020"
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in body["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_service_worker_scope_headers_and_precache_list(client):
    response = client.get("/m/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/m/"
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    assert f'const VERSION = "{views.build_version()}";' in script
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", script).group(1))
    assert precache[:2] == ["/m/", "/m/manifest.webmanifest"]
    assert "/static/leaflet/leaflet.js" in precache
    for url in precache[2:]:
        assert finders.find(url.removeprefix("/static/")), url


def test_build_version_follows_the_files_unless_pinned(settings, tmp_path, monkeypatch):
    shipped = views.build_version()
    assert re.fullmatch(r"[0-9a-f]{12}", shipped)
    static = tmp_path / "static"
    static.mkdir()
    (static / "app.js").write_text("console.log(1);\n")
    monkeypatch.setattr(views, "STATIC_DIR", static)
    views.build_version.cache_clear()
    first = views.build_version()
    (static / "app.js").write_text("console.log(2);\n")
    views.build_version.cache_clear()
    second = views.build_version()
    assert len({shipped, first, second}) == 3
    settings.MOBILE_APP_BUILD_VERSION = "release-7"
    views.build_version.cache_clear()
    assert views.build_version() == "release-7"
