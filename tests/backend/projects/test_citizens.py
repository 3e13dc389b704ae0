"""Citizens in the livelihood-projects funnel (issue 15), through the public pages: a proposal to
an open call of their township (群众提议: no account, an optional point inside the township, an
optional phone number kept only with consent and read masked, the challenge and the rate
limits) and, once a project is done, their satisfaction 1-5, once per device, counted beside
the deputies' against the 90% bar. Also the database's rule that a proposal has a user author
or is a citizen's."""

from __future__ import annotations

import json

import pytest
from captcha.models import CaptchaStore
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import translation

from backend.projects import services
from backend.projects.models import CitizenRating, Proposal, ProposalSource
from backend.projects.selectors import call_summary
from map_ui.views import project_strings
from tests.backend.projects.world import build_world, candidates
from tests.factories import UserFactory
from tests.map_ui.test_csp import _assert_csp_clean

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.INTAKE_RATE_LIMITS = {"ip": (3, 3600), "phone": (2, 86400), "rating": (50, 3600)}
    caches["mobile_api_throttle"].clear()
    yield
    caches["mobile_api_throttle"].clear()


@pytest.fixture
def world():
    return build_world()


def _captcha() -> dict:
    key = CaptchaStore.generate_key()
    return {"captcha_key": key, "captcha": CaptchaStore.objects.get(hashkey=key).response}


def _post(client: Client, url: str, body: dict, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def _propose(client, call, **fields):
    body = {"title": "修建村口公厕", "description": "赶集的人多，没有厕所", **_captcha(), **fields}
    return _post(client, f"/api/public/v1/project-calls/{call.pk}/proposals", body)


def test_a_citizen_proposes_to_an_open_call_and_staff_see_it_masked(world):
    client = Client()
    page = client.get(f"/p/call/{world.call.pk}/")
    assert page.status_code == 200
    _assert_csp_clean(page, "/p/call/")
    html = page.content.decode()
    assert world.call.title in html and 'id="propose-form"' in html and "/captcha/image/" in html

    answer = _propose(
        client, world.call, lon=113.02, lat=28.02, phone="138 1234 5678", consent=True
    )
    assert answer.status_code == 201, answer.content
    assert answer.json() == {"received": True, "call": world.call.title}
    proposal = Proposal.objects.get(source=ProposalSource.CITIZEN)
    assert (proposal.proposed_by, proposal.deputy, proposal.stage) == (None, None, "collected")
    assert proposal.citizen_contact == "13812345678" and proposal.contact_consent is True
    assert proposal.place.coords == pytest.approx((113.02, 28.02))
    assert (proposal.adcode, proposal.estimated_cost_yuan) == (world.call.adcode, 0)

    staff = Client()
    staff.force_login(world.staff)
    rows = staff.get(f"/api/map/v1/project-calls/{world.call.pk}/proposals").json()["results"]
    row = next(r for r in rows if r["id"] == proposal.pk)
    assert (row["source"], row["citizen_contact"], row["has_place"]) == (
        "citizen",
        "*******5678",
        True,
    )
    assert "13812345678" not in json.dumps(rows)
    admin = Client()
    admin.force_login(UserFactory(username="proot", role="admin", is_staff=True, is_superuser=True))
    shown = admin.get(f"/admin/projects/proposal/{proposal.pk}/change/")
    assert shown.status_code == 200
    assert "*******5678" in shown.content.decode() and "13812345678" not in shown.content.decode()
    lookup = admin.get("/admin/projects/proposal/", {"citizen_contact__startswith": "138"})
    assert lookup.status_code == 400
    # The staff page names the source 群众提议.
    with translation.override("zh-hans"):
        assert project_strings()["sources_citizen"] == "群众提议"
    with translation.override("en"):
        assert project_strings()["sources_citizen"] == "citizen"


def test_the_citizens_proposal_gates(world, settings):
    client = Client()
    outside = _propose(client, world.call, lon=113.2, lat=28.02)
    assert (outside.status_code, outside.json()["code"], outside.json()["field"]) == (
        400,
        "intake.location_out_of_area",
        "location",
    )
    assert "星沙街道" in outside.json()["message"]
    no_consent = _propose(client, world.call, phone="13812345678")
    assert (no_consent.status_code, no_consent.json()["field"]) == (400, "consent")
    empty = _propose(client, world.call, title="  ")
    assert (empty.status_code, empty.json()["code"], empty.json()["field"]) == (
        400,
        "project.text_required",
        "title",
    )
    wrong = _propose(client, world.call, captcha="WRONG")
    assert (wrong.status_code, wrong.json()["code"]) == (400, "intake.captcha_failed")
    missing = _post(client, "/api/public/v1/project-calls/987654321/proposals", {})
    assert (missing.status_code, missing.json()["code"]) == (404, "project.call_not_found")
    assert Client().get("/p/call/987654321/").status_code == 404
    assert not Proposal.objects.filter(source=ProposalSource.CITIZEN).exists()

    # The IP address's limit (3 an hour here): the fourth is refused with Retry-After.
    assert [_propose(client, world.call).status_code for _ in range(3)] == [201] * 3
    limited = _propose(client, world.call)
    assert (limited.status_code, limited.json()["code"]) == (429, "intake.rate_limited")
    assert limited["Retry-After"] == "3600"

    # A call that is not open today takes nothing, and its page says so.
    world.call.closes_on = world.call.opens_on
    world.call.save(update_fields=["closes_on"])
    caches["mobile_api_throttle"].clear()
    closed = _propose(client, world.call)
    assert (closed.status_code, closed.json()["code"]) == (409, "project.call_closed")
    page = client.get(f"/p/call/{world.call.pk}/").content.decode()
    assert 'id="call-closed"' in page and 'id="propose-form"' not in page


def test_a_proposal_has_a_user_author_or_is_a_citizens(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.create(
            call=world.call,
            title="x",
            description="x",
            estimated_cost_yuan=0,
            source=ProposalSource.STAFF,
            proposed_by=None,
            adcode=world.call.adcode,
            county_adcode=world.call.county_adcode,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.create(
            call=world.call,
            title="x",
            description="x",
            estimated_cost_yuan=0,
            source=ProposalSource.CITIZEN,
            citizen_contact="13812345678",
            contact_consent=False,
            adcode=world.call.adcode,
            county_adcode=world.call.county_adcode,
        )


def _done_project(world):
    props = candidates(world, 3)
    session = services.ballot_open(
        jurisdiction=world.staff_j(),
        actor=world.staff,
        call=world.call,
        title="票决",
        proposal_ids=[p.pk for p in props],
        max_choices=1,
    )
    first = session.candidates.order_by("position").first()
    for deputy in world.deputies[:4]:
        services.ballot_cast(deputy=deputy, session=session, choices=[first.id])
    services.ballot_close(jurisdiction=world.staff_j(), actor=world.staff, ballot_id=session.pk)
    for proposal in props:
        proposal.refresh_from_db()
    return props[0], props[1]


def test_citizens_rate_a_done_project_once_per_device_beside_the_deputies(world):
    project, not_chosen = _done_project(world)
    client = Client()
    url = f"/p/project/{project.pk}/"
    assert client.get(url).status_code == 404  # chosen but not done: nothing to rate yet
    assert client.get(f"/p/project/{not_chosen.pk}/").status_code == 404
    services.project_update(
        jurisdiction=world.staff_j(),
        actor=world.staff,
        proposal_id=project.pk,
        status="done",
        progress_pct=100,
        note="完工",
    )
    for deputy, satisfied in zip(world.deputies[:2], (True, False), strict=True):
        services.evaluation_record(deputy=deputy, proposal=project, satisfied=satisfied)

    page = client.get(url)
    assert page.status_code == 200 and 'id="rate-form"' in page.content.decode()
    _assert_csp_clean(page, url)
    device = page.cookies["cg_rater"]
    assert device["httponly"] and len(device.value) >= 20
    submit = f"/api/public/v1/projects/{project.pk}/satisfaction"
    bad = _post(client, submit, {"rating": 6, **_captcha()})
    assert (bad.status_code, bad.json()["code"]) == (400, "intake.invalid_rating")
    rated = _post(client, submit, {"rating": 4, **_captcha()})
    assert rated.status_code == 201, rated.content
    assert rated.json() == {
        "rating": 4,
        "satisfaction": {
            "evaluations": 3,
            "satisfied": 2,
            "pct": 66.7,
            "deputies": 2,
            "deputies_pct": 50.0,
            "citizens": 1,
            "citizens_pct": 100.0,
            "bar_pct": 90,
            "meets_bar": False,
        },
    }
    again = _post(client, submit, {"rating": 5, **_captcha()})
    assert (again.status_code, again.json()["code"]) == (409, "project.already_rated")
    shown = client.get(url).content.decode()
    assert 'id="rated"' in shown and 'id="rate-form"' not in shown and "66.7%" in shown
    # No device cookie stored: only its keyed hash.
    stored = CitizenRating.objects.get()
    assert stored.device_hash != device.value and device.value not in stored.device_hash

    # Another device (a client without the cookie gets one with its first rating).
    other = Client()
    low = _post(other, submit, {"rating": 2, **_captcha()})
    assert low.status_code == 201 and "cg_rater" in low.cookies
    summary = call_summary(call=world.call)["satisfaction"]
    assert (summary["citizens"], summary["citizens_pct"], summary["pct"]) == (2, 50.0, 50.0)

    staff = Client()
    staff.force_login(world.staff)
    rows = staff.get(f"/api/map/v1/project-calls/{world.call.pk}/proposals").json()["results"]
    row = next(r for r in rows if r["id"] == project.pk)
    assert (row["satisfaction_pct"], row["rating_url"]) == (50.0, url)
