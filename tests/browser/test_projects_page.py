"""The staff/leader page /projects/ (民生实事项目) in real Chromium on a 390×844 phone: staff
move a proposal to its next form with a reason, close a ballot only after ticking the
confirmation, and the published result shows the turnout; the projects are on the small map.

Screenshots: docs/screenshots/projects-phone.png and projects-result-phone.png."""

from __future__ import annotations

import pytest

from backend.projects import services
from tests.backend.projects.world import build_world, candidates
from tests.browser.conftest import PHONE, in_worker_thread, screenshot


def _world_with_ballot():
    world = build_world()
    props = candidates(world, 3)
    collected = services.proposal_create(
        jurisdiction=world.staff_j(),
        actor=world.staff,
        call=world.call,
        title="新增路灯",
        description="夜间无照明",
        estimated_cost_yuan=50_000,
    )
    session = services.ballot_open(
        jurisdiction=world.staff_j(),
        actor=world.staff,
        call=world.call,
        title="2026年星沙街道民生实事项目票决",
        proposal_ids=[p.pk for p in props],
        max_choices=2,
    )
    c = list(session.candidates.order_by("position").values_list("id", flat=True))
    for deputy, choices in zip(
        world.deputies[:4], ([c[0], c[1]], [c[0]], [c[0], c[2]], []), strict=True
    ):
        services.ballot_cast(deputy=deputy, session=session, choices=choices)
    return world, session, collected


@pytest.fixture
def voting(transactional_db):
    return in_worker_thread(_world_with_ballot)


def test_staff_advance_a_proposal_and_publish_the_result_on_a_phone(open_page, voting):
    world, session, collected = voting
    page = open_page("/projects/", viewport=PHONE, username="pstaff")
    assert page.locator("h1").inner_text() == "民生实事项目代表票决"
    call = page.locator(f"#pj-calls li[data-id='{world.call.pk}']")
    call.wait_for()
    assert "已征集" in call.inner_text() and "尚未评估" in call.inner_text()
    row = page.locator(f"#pj-proposals li[data-id='{collected.pk}'][data-stage=collected]")
    row.wait_for()
    page.wait_for_selector(f"#pj-ballot[data-id='{session.pk}'][data-status=open]")
    assert "已投票 4 / 应到 6" in page.locator("#pj-turnout").inner_text()
    page.wait_for_selector("#pj-map[data-features='3']")
    assert page.locator("#pj-legend li").count() == 5
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "projects-phone")

    # Without a reason the move is refused in the page; with one the row moves on.
    row.locator("button[data-to=referred]").click()
    page.wait_for_selector("#pj-message.error")
    row.locator("input[name=reason]").fill("镇政府讨论同意交办")
    row.locator("button[data-to=referred]").click()
    page.wait_for_selector(f"#pj-proposals li[data-id='{collected.pk}'][data-stage=referred]")
    collected.refresh_from_db()
    assert collected.stage == "referred"

    # Closing needs the confirmation ticked; then the result is published with the turnout.
    close = page.locator("#pj-close-btn")
    assert close.is_disabled()
    page.locator("#pj-confirm").check()
    close.click()
    page.wait_for_selector(f"#pj-ballot[data-id='{session.pk}'][data-status=closed]")
    turnout = page.locator("#pj-turnout").inner_text()
    assert "参加投票 4 / 6 (66.7%)" in turnout and "空白票 1" in turnout
    elected = page.locator("#pj-candidates li[data-result=elected]")
    assert elected.count() == 1 and "3 票" in elected.inner_text()
    assert "当选" in elected.inner_text()
    page.wait_for_selector("#pj-map[data-features='1']")  # the chosen project stays on the map
    screenshot(page, "projects-result-phone")

    leader = open_page("/projects/", viewport=PHONE, username="pleader")
    leader.wait_for_selector("#pj-ballot[data-status=closed]")
    assert "参加投票 4 / 6" in leader.locator("#pj-turnout").inner_text()
    assert leader.locator("#pj-close-btn").count() == 0
    assert leader.locator("#pj-proposals button").count() == 0
