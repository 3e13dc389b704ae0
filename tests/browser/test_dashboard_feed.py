"""The dashboard's live feed names cells and places, not codes, and shows Beijing time whatever
the browser's zone (issue 14): a browser set to New York sees a visit's and an opinion's line
with the cell's name, its township, and the hour in Asia/Shanghai."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.utils import timezone

from backend.opinions.services import opinion_create
from tests.browser.conftest import (
    A_COLS,
    A_ROWS,
    DESKTOP,
    PHONE,
    in_worker_thread,
    login,
    record_visit,
    wait_for_cells,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
LINE = """kind => { const li = document.querySelector('#feed li[data-event=' + kind + ']');
    const t = li.querySelector('time');
    return { time: t.textContent, at: t.getAttribute('datetime'),
             what: li.querySelector('.ev-what').textContent,
             place: (li.querySelector('.ev-place') || {}).textContent || '' }; }"""


def beijing_hm(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).astimezone(SHANGHAI).strftime("%H:%M")


def test_feed_names_places_in_beijing_time_in_another_zone(browser, live_server_url, world):
    errors: list[str] = []
    for viewport in (DESKTOP, PHONE):
        context = browser.new_context(
            viewport=viewport, locale="zh-CN", timezone_id="America/New_York"
        )
        try:
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{live_server_url}/accounts/login/?next=/dashboard/")
            login(page, "leader-a")
            zone = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
            assert zone == "America/New_York"
            wait_for_cells(page, A_COLS * A_ROWS)
            page.wait_for_function("document.body.dataset.live === 'live'")

            record_visit(world.deputy_a, world.cells_a[10])  # 泉塘街道's 长沙县网格11
            page.wait_for_selector("#feed li[data-event=visit]")
            visit = page.evaluate(LINE, "visit")
            assert visit["what"] == "长沙县网格11"
            assert visit["place"] == "泉塘街道"
            assert "A-22" not in page.inner_text("#feed")  # no code
            assert visit["time"] == beijing_hm(visit["at"])
            # New York is 12 or 13 hours behind: the browser's own clock would differ.
            local = dt.datetime.fromisoformat(visit["at"]).astimezone(ZoneInfo("America/New_York"))
            assert visit["time"] != local.strftime("%H:%M")

            (w, s, _e, _n) = world.cells_a[6].boundary.extent
            in_worker_thread(
                opinion_create,
                deputy=world.deputy_a,
                client_uuid=uuid.uuid4(),
                category="roads",
                text="路灯不亮",
                recorded_at=timezone.now(),
                lon=w + 0.003,
                lat=s + 0.003,
            )
            page.wait_for_selector("#feed li[data-event=opinion]")
            opinion = page.evaluate(LINE, "opinion")
            assert opinion["place"] == "长沙县网格07 · 泉塘街道"
            assert opinion["time"] == beijing_hm(opinion["at"])
        finally:
            context.close()
    assert errors == []
