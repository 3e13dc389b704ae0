"""The printable QR card as a PDF (issue 12: "staff print a card (PDF) per station or deputy with
the name, the station's duty days and the code"): read back with a text extractor (pypdf), scoped
like the HTML card (the same 404 for missing and forbidden), hostile names set as text, and a
clear 503 when the CJK font is missing."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from backend.accounts.models import Role
from backend.intake import card_pdf
from tests.factories import MandateFactory, RegionFactory, StationFactory, UserFactory, square

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(county):
    township = RegionFactory(adcode="430121001", parent=county, boundary=square(113.0, 28.0, 0.05))
    other = RegionFactory(adcode="430182", name="宁乡市")
    station = StationFactory(region=township, name="星沙联络站", address="星沙大道1号")
    deputy = MandateFactory(deputy__region=township, deputy__name="张代表").deputy
    return {
        "station": station,
        "deputy": deputy,
        "other_station": StationFactory(region=other, name="宁乡联络站"),
        "staff": UserFactory(role=Role.STAFF, jurisdiction=county),
        "staff_x": UserFactory(role=Role.STAFF, jurisdiction=other),
    }


def _text(response) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.pages[0].mediabox.width == pytest.approx(297.6, abs=1)  # A6: 105 mm
    return "".join(page.extract_text() for page in reader.pages)


def _page(response, path: str) -> bytes:
    """An HTML 404 without its per-request CSRF token and the path it echoes."""
    body = re.sub(rb'value="[A-Za-z0-9]{64}"', b"csrf", response.content)
    return body.replace(path.encode(), b"{path}")


def pdf_url(kind: str, target_id: int) -> str:
    return reverse(f"intake:card-{kind}-pdf", args=[target_id])


def test_station_card_pdf_has_the_name_duty_days_and_the_code(place, client):
    station = place["station"]
    client.force_login(place["staff"])
    response = client.get(pdf_url("station", station.id))
    text = _text(response)
    for expected in ("代表联络站", "星沙联络站", "每月逢6日（6,16,26日）", "星沙大道1号"):
        assert expected in text.replace(" ", ""), (expected, text)
    assert f"/s/station/{station.id}/" in text  # the address the code opens, printed below it
    assert response.content.count(b"/FontFile2") == 1  # the CJK font embedded (a subset)
    # The HTML card links to it.
    html = client.get(reverse("intake:card-station", args=[station.id])).content.decode()
    assert pdf_url("station", station.id) in html


def test_deputy_card_pdf_lists_the_stations_and_their_duty_days(place, client):
    StationFactory(region=place["deputy"].region, name="泉塘联络站")
    client.force_login(place["deputy"].user)  # a deputy prints their own card
    text = _text(client.get(pdf_url("deputy", place["deputy"].id))).replace(" ", "")
    assert "人大代表" in text and "张代表" in text
    assert f"/s/deputy/{place['deputy'].id}/" in text


def test_english_card(place, client):
    client.force_login(place["staff"])
    response = client.get(pdf_url("station", place["station"].id), HTTP_ACCEPT_LANGUAGE="en")
    text = _text(response)
    assert "Deputies on duty" in text and "星沙联络站" in text


def test_card_pdf_is_scoped_with_the_same_404(place, client):
    url = pdf_url("station", place["station"].id)
    assert client.get(url).status_code == 302  # login first
    client.force_login(place["staff_x"])
    forbidden, missing = client.get(url), client.get(pdf_url("station", 987654))
    assert forbidden.status_code == missing.status_code == 404
    assert _page(forbidden, url) == _page(missing, pdf_url("station", 987654))
    assert client.get(pdf_url("deputy", place["deputy"].id)).status_code == 404
    client.force_login(place["deputy"].user)
    assert client.get(url).status_code == 404  # a deputy prints only their own card
    client.force_login(place["staff"])
    assert client.get(pdf_url("station", place["other_station"].id)).status_code == 404
    assert client.post(url).status_code == 405


@pytest.mark.parametrize(
    "name",
    [
        "<b>粗</b> & <font size=80>大</font> <para>",
        "站" * 100,
        "مركز 🚧 \u202e反向\u202c",
        "</para><img src='/etc/passwd'/>",
    ],
)
def test_hostile_names_are_set_as_text(place, client, name):
    station = place["station"]
    station.name, station.address = name, name
    station.save()
    client.force_login(place["staff"])
    text = _text(client.get(pdf_url("station", station.id)))
    assert "每月逢6日（6,16,26日）" in text.replace(" ", "")
    if "<b>" in name:
        assert "<b>粗</b>" in text  # markup printed, not obeyed


def test_a_missing_font_is_said_clearly(place, client, settings):
    settings.INTAKE_CARD_FONT = "/nonexistent/wqy-microhei.ttc"
    client.force_login(place["staff"])
    response = client.get(pdf_url("station", place["station"].id))
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "intake.card_font_missing"
    settings.INTAKE_CARD_FONT = __file__  # a file that is not a font
    assert client.get(pdf_url("station", place["station"].id)).status_code == 503


def test_the_default_font_is_the_one_the_set_up_installs():
    assert card_pdf.DEFAULT_FONT.endswith("wqy-microhei.ttc")
    assert card_pdf.card_font().startswith(card_pdf.FONT_NAME)
