"""Shared fixtures of the opinion tests: fast password hashing and the notification outbox."""

import pytest

from backend.core import notify


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def outbox(settings):
    """The messages sent through backend.core.notify (on-commit callbacks must run: tests call
    the services inside TestCase.captureOnCommitCallbacks(execute=True))."""
    settings.NOTIFY_BACKEND = "backend.core.notify.LocmemBackend"
    notify.outbox.clear()
    return notify.outbox
