"""The staff/leader page /projects/ (民生实事项目) in real Chromium on a 390×844 phone: staff
move a proposal to its next form with a reason, close a ballot only after ticking the
confirmation, and the published result shows the turnout; the projects are on the small map.
Staff open a call and a ballot from the page's forms; a citizen proposes on the call's public
page and staff see it as 群众提议.

Screenshots: docs/screenshots/projects-phone.png, projects-result-phone.png,
projects-open-ballot-phone.png and projects-citizen-proposal-phone.png."""

from __future__ import annotations

import pytest
from captcha.models import CaptchaStore
from django.core.cache import caches

from backend.projects import services
from backend.projects.models import BallotSession, ProjectCall, Proposal
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


def _csp_reports(page) -> list[str]:
    """The Content-Security-Policy reports the page makes from now on (the server sends the
    policy report-only: tests/browser/conftest.py)."""
    reports: list[str] = []
    page.on(
        "console",
        lambda msg: reports.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return reports


def _world_with_candidates():
    world = build_world()
    return world, candidates(world, 3)


@pytest.fixture
def shortlisted(transactional_db):
    return in_worker_thread(_world_with_candidates)


def test_staff_open_a_call_and_a_ballot_on_a_phone(open_page, shortlisted):
    """The two forms of the page on a 390×844 phone: a call (closing before opening is refused
    with the field named, then opened) and a ballot on the call's candidates (seats must stay
    below the candidates; quorum and session date kept)."""
    world, props = shortlisted
    page = open_page("/projects/", viewport=PHONE, username="pstaff")
    page.locator(f"#pj-calls li[data-id='{world.call.pk}']").wait_for()
    year = world.call.year + 1

    page.locator("#pj-new-call summary").click()
    form = page.locator("#pj-call-form")
    form.locator("select[name=region]").select_option("430121")
    form.locator("input[name=year]").fill(str(year))
    form.locator("input[name=title]").fill(f"长沙县{year}年民生实事项目征集")
    form.locator("input[name=opens_on]").fill(f"{year}-02-01")
    form.locator("input[name=closes_on]").fill(f"{year}-01-01")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#pj-message.error")
    assert "project.invalid_field" in page.locator("#pj-message").inner_text()
    assert page.evaluate("document.activeElement.name") == "closes_on"
    form.locator("input[name=closes_on]").fill(f"{year}-03-31")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#pj-calls li.pj-call >> nth=1")
    call = in_worker_thread(lambda: ProjectCall.objects.get(year=year, adcode="430121"))
    assert (str(call.opens_on), str(call.closes_on), call.level) == (
        f"{year}-02-01",
        f"{year}-03-31",
        "county",
    )
    page.wait_for_selector(f"#pj-calls li.active[data-id='{call.pk}']")
    # No candidates in the new call: once its (empty) proposals are in, no ballot form.
    page.wait_for_selector("#pj-proposals li.muted")
    page.wait_for_selector("#pj-new-ballot[hidden]", state="attached")

    page.locator(f"#pj-calls li[data-id='{world.call.pk}'] .pj-call-title").click()
    page.wait_for_selector("#pj-new-ballot:not([hidden])")
    page.locator("#pj-new-ballot summary").click()
    ballot = page.locator("#pj-ballot-form")
    assert ballot.locator("#pj-ballot-candidates input:checked").count() == 3
    assert "3" in page.locator("#pj-ballot-rule").inner_text()
    ballot.locator("input[name=title]").fill("星沙街道民生实事项目票决")
    ballot.locator("input[name=max_choices]").fill("3")
    ballot.locator("button[type=submit]").click()
    page.wait_for_selector("#pj-message.error")
    assert "差额" in page.locator("#pj-message").inner_text()
    ballot.locator("input[name=max_choices]").fill("2")
    ballot.locator("input[name=min_choices]").fill("1")
    ballot.locator("select[name=quorum]").select_option("two_thirds")
    ballot.locator("input[name=session_on]").fill(f"{world.call.year}-12-20")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "projects-open-ballot-phone")
    ballot.locator("button[type=submit]").click()
    page.wait_for_selector("#pj-ballot[data-status=open]")
    turnout = page.locator("#pj-turnout").inner_text()
    assert "已投票 0 / 应到 6" in turnout and "三分之二以上" in turnout
    session = in_worker_thread(lambda: BallotSession.objects.get(call=world.call))
    assert (session.max_choices, session.min_choices, session.quorum) == (2, 1, "two_thirds")
    assert str(session.session_on) == f"{world.call.year}-12-20"
    positions = in_worker_thread(
        lambda: list(session.candidates.order_by("position").values_list("proposal_id", flat=True))
    )
    assert positions == [p.pk for p in props]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.fixture
def open_call(transactional_db):
    return in_worker_thread(build_world)


def test_a_citizen_proposes_on_a_phone_and_staff_see_it(open_page, open_call):
    """The call's public page on a phone, without an account: a proposal with a point tapped
    inside the township and a phone number with consent; staff see it as 群众提议, the number
    masked."""
    world = open_call
    in_worker_thread(caches["mobile_api_throttle"].clear)
    page = open_page(f"/p/call/{world.call.pk}/", viewport=PHONE)
    reports = _csp_reports(page)
    assert page.locator("h1").inner_text() == world.call.title
    page.fill("#f-title", "村口建公厕")
    page.fill("#f-description", "赶集的人多，附近没有公厕。")
    page.click("#f-pick")
    page.wait_for_selector("#f-map[data-ready='1']", state="attached")
    page.locator("#f-map").click()  # the middle of the map: inside the township's outline
    page.wait_for_selector("#f-map:not([data-picked=''])")
    page.fill("#f-phone", "13812345678")
    page.check("#f-consent")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "projects-citizen-proposal-phone")
    key = page.input_value("#f-captcha-key")
    page.fill(
        "#f-captcha", in_worker_thread(lambda: CaptchaStore.objects.get(hashkey=key).response)
    )
    page.click("#f-submit")
    page.wait_for_selector("#done:not([hidden])")
    assert reports == []
    proposal = in_worker_thread(lambda: Proposal.objects.get(source="citizen"))
    assert proposal.proposed_by_id is None and proposal.citizen_contact == "13812345678"
    assert world.township.boundary.contains(proposal.place)

    staff = open_page("/projects/", viewport=PHONE, username="pstaff")
    row = staff.locator(f"#pj-proposals li[data-id='{proposal.pk}']")
    row.wait_for()
    text = row.inner_text()
    assert "群众提议" in text and "*******5678" in text and "13812345678" not in text


def _done_project():
    world = build_world()
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
    services.project_update(
        jurisdiction=world.staff_j(),
        actor=world.staff,
        proposal_id=props[0].pk,
        status="done",
        progress_pct=100,
        note="完工验收",
        department="县住建局",
    )
    project = Proposal.objects.get(pk=props[0].pk)
    for deputy in world.deputies[:2]:
        services.evaluation_record(deputy=deputy, proposal=project, satisfied=True)
    return world, project


@pytest.fixture
def done(transactional_db):
    return in_worker_thread(_done_project)


def test_a_citizen_rates_a_done_project_once_on_a_phone(open_page, done):
    """A finished project's public page: the deputies' satisfaction, the citizen's rating
    (counted at once, beside the deputies', against the 90% bar), then no second rating from
    this phone."""
    _world, project = done
    in_worker_thread(caches["mobile_api_throttle"].clear)
    page = open_page(f"/p/project/{project.pk}/", viewport=PHONE)
    reports = _csp_reports(page)
    assert page.locator("h1").inner_text() == project.title
    assert "100.0%" in page.locator("#s-deputies").inner_text()
    assert "尚未测评" in page.locator("#s-citizens").inner_text()
    page.locator("#rate-form input[name=rating][value='2']").check()
    key = page.input_value("#f-captcha-key")
    page.fill(
        "#f-captcha", in_worker_thread(lambda: CaptchaStore.objects.get(hashkey=key).response)
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "projects-citizen-rating-phone")
    page.click("#f-submit")
    page.wait_for_selector("#rated")  # the page reloads with the rating counted
    assert "0.0%" in page.locator("#s-citizens").inner_text()
    total = page.locator("#s-total")
    assert "66.7%" in total.inner_text() and "90%" in total.inner_text()
    assert total.get_attribute("data-meets") == "0"
    assert page.locator("#rate-form").count() == 0
    assert in_worker_thread(lambda: project.citizen_ratings.count()) == 1
    assert reports == []  # the reloaded page too
