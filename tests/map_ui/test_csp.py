"""Every page runs under the Content-Security-Policy (django-csp, backend/settings.py): no inline
script or <style> without the response's nonce, nothing loaded from another origin."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from backend.accounts.models import Role
from backend.regions.models import Region
from tests.factories import UserFactory

INERT_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class _Scan(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inline: list[tuple[str, str | None]] = []  # (tag, nonce) of inline code
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and not a.get("src") and a.get("type") not in INERT_SCRIPT_TYPES:
            self.inline.append((tag, a.get("nonce")))
        if tag == "style":
            self.inline.append((tag, a.get("nonce")))
        for name in ("src", "href"):
            url = a.get(name) or ""
            loads = tag in ("script", "img", "iframe") or (tag == "link" and a.get("rel") != "")
            if loads and tag != "a" and re.match(r"^(https?:)?//", url):
                self.external.append(f"{tag} {url}")
        for name, value in a.items():
            if name.startswith("on"):
                self.inline.append((f"{tag}[{name}]", None))  # handlers never take a nonce
            if name in ("href", "src") and (value or "").lower().startswith("javascript:"):
                self.inline.append((f"{tag}[{name}]", None))


def _nonce(response) -> str | None:
    match = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    return match.group(1) if match else None


def _assert_csp_clean(response, url):
    assert response.status_code in (200, 404), (url, response.status_code)
    scan = _Scan()
    scan.feed(response.content.decode())
    nonce = _nonce(response)
    bad = [tag for tag, got in scan.inline if nonce is None or got != nonce]
    assert bad == [], (url, bad)
    assert scan.external == [], url


@pytest.fixture
def people(world):
    root = UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    return {**world.users, "root": root}


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


PAGES = [
    (None, "/accounts/login/"),
    (None, "/m/"),
    (None, "/api/mobile/v1/docs/"),
    (None, "/api/mobile/v1/redoc/"),
    ("leader", "/dashboard/"),
    ("leader", "/stations/"),
    ("leader", "/no-such-page/"),
    ("staff", "/assign/"),
    ("staff", "/opinions/"),
    ("staff", "/projects/"),
    ("staff", "/records/"),
    ("leader", "/records/"),
    ("deputy", "/deputy/"),
    ("root", "/admin/"),
    ("root", "/admin/liaison/station/add/"),
    ("root", "/admin/grid/gridcell/"),
    ("root", "region-change"),
]


@pytest.mark.parametrize(("who", "url"), PAGES)
def test_pages_are_csp_clean(people, who, url):
    if url == "region-change":
        url = f"/admin/regions/region/{Region.objects.get(adcode='430121').id}/change/"
    response = _client(people.get(who)).get(url, follow=True)
    _assert_csp_clean(response, url)


def test_the_api_docs_script_comes_from_its_own_url():
    response = Client().get("/api/mobile/v1/docs/", {"script": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in response.content
