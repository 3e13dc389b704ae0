"""The secret vote on a phone: the ballot screen says voting needs the network, limits the
choices to the seats, casts once, and shows the published result after the close."""

from __future__ import annotations

import pytest

from backend.projects import services
from backend.projects.models import AnonymousBallot, BallotParticipation
from tests.backend.projects.world import build_world, candidates

from .conftest import in_worker_thread
from .test_phone_app import (  # noqa: F401 - `phone` is a fixture
    app_login,
    go_offline,
    go_online,
    no_horizontal_scroll,
    open_screen,
    phone,
    screenshot,
)


def _world_with_ballot():
    world = build_world()
    session = services.ballot_open(
        jurisdiction=world.staff_j(),
        actor=world.staff,
        call=world.call,
        title="2026年星沙街道民生实事项目票决",
        proposal_ids=[p.pk for p in candidates(world, 3)],
        max_choices=2,
    )
    return world, session


@pytest.fixture
def voting(transactional_db):
    return in_worker_thread(_world_with_ballot)


def test_a_deputy_casts_a_secret_ballot_on_the_phone_and_sees_the_result(phone, voting):  # noqa: F811
    world, session = voting
    page = phone()
    app_login(page, "pdep0")
    open_screen(page, "ballots")
    card = page.locator(f"#ballot-list li[data-id='{session.pk}'][data-state='open']")
    card.wait_for()
    assert "投票需要联网" in card.locator(".online-only").inner_text()
    boxes = card.locator("input[name=choice]")
    assert boxes.count() == 3
    assert card.locator("button[type=submit]").inner_text() == "投空白票"
    boxes.nth(0).check()
    boxes.nth(2).check()
    assert boxes.nth(1).is_disabled()  # two seats: the third choice is refused
    assert card.locator("[data-role=count]").inner_text() == "已选 2 / 2"
    go_offline(page.context)
    page.wait_for_function("() => document.querySelector('.ballot-form button').disabled")
    go_online(page.context)
    page.wait_for_function("() => !document.querySelector('.ballot-form button').disabled")
    no_horizontal_scroll(page)
    screenshot(page, "phone-ballot")
    card.locator("button[type=submit]").click()
    page.locator(f"#ballot-list li[data-id='{session.pk}'][data-state='voted']").wait_for()
    assert page.dialogs == ["确认投票（选了 2 个项目）？投出后不能更改。"]
    assert BallotParticipation.objects.filter(session=session).count() == 1
    assert list(AnonymousBallot.objects.values_list("choices", flat=True)) == [
        sorted(session.candidates.order_by("position").values_list("id", flat=True))[::2]
    ]

    def close():
        for deputy in world.deputies[1:4]:
            first = session.candidates.order_by("position").first()
            services.ballot_cast(deputy=deputy, session=session, choices=[first.id])
        services.ballot_close(jurisdiction=world.staff_j(), actor=world.staff, ballot_id=session.pk)

    in_worker_thread(close)
    page.reload()
    page.wait_for_function("() => document.body.dataset.ready === 'true'")
    open_screen(page, "ballots")
    closed = page.locator(f"#ballot-list li[data-id='{session.pk}'][data-state='closed']")
    closed.wait_for()
    assert "应到 6 名代表，实际投票 4 名，空白票 0 张" in closed.inner_text()
    results = closed.locator("li.candidate")
    assert results.nth(0).get_attribute("data-result") == "elected"
    assert "当选 · 4 票" in results.nth(0).inner_text()
    assert results.nth(1).get_attribute("data-result") == "not_elected"
    no_horizontal_scroll(page)
    screenshot(page, "phone-ballot-result")
