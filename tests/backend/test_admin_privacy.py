"""No admin page answers a query on a resident's private field (backend.core.privacy): a
`citizen_contact__startswith` filter would recover a masked number digit by digit."""

import uuid

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from backend.core.privacy import PRIVATE_FIELDS, touches_private_field
from backend.opinions.models import Opinion
from backend.opinions.services import opinion_create
from tests.factories import DeputyFactory, UserFactory

pytestmark = pytest.mark.django_db

OUR_APPS = {"accounts", "regions", "grid", "liaison", "visits", "opinions", "coverage"}
LOOKUPS = ("", "__exact", "__startswith", "__istartswith", "__regex", "__contains", "__gt")


def private_paths(model, depth: int = 2, prefix: str = "") -> list[str]:
    """ORM paths from `model` to a private field, through forward relations up to `depth`."""
    paths = []
    for field in model._meta.get_fields():
        if field.name in PRIVATE_FIELDS:
            paths.append(prefix + field.name)
        elif depth > 1 and field.is_relation and field.concrete and field.related_model:
            paths += private_paths(field.related_model, depth - 1, f"{prefix}{field.name}__")
    return paths


def our_admins_with_private_paths():
    return [
        (model, path)
        for model in admin.site._registry
        if model._meta.app_label in OUR_APPS
        for path in private_paths(model)
    ]


@pytest.fixture
def opinion_with_contact(cells_3x3):
    deputy = DeputyFactory(region=cells_3x3[0].region)
    return opinion_create(
        deputy=deputy,
        client_uuid=uuid.uuid4(),
        category="roads",
        text="村口道路破损",
        recorded_at=timezone.now(),
        lon=113.005,
        lat=28.005,
        contact_consent=True,
        citizen_contact="13912345678",
    ).opinion


@pytest.fixture
def root_client(client, opinion_with_contact):
    client.force_login(UserFactory(username="root", role="admin", is_staff=True, is_superuser=True))
    return client


def test_the_paths_cover_the_known_private_fields():
    paths = {f"{m._meta.model_name}:{p}" for m, p in our_admins_with_private_paths()}
    assert {
        "opinion:citizen_contact",
        "opiniontransition:opinion__citizen_contact",
        "visit:household_ref",
        "cellhousehold:household_ref",
    } <= paths


@pytest.mark.parametrize("lookup", LOOKUPS)
def test_no_changelist_filters_on_a_private_field(root_client, lookup):
    for model, path in our_admins_with_private_paths():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = root_client.get(url, {f"{path}{lookup}": "1391"})
        assert response.status_code == 400, (url, path, lookup)


def test_the_digit_by_digit_attack_learns_nothing(root_client):
    """Before the fix, the matching prefix listed the opinion and the wrong one listed none."""
    url = reverse("admin:opinions_opinion_changelist")
    right = root_client.get(url, {"citizen_contact__startswith": "1391"})
    wrong = root_client.get(url, {"citizen_contact__startswith": "1390"})
    assert right.status_code == wrong.status_code == 400
    assert right.content == wrong.content
    assert Opinion.objects.filter(citizen_contact__startswith="1391").count() == 1


def test_no_admin_searches_orders_or_lists_by_a_private_field(root_client):
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        request = root_client.get("/").wsgi_request
        named = [
            *model_admin.get_search_fields(request),
            *(f for f in model_admin.get_list_filter(request) if isinstance(f, str)),
            *(model_admin.get_ordering(request) or ()),
            *(f for f in model_admin.get_list_display(request) if isinstance(f, str)),
            *(model_admin.get_sortable_by(request) or ()),
            model_admin.date_hierarchy or "",
        ]
        for name in named:
            order = getattr(getattr(model_admin, name, None), "admin_order_field", None)
            assert not touches_private_field(str(order or name)), (model, name)


def test_ordering_by_a_private_column_index_is_impossible(root_client):
    """`?o=` sorts by list_display positions only; none of them is the contact."""
    url = reverse("admin:opinions_opinion_changelist")
    response = root_client.get(url, {"o": "1.2.3.4.5.6.7.8.9"})
    assert response.status_code == 200
    assert "13912345678" not in response.content.decode()


def test_the_map_api_takes_no_filter_on_a_contact(client, opinion_with_contact, county):
    """The map API reads only the parameters it declares: a contact filter changes nothing."""
    client.force_login(UserFactory(username="staff-p", role="staff", jurisdiction=county))
    plain = client.get("/api/map/v1/opinions").json()
    for params in ({"citizen_contact__startswith": "1390"}, {"citizen_contact": "1"}):
        assert client.get("/api/map/v1/opinions", params).json() == plain
    assert [r["citizen_contact"] for r in plain["results"]] != ["13912345678"]
    assert len(plain["results"]) == 1
