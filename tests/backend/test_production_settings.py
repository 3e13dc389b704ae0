"""The production switch (DJANGO_ENV=production, docs/security.md): settings refuse a missing,
published or weak SECRET_KEY and DEBUG on; `check --deploy` is clean; HTTPS-only headers and
cookies. Each runs settings in a fresh process, as a deployment starts them."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from backend.core.security import local_secret_key

ROOT = Path(settings.BASE_DIR)
GOOD_KEY = secrets.token_urlsafe(50)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    environ.update({"DJANGO_SETTINGS_MODULE": "backend.settings", **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_in_production_mode_has_no_warnings():
    done = _manage("check", "--deploy", DJANGO_ENV="production", SECRET_KEY=GOOD_KEY)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout + done.stderr
    assert "System check identified no issues (1 silenced)." in out
    assert "WARNING" not in out and "security.W" not in out


def test_check_deploy_without_production_mode_warns():
    # The check can fail: the development defaults are what it warns about.
    done = _manage("check", "--deploy", SECRET_KEY=GOOD_KEY)
    assert "security.W004" in done.stdout + done.stderr  # no HSTS


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "DJANGO_ENV=production needs SECRET_KEY in the environment"),
        ({"SECRET_KEY": "change-me-in-production"}, "a published default or too weak"),
        ({"SECRET_KEY": "dev-only-insecure-key-change-me"}, "a published default or too weak"),
        ({"SECRET_KEY": "x" * 60}, "a published default or too weak"),
        ({"SECRET_KEY": GOOD_KEY, "DEBUG": "1"}, "DJANGO_ENV=production with DEBUG on"),
    ],
)
def test_production_mode_refuses_to_start(env, message):
    done = _manage("check", DJANGO_ENV="production", **env)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and message in done.stderr


def test_an_unknown_environment_is_refused():
    done = _manage("check", DJANGO_ENV="prod")
    assert done.returncode != 0 and "DJANGO_ENV must be one of" in done.stderr


PROBE = """
import json
from django.test import Client
client = Client()
plain = client.get("/accounts/login/")
page = client.get("/accounts/login/", secure=True)
static = __import__("backend.core.security", fromlist=["x"]).static_headers_adder(
    hsts_seconds=__import__("django.conf", fromlist=["x"]).settings.SECURE_HSTS_SECONDS)
headers = {}
static(headers, "", "/static/map_ui/app.css")
print(json.dumps({
    "plain": [plain.status_code, plain.headers.get("Location")],
    "page": dict(page.headers),
    "cookies": {k: dict(v) for k, v in page.cookies.items()},
    "static": headers,
}))
"""


def test_production_responses_are_https_only_with_a_csp():
    done = _manage("shell", "-c", PROBE, DJANGO_ENV="production", SECRET_KEY=GOOD_KEY)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["plain"] == [301, "https://testserver/accounts/login/"]
    headers = got["page"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    # the login page uses no nonce, so none is sent; never 'unsafe-inline' for scripts
    assert csp["script-src"] == "'self'" and csp["style-src-elem"] == "'self'"
    assert got["cookies"]["csrftoken"]["secure"] is True
    assert got["static"]["Strict-Transport-Security"].startswith("max-age=31536000")
    assert got["static"]["X-Content-Type-Options"] == "nosniff"


def test_the_local_key_is_random_kept_and_private(tmp_path):
    path = tmp_path / ".secret_key"
    first = local_secret_key(path)
    assert len(first) >= 50 and local_secret_key(path) == first
    assert local_secret_key(tmp_path / "other") != first
    assert path.stat().st_mode & 0o777 == 0o600
    assert set(tmp_path.iterdir()) == {path, tmp_path / "other"}  # no temporary file left
