"""The dashboard's one click from an opinion cluster to a livelihood-project proposal (issue
15, 征), in real Chromium on a 390x844 phone and a desktop: staff see the popup's button
「转为民生实事提议」, the proposal lands in the call open today for the cluster's township
with the cluster's three opinions as evidence; a second click is refused with the product's
message; with no open call the message says so; a leader (reads only) has no button.

Screenshot: docs/screenshots/dashboard-cluster-proposal-phone.png."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.projects import services
from backend.projects.models import Proposal, ProposalEvidence
from backend.regions.models import Region
from tests.browser.conftest import PHONE, in_worker_thread, screenshot

CLUSTER = "path[stroke='#ae3ec9']"


def _open_call(world, days_open: int = 20):
    """A call of 泉塘街道 (where the world's water cluster lies)."""
    today = timezone.localdate()
    return services.call_create(
        jurisdiction=jurisdiction_of(world.staff_a),
        actor=world.staff_a,
        region=Region.objects.get(adcode="430121002"),
        year=today.year,
        title="泉塘街道民生实事项目征集",
        opens_on=today - dt.timedelta(days=5),
        closes_on=today + dt.timedelta(days=days_open),
    )


def _cluster_popup(page):
    page.wait_for_function("() => window.cg && cg.dashboard && cg.dashboard.layers !== null")
    page.wait_for_function("document.getElementById('map').dataset.clusters === '1'")
    # A click event on the hull itself: a click at its centre may land on the count label
    # (a tooltip) and reach the cells below it instead.
    page.locator(CLUSTER).first.dispatch_event("click")
    page.locator(".leaflet-popup-content .popup").wait_for()


@pytest.mark.parametrize("viewport", [PHONE, None], ids=["phone", "desktop"])
def test_staff_turn_a_cluster_into_a_proposal(open_page, world, viewport):
    call = in_worker_thread(_open_call, world)
    page = open_page("/dashboard/", viewport=viewport, username="staff-a")
    _cluster_popup(page)
    button = page.locator(".leaflet-popup-content button.cluster-propose")
    assert button.inner_text() == "转为民生实事提议"
    button.click()
    result = page.locator(".cluster-propose-result[data-proposal]")
    result.wait_for()
    proposal = Proposal.objects.get()
    assert result.get_attribute("data-proposal") == str(proposal.pk)
    text = result.inner_text()
    assert text.startswith("已转为提议，列入 泉塘街道民生实事项目征集 · 此处群众意见集中：")
    assert text.endswith(" (3)") and text.split(" · ")[1] == proposal.title
    assert result.locator("a").get_attribute("href") == "/projects/?region=430121002"
    assert (proposal.call_id, proposal.source, proposal.proposed_by_id) == (
        call.pk,
        "cluster",
        world.staff_a.pk,
    )
    texts = sorted(
        ProposalEvidence.objects.filter(proposal=proposal).values_list("opinion__text", flat=True)
    )
    assert texts == [f"村里自来水水压不足 {i}" for i in range(3)]
    assert not button.is_visible()
    if viewport == PHONE:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "dashboard-cluster-proposal-phone")

    # Again (the popup reopened after a reload): refused, one proposal stays.
    page.reload()
    _cluster_popup(page)
    page.locator(".leaflet-popup-content button.cluster-propose").click()
    refused = page.locator(".cluster-propose-result[data-code='project.cluster_proposed']")
    refused.wait_for()
    assert refused.inner_text() == "这些意见已是本次征集中一条提议的依据。"
    assert Proposal.objects.count() == 1


def test_no_open_call_and_a_leader_without_the_button(open_page, world):
    call = in_worker_thread(_open_call, world)
    today = timezone.localdate()
    type(call).objects.filter(pk=call.pk).update(closes_on=today - dt.timedelta(days=1))
    page = open_page("/dashboard/", viewport=PHONE, username="staff-a")
    _cluster_popup(page)
    page.locator(".leaflet-popup-content button.cluster-propose").click()
    refused = page.locator(".cluster-propose-result[data-code='project.no_open_call']")
    refused.wait_for()
    assert "请先在民生实事页面开启征集" in refused.inner_text()
    assert not Proposal.objects.exists()

    leader = open_page("/dashboard/", viewport=PHONE, username="leader-a")
    _cluster_popup(leader)
    assert "水" in leader.inner_text(".leaflet-popup-content")
    assert leader.locator(".leaflet-popup-content button.cluster-propose").count() == 0
