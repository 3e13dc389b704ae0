"""The staff proposal form of /projects/ (issue 15, 征) in real Chromium on a 390x844 phone:
title, description, estimated cost, a point tapped on the small map and the opinions it comes
from, posted to the call selected on the page; an invalid field is refused with its message
and focused; a leader (reads only) has no form.

Screenshot: docs/screenshots/projects-proposal-form-phone.png."""

from __future__ import annotations

import pytest

from backend.projects.models import Proposal, ProposalEvidence
from tests.backend.projects.world import build_world, opinion_at
from tests.browser.conftest import PHONE, in_worker_thread, screenshot


def _world():
    world = build_world()
    return world, opinion_at(world.deputies[0], lon=113.02, lat=28.02, text="村口没有路灯")


@pytest.fixture
def township(transactional_db):
    return in_worker_thread(_world)


def test_staff_add_a_proposal_with_a_place_on_a_phone(open_page, township):
    world, opinion = township
    page = open_page("/projects/?region=430121001", viewport=PHONE, username="pstaff")
    page.locator(f"#pj-calls li[data-id='{world.call.pk}']").wait_for()
    page.click("#pj-new-proposal summary")
    # <details> fires its toggle event in a later task: the call's line is written then
    page.wait_for_function("document.getElementById('pj-proposal-call').textContent !== ''")
    assert page.inner_text("#pj-proposal-call") == "列入征集： 星沙街道民生实事项目征集"
    form = page.locator("#pj-proposal-form")

    # The title left empty: refused by the server, its message shown, the field focused.
    form.locator("textarea[name=description]").fill("夜间无照明，老人出行不便")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#pj-message.error:not([hidden])")
    assert page.evaluate("document.activeElement.name") == "title"
    assert not Proposal.objects.exists()

    form.locator("input[name=title]").fill("村口路灯")
    form.locator("input[name=estimated_cost_yuan]").fill("80000")
    box = page.locator("#pj-proposal-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    picked = page.get_attribute("#pj-proposal-map", "data-picked")
    lon, lat = (float(x) for x in picked.split(","))
    assert lon == pytest.approx(113.025, abs=0.005) and lat == pytest.approx(28.025, abs=0.005)
    form.locator("input[name=opinion_ids]").fill(str(opinion.pk))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "projects-proposal-form-phone")
    form.locator("button[type=submit]").click()

    row = page.locator("#pj-proposals li[data-stage='collected']")
    row.wait_for()
    assert "村口路灯" in row.inner_text() and "80,000" in row.inner_text()
    proposal = Proposal.objects.get()
    assert (proposal.title, proposal.estimated_cost_yuan, proposal.call_id) == (
        "村口路灯",
        80_000,
        world.call.pk,
    )
    assert proposal.place.coords == pytest.approx((lon, lat), abs=1e-6)
    assert list(ProposalEvidence.objects.values_list("opinion_id", flat=True)) == [opinion.pk]
    assert page.inner_text("#pj-message") == "提议已录入（项目海选征集表）。"


def test_a_leader_has_no_proposal_form(open_page, township):
    world, _opinion = township
    page = open_page("/projects/", viewport=PHONE, username="pleader")
    page.locator(f"#pj-calls li[data-id='{world.call.pk}']").wait_for()
    assert page.locator("#pj-proposal-form").count() == 0
