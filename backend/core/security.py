"""The production switch's helpers (docs/security.md); imported by settings, so no Django here.

- A deployment (`DJANGO_ENV=production`) must bring its own SECRET_KEY: the app refuses to start
  on none, a short one or a published default (JWTs are signed with a key derived from it).
- A laptop or CI keeps a random key of its own in `.secret_key` (git-ignored), created once.
- Static files (ServeStatic, before Django) get the security headers Django's middleware gives
  every other response.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ENVIRONMENTS = ("development", "production")
# Keys that were ever published with this code: never accepted in production.
PUBLISHED_KEYS = frozenset({"dev-only-insecure-key-change-me", "change-me-in-production"})
MIN_KEY_LENGTH = 50  # Django's check --deploy (security.W009) asks for 50 characters
GENERATE_HINT = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


class SettingsError(Exception):
    """Settings refuse to load; settings.py re-raises it as ImproperlyConfigured."""


def production_secret_key(key: str) -> str:
    """`key` if it is fit for production; otherwise a SettingsError that says what to do."""
    if not key:
        raise SettingsError(
            f"DJANGO_ENV=production needs SECRET_KEY in the environment: a random string of at "
            f"least {MIN_KEY_LENGTH} characters, e.g. `{GENERATE_HINT}`. Refusing to start."
        )
    weak = (
        key in PUBLISHED_KEYS
        or len(key) < MIN_KEY_LENGTH
        or len(set(key)) < 5
        or key.startswith("django-insecure-")
    )
    if weak:
        raise SettingsError(
            f"DJANGO_ENV=production: SECRET_KEY is a published default or too weak (it needs at "
            f"least {MIN_KEY_LENGTH} random characters, e.g. `{GENERATE_HINT}`). Refusing to start."
        )
    return key


def local_secret_key(path: Path) -> str:
    """The key kept in `path`, created (random, mode 600) the first time; safe when several
    processes start at once (the file appears whole or not at all)."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(secrets.token_urlsafe(50) + "\n")
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)  # fails if another process created it first: theirs wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()


def static_headers_adder(*, hsts_seconds: int):
    """ServeStatic's `add_headers_function`: nosniff, frame, referrer (and HSTS) on /static/."""

    def add_headers(headers, path: str, url: str) -> None:
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if hsts_seconds:
            headers["Strict-Transport-Security"] = (
                f"max-age={hsts_seconds}; includeSubDomains; preload"
            )

    return add_headers
