"""The shell page, manifest and service worker of the phone app.

The build version names the service worker's cache: it is a hash of the app's own files
(computed once at start-up) unless settings.MOBILE_APP_BUILD_VERSION pins it, so every release
that changes a file installs a new cache and the old one is deleted on activation.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib.metadata import version
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import translation
from django.views.decorators.http import require_GET

from backend.opinions.models import OpinionCategory, OpinionStatus
from backend.visits.models import VisitKind

from .strings import STRINGS

APP_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = APP_DIR / "static" / "mobile_app"
TEMPLATE_DIR = APP_DIR / "templates" / "mobile_app"
SCOPE = "/m/"
THEME_COLOUR = "#b02020"
# What the service worker precaches besides the shell page itself (static paths).
SHELL_STATIC = [
    "mobile_app/app.css",
    "mobile_app/js/app.js",
    "mobile_app/js/api.js",
    "mobile_app/js/outbox.js",
    "mobile_app/js/geo.js",
    "mobile_app/js/screens.js",
    "mobile_app/icons/icon-192.png",
    "mobile_app/icons/icon-512.png",
    "leaflet/leaflet.js",
    "leaflet/leaflet.css",
]


@cache
def build_version() -> str:
    """A short hash of the app's files (and the vendored Leaflet's version), or the pinned one."""
    pinned = getattr(settings, "MOBILE_APP_BUILD_VERSION", "")
    if pinned:
        return pinned
    digest = hashlib.sha256(version("django-leaflet").encode())
    for root in (STATIC_DIR, TEMPLATE_DIR, APP_DIR / "app", APP_DIR / "locale"):
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".pyc"):
            digest.update(f"{root.name}/{path.relative_to(root).as_posix()}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _choices(choices) -> list[list[str]]:
    return [[value, str(label)] for value, label in choices]


def _catalog(language: str) -> dict:
    with translation.override(language):
        return {
            "strings": {key: str(text) for key, text in STRINGS.items()},
            "kinds": _choices(VisitKind.choices),
            "categories": _choices(OpinionCategory.choices),
            "statuses": _choices(OpinionStatus.choices),
        }


def _no_cache(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def shell(request: HttpRequest) -> HttpResponse:
    """The app's one page. Both languages' strings are embedded so switching works offline."""
    config = {
        "version": build_version(),
        "api": "/api/mobile/v1/",
        "scope": SCOPE,
        "i18n": {"zh": _catalog("zh-hans"), "en": _catalog("en")},
    }
    response = render(
        request,
        "mobile_app/shell.html",
        {
            # Inside <script>: no "</" may appear, so "<" is escaped.
            "config": json.dumps(config, ensure_ascii=False).replace("<", "\\u003c"),
            "version": config["version"],
        },
    )
    return _no_cache(response)


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    icons = [
        {"src": static("mobile_app/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("mobile_app/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("mobile_app/icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    body = {
        "name": "代表走访",
        "short_name": "代表走访",
        "description": "人大代表进网格：走访、签到、群众意见，离线也能记录。",
        "lang": "zh-CN",
        "start_url": SCOPE,
        "scope": SCOPE,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": icons,
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return _no_cache(response)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker script, from a view so that it lives at /m/sw.js (scope /m/)."""
    precache = [SCOPE, SCOPE + "manifest.webmanifest", *(static(p) for p in SHELL_STATIC)]
    response = render(
        request,
        "mobile_app/sw.js",
        {"version": json.dumps(build_version()), "precache": json.dumps(precache)},
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = SCOPE
    return _no_cache(response)
