"""Opinion-cluster bubbles that do not hide each other (issue 14), in real Chromium: two
clusters 1.3 km apart share one bubble when they are a few pixels apart (the sum and how many it
stands for, marked "merged"), and each has its own once zoomed in; the smaller hull lies above
the larger, so both stay clickable."""

from __future__ import annotations

import uuid

from django.utils import timezone

from backend.opinions.services import opinion_create
from tests.browser.conftest import PHONE, in_worker_thread

STATE = """() => { const m = document.getElementById('map');
  const shown = [...document.querySelectorAll('.cluster-label')].filter(
      el => el.style.display !== 'none');
  return { labels: m.dataset.clusterLabels, texts: shown.map(el => el.textContent.trim()),
           merged: shown.filter(el => el.classList.contains('merged')).length }; }"""


def _second_cluster(world) -> None:
    """Four opinions ~1.3 km east of the world's water cluster (three): a cluster of its own at
    DBSCAN's 500 m."""
    import datetime as dt

    w, s, _e, _n = world.cells_a[6].boundary.extent
    for i, (dx, dy) in enumerate([(0.016, 0.002), (0.017, 0.003), (0.016, 0.004), (0.017, 0.002)]):
        in_worker_thread(
            opinion_create,
            deputy=world.deputy_a,
            client_uuid=uuid.uuid4(),
            category="roads",
            text=f"路面坑洼 {i}",
            recorded_at=timezone.now() - dt.timedelta(days=1 + i),
            lon=w + dx,
            lat=s + dy,
        )


def _view(page, world, zoom: int) -> dict:
    w, s, _e, _n = world.cells_a[6].boundary.extent  # between the two clusters
    page.evaluate(
        "a => cg.map.setView([a[1], a[0]], a[2], { animate: false })", [w + 0.01, s + 0.003, zoom]
    )
    page.wait_for_function(f"cg.map.getZoom() === {zoom}")
    page.wait_for_timeout(300)  # the zoomend handler has run (it is synchronous after it)
    return page.evaluate(STATE)


def test_close_clusters_share_a_bubble_until_zoomed_in(open_page, world):
    _second_cluster(world)
    page = open_page("/dashboard/", viewport=PHONE, username="leader-a")
    page.wait_for_function("() => window.cg && cg.dashboard && cg.dashboard.layers !== null")
    page.wait_for_function("document.getElementById('map').dataset.clusters === '2'")
    far = _view(page, world, 10)  # 1.3 km ≈ 9 px
    assert far == {"labels": "1", "texts": ["7 · 2"], "merged": 1}
    near = _view(page, world, 15)  # 1.3 km ≈ 300 px
    assert near["labels"] == "2" and near["merged"] == 0
    assert sorted(near["texts"]) == ["3", "4"]
