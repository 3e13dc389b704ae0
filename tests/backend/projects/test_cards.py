"""The printable QR cards (A6 PDF) of the livelihood projects' public pages (issue 15): a
call's proposal page and a finished project's satisfaction page, read back with pypdf; the
intake card's layout and font; scoped like the page (the same 404 for missing and forbidden,
and for a project not yet finished); a clear 503 without the CJK font."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from backend.projects.models import ProposalStage
from tests.backend.projects.world import build_world, candidates

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.pages[0].mediabox.width == pytest.approx(297.6, abs=1)  # A6: 105 mm
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "")


def _page(response, path: str) -> bytes:
    """An HTML 404 without its per-request CSRF token and the path it echoes."""
    body = re.sub(rb'value="[A-Za-z0-9]{64}"', b"csrf", response.content)
    return body.replace(path.encode(), b"{path}")


def test_the_call_card_has_its_title_dates_and_the_page_address(world):
    url = reverse("projects:card-call-pdf", args=[world.call.pk])
    text = _text(_client(world.staff).get(url))
    for expected in ("民生实事项目征集", "星沙街道民生实事项目征集", "星沙街道·", "扫码提出"):
        assert expected in text, (expected, text)
    assert f"/p/call/{world.call.pk}/" in text  # the address the code opens
    assert _text(_client(world.leader).get(url))  # leaders read: they may print


def test_the_project_card_only_for_a_finished_project(world):
    project = candidates(world, 1)[0]
    url = reverse("projects:card-project-pdf", args=[project.pk])
    staff = _client(world.staff)
    missing = staff.get(reverse("projects:card-project-pdf", args=[987654321]))
    unfinished = staff.get(url)
    assert unfinished.status_code == missing.status_code == 404  # a candidate: no rating page
    type(project).objects.filter(pk=project.pk).update(
        stage=ProposalStage.CHOSEN, status="done", department="县住建局"
    )
    text = _text(staff.get(url))
    for expected in ("民生实事项目", "项目1", "县住建局", "扫码评价"):
        assert expected in text, (expected, text)
    assert f"/p/project/{project.pk}/" in text


def test_cards_are_scoped_and_a_missing_font_is_a_clear_503(world, settings):
    url = reverse("projects:card-call-pdf", args=[world.call.pk])
    missing = reverse("projects:card-call-pdf", args=[987654321])
    outsider = _client(world.other_leader)
    assert outsider.get(url).status_code == 404
    assert _page(outsider.get(url), url) == _page(outsider.get(missing), missing)
    deputy = _client(world.deputies[0].user)
    assert deputy.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page
    settings.INTAKE_CARD_FONT = "/nonexistent/font.ttc"
    response = _client(world.staff).get(url)
    assert (response.status_code, response.json()["code"]) == (503, "intake.card_font_missing")
