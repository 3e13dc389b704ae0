"""Tokens issued before an account was deactivated stay dead after it is reactivated (issue 8,
defect 14): through the service and through the admin's "active" checkbox."""

import pytest
from django.test import Client

from backend.accounts.models import Role
from backend.accounts.services import user_deactivate
from tests.factories import UserFactory

from .conftest import Api

pytestmark = pytest.mark.django_db


def reactivate(user):
    user.refresh_from_db()
    user.is_active = True
    user.save(update_fields=["is_active"])


def test_old_tokens_stay_dead_after_reactivation(deputy):
    old = Api()
    old.login("deputy1")
    assert old.get("me").status_code == 200
    user_deactivate(user=deputy.user)
    assert old.get("me").json()["code"] == "auth.account_inactive"
    reactivate(deputy.user)
    response = old.get("me")
    assert (response.status_code, response.json()["code"]) == (401, "auth.session_ended")
    refreshed = Api().post("auth/refresh", {"refresh": old.refresh})
    assert (refreshed.status_code, refreshed.json()["code"]) == (401, "auth.session_ended")
    # A new login works, and only its tokens do.
    new = Api()
    new.login("deputy1")
    assert new.get("me").status_code == 200
    assert old.get("me").status_code == 401


def test_deactivating_twice_is_harmless_and_other_accounts_keep_their_tokens(deputy, other_api):
    user_deactivate(user=deputy.user)
    user_deactivate(user=deputy.user)
    deputy.user.refresh_from_db()
    assert deputy.user.is_active is False
    assert other_api.get("me").status_code == 200


def test_unticking_active_in_the_admin_ends_the_tokens(deputy, county):
    old = Api()
    old.login("deputy1")
    admin = UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    user = deputy.user
    form = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": "",
        "role": user.role,
        "jurisdiction": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00",
    }  # "is_active" left out: unticked
    response = client.post(f"/admin/accounts/user/{user.id}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.is_active is False
    reactivate(user)
    assert old.get("me").json()["code"] == "auth.session_ended"
