"""The dashboard on a wall display (大屏, ?screen=big) and on paper, in real Chromium: at 4K the
top bar gives way to the map, which fills most of the width, and the figures are large; the
print layout is one landscape A4 page whose PDF (Chromium's own print) carries the region, the
legend, the print date in Beijing time and who printed it."""

import datetime as dt
import io

from django.utils import timezone
from pypdf import PdfReader

from tests.browser.conftest import screenshot

FOUR_K = {"width": 3840, "height": 2160}


def wait_for_stats(page) -> None:
    page.wait_for_function("document.getElementById('stat-coverage').textContent.trim() !== '–'")


def box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def px(page, selector: str, prop: str) -> float:
    return page.evaluate(
        "([s, p]) => parseFloat(getComputedStyle(document.querySelector(s))[p])", [selector, prop]
    )


def big_screen(open_page, viewport):
    page = open_page("/dashboard/?region=430121", viewport=viewport, username="leader-a")
    page.goto(page.url.split("/dashboard/")[0] + "/dashboard/?region=430121&screen=big")
    return page


def test_big_screen_fills_a_4k_display(open_page, world):
    page = big_screen(open_page, FOUR_K)
    wait_for_stats(page)
    assert page.locator(".topbar").is_hidden()
    assert box(page, ".map-wrap")["width"] >= 0.7 * FOUR_K["width"]
    assert box(page, ".map-wrap")["height"] >= 0.95 * FOUR_K["height"]
    assert px(page, "#stat-coverage", "fontSize") >= 80  # readable across a room
    assert px(page, "#legend", "fontSize") >= 28
    assert page.locator("#big-screen-link").inner_text() == "退出大屏"
    # The normal dashboard is unchanged: its top bar, its link to the big screen.
    normal = open_page("/dashboard/?region=430121", viewport=FOUR_K, username="leader-a")
    wait_for_stats(normal)
    assert normal.locator(".topbar").is_visible()
    assert px(normal, "#stat-coverage", "fontSize") < 80
    assert normal.locator("#big-screen-link").inner_text() == "大屏展示"
    wall = big_screen(open_page, {"width": 1920, "height": 1080})
    wait_for_stats(wall)
    screenshot(wall, "dashboard-big-screen")


def test_print_gives_one_landscape_page_with_legend_and_date(open_page, world):
    page = open_page("/dashboard/?region=430121", username="leader-a")
    wait_for_stats(page)
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator("#print-head").is_visible() and page.locator("#legend").is_visible()
    assert page.locator(".topbar").is_hidden() and page.locator("#window-control").is_hidden()
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    first = pdf.pages[0]
    width, height = float(first.mediabox.width), float(first.mediabox.height)
    assert width > height and abs(width - 842) < 3 and abs(height - 595) < 3  # A4 landscape
    text = first.extract_text()
    today = timezone.localdate().isoformat()  # or yesterday's, when printed just before midnight
    assert "长沙县" in text and "打印于" in text and "北京时间" in text, text
    assert today in text or (timezone.localdate() - dt.timedelta(days=1)).isoformat() in text
    for word in ("已覆盖", "从未走访"):  # the legend
        assert word in text, (word, text)
    assert "王局长" in text  # who printed it
    assert len(pdf.pages) <= 2
