"""One mask for a resident's contact (backend.core.privacy.mask_contact): at least half hidden
at every length and kind, and the same string on every read path."""

import math
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.core.privacy import mask_contact
from backend.opinions.services import opinion_create
from tests.factories import DeputyFactory, UserFactory

DIGITS = "138123456789012"


def hidden_share(contact: str, masked: str) -> float:
    significant = [i for i, ch in enumerate(contact) if ch.isalnum()]
    hidden = [i for i in significant if masked[i] == "*" and contact[i] != "*"]
    return len(hidden) / len(significant)


@pytest.mark.parametrize("length", range(1, 16))
def test_at_least_half_of_every_number_is_hidden(length):
    number = DIGITS[:length]
    masked = mask_contact(number)
    assert len(masked) == length
    assert hidden_share(number, masked) >= 0.5
    visible = masked.lstrip("*")
    assert number.endswith(visible)  # what shows is the tail, never scattered digits
    assert len(visible) == min(4, length // 2)


@pytest.mark.parametrize(
    ("contact", "masked"),
    [
        ("13812341234", "*******1234"),
        ("84501234", "****1234"),  # 8 and 9 digits used to show 7 (845*1234)
        ("845001234", "*****1234"),
        ("075512345678", "********5678"),
        ("12345", "***45"),
        ("12", "*2"),
        ("1", "*"),
        ("", ""),
        ("zhangsan@example.com", "***************e.com"),
        ("wxid_abc123", "*******c123"),
        ("138-1234-1234", "*********1234"),
        ("a@b", "**b"),
        ("---", "***"),
    ],
)
def test_mask_examples(contact, masked):
    assert mask_contact(contact) == masked
    if any(ch.isalnum() for ch in contact):
        assert hidden_share(contact, masked) >= 0.5


@pytest.mark.django_db
def test_every_read_path_shows_the_same_mask(client, cells_3x3, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    county = cells_3x3[0].region
    user = UserFactory(username="deputy-m", password="pass-1234")
    deputy = DeputyFactory(user=user, region=county)
    opinion = opinion_create(
        deputy=deputy,
        # Fixed values: a random UUID or time on the admin page could hold the digits below.
        client_uuid=uuid.UUID(int=1),
        category="roads",
        text="路灯不亮",
        recorded_at=timezone.now().replace(microsecond=0),
        lon=113.005,
        lat=28.005,
        contact_consent=True,
        citizen_contact="845001234",
    ).opinion
    expected = "*****1234"
    seen = {}

    login = client.post(
        "/api/mobile/v1/auth/login",
        {"username": "deputy-m", "password": "pass-1234", "device_id": "phone-m"},
        content_type="application/json",
    )
    bearer = {"Authorization": f"Bearer {login.json()['access']}"}
    seen["phone list"] = client.get("/api/mobile/v1/opinions", headers=bearer).json()["results"][0][
        "citizen_contact"
    ]
    seen["phone detail"] = client.get(
        f"/api/mobile/v1/opinions/{opinion.id}", headers=bearer
    ).json()["citizen_contact"]

    client.force_login(UserFactory(username="staff-m", role="staff", jurisdiction=county))
    seen["map list"] = client.get("/api/map/v1/opinions").json()["results"][0]["citizen_contact"]
    seen["map detail"] = client.get(f"/api/map/v1/opinions/{opinion.id}").json()["citizen_contact"]

    client.force_login(
        UserFactory(username="root-m", role="admin", is_staff=True, is_superuser=True)
    )
    page = client.get(reverse("admin:opinions_opinion_change", args=[opinion.id])).content.decode()
    seen["admin"] = expected if expected in page else page

    assert seen == dict.fromkeys(seen, expected)
    # The hidden digits appear nowhere (CSRF tokens, long random alphanumerics, are left out).
    visible = re.sub(r"[A-Za-z0-9]{32,}", "", page.replace(str(opinion.id), ""))
    assert "84500" not in visible
    assert math.isclose(hidden_share("845001234", expected), 5 / 9)
