"""Roles and jurisdictions agree (a deputy has none; staff and leaders have one), in the
database, in the admin form, and in access, which decides by role first."""

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from backend.accounts.access import jurisdiction_of, jurisdiction_prefix
from backend.accounts.models import Role, User
from tests.factories import GridCellFactory, UserFactory

pytestmark = pytest.mark.django_db

MAP_READS = (
    "/api/map/v1/regions/430121/stats",
    "/api/map/v1/cells.geojson?region=430121",
    "/api/map/v1/gaps?region=430121",
    "/api/map/v1/opinions?region=430121",
    "/api/map/v1/clusters.geojson?region=430121",
    "/tiles/cells/12/3381/1714.mvt",
    "/tiles/cells.json",
)


def legacy_deputy_with_jurisdiction(county) -> User:
    """A deputy row with a jurisdiction, as the admin allowed before the constraint: the
    constraint is dropped inside this test's transaction (rolled back afterwards)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE accounts_user DROP CONSTRAINT IF EXISTS user_deputy_has_no_jurisdiction"
        )
    return UserFactory(username="legacy-deputy", role=Role.DEPUTY, jurisdiction=county)


def test_the_database_refuses_a_deputy_with_a_jurisdiction(county):
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="dj", role=Role.DEPUTY, jurisdiction=county)
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="lj", role=Role.LEADER, jurisdiction=None)
    UserFactory(username="ok-admin", role=Role.ADMIN, jurisdiction=county)  # admins may have one


def test_access_decides_by_role_first(county):
    deputy = legacy_deputy_with_jurisdiction(county)
    assert jurisdiction_prefix(deputy) is None
    assert not jurisdiction_of(deputy).contains("430121001")
    GridCellFactory(region=county)
    client = Client()
    client.force_login(deputy)
    for url in MAP_READS:
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert response.json()["code"] == "region.not_found", url
    assert client.get("/dashboard/").status_code in (302, 403, 404)


def test_the_data_migration_clears_deputies_jurisdictions(county):
    deputy = legacy_deputy_with_jurisdiction(county)
    leader = UserFactory(username="leader-m", role=Role.LEADER, jurisdiction=county)
    migration = importlib.import_module(
        "backend.accounts.migrations.0002_deputies_have_no_jurisdiction"
    )
    migration.clear_deputies_jurisdictions(apps, None)
    deputy.refresh_from_db()
    leader.refresh_from_db()
    assert (deputy.jurisdiction_id, leader.jurisdiction_id) == (None, county.id)


def test_the_admin_form_refuses_with_a_clear_message(client, county):
    root = UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(root)
    user = UserFactory(username="d-admin", role=Role.DEPUTY)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = {
        "username": "d-admin",
        "role": Role.DEPUTY,
        "jurisdiction": county.pk,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
    }
    response = client.post(url, form, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200  # the form again, with its error
    errors = response.context["adminform"].form.errors
    assert errors == {"jurisdiction": ["人大代表账号不设辖区：代表只看自己的记录。"]}
    user.refresh_from_db()
    assert user.jurisdiction_id is None
    form["role"] = Role.LEADER
    form["jurisdiction"] = ""
    response = client.post(url, form, HTTP_ACCEPT_LANGUAGE="zh-hans")
    errors = response.context["adminform"].form.errors
    assert errors == {"jurisdiction": ["工作人员和领导账号必须设置辖区。"]}
    form["jurisdiction"] = county.pk
    response = client.post(url, form)
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.role, user.jurisdiction_id) == (Role.LEADER, county.id)
