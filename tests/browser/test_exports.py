"""The 导出 page in real Chromium on a 390×844 phone: a county leader asks for the Excel
workbook, a real job worker builds it, the page (polling) shows the download, and the file that
downloads is the workbook with its Chinese sheets; a deputy report needs a deputy."""

import subprocess
import sys

from openpyxl import load_workbook

from tests.browser.conftest import PHONE, ROOT, screenshot, server_env


def _worker_once() -> subprocess.CompletedProcess:
    """A real worker on the server's database that stops when the queue is empty."""
    return subprocess.run(
        [sys.executable, "manage.py", "jobs_worker", "--", "--one-shot"],
        cwd=ROOT,
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_a_leader_exports_the_workbook_and_downloads_it(open_page, world, tmp_path):
    page = open_page("/exports/", viewport=PHONE, username="leader-a")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.wait_for_selector("#export-list li.muted")  # 还没有导出
    page.select_option("#export-kind", "xlsx")
    page.click("#export-form button[type=submit]")
    page.wait_for_selector('#export-list li[data-status="queued"]')
    assert page.get_attribute("#export-list", "data-running") == "1"
    done = _worker_once()
    assert done.returncode == 0, done.stderr[-2000:]
    link = page.wait_for_selector('#export-list li[data-status="done"] a[download]')
    assert page.get_attribute("#export-list", "data-running") == "0"  # polling stopped
    screenshot(page, "exports")
    with page.expect_download() as info:
        link.click()
    path = tmp_path / "book.xlsx"
    info.value.save_as(path)
    assert info.value.suggested_filename.startswith("长沙县-")
    assert "群众意见" in load_workbook(path).sheetnames


def test_a_deputy_report_asks_for_a_deputy_and_shows_the_refusal_of_a_wrong_one(open_page, world):
    page = open_page("/exports/", viewport=PHONE, username="leader-a")
    assert page.is_hidden("#export-deputy-row")
    page.select_option("#export-kind", "deputy_pdf")
    assert page.is_visible("#export-deputy-row")
    options = page.eval_on_selector_all("#export-deputy option", "os => os.map(o => o.textContent)")
    assert "张代表" in options and "李代表" not in options  # county B's deputy
    # a deputy id the leader does not reach (county B's), as a tampered form would send it
    other = str(world.deputy_b.id)
    page.evaluate(
        "id => { const o = document.createElement('option'); o.value = id; o.textContent = 'x';"
        " const s = document.getElementById('export-deputy'); s.appendChild(o); s.value = id; }",
        other,
    )
    page.click("#export-form button[type=submit]")
    error = page.wait_for_selector("#export-form .life-error:not([hidden])")
    assert "无法发起导出" in error.text_content()
    assert page.get_attribute("#export-list", "data-running") == "0"


def test_times_are_beijing_times_in_a_browser_of_another_zone(browser, live_server_url, world):
    from django.utils import timezone

    from backend.accounts.access import jurisdiction_of
    from backend.exports.services import export_request
    from tests.browser.conftest import in_worker_thread, login

    leader = world.leader_a
    job = in_worker_thread(
        lambda: export_request(
            jurisdiction=jurisdiction_of(leader),
            actor=leader,
            kind="gpkg",
            adcode="430121",
            year=2026,
        )
    )
    beijing = timezone.localtime(job.created_at).strftime("%Y/%m/%d %H:%M")
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="America/New_York")
    try:
        page = context.new_page()
        page.goto(f"{live_server_url}/accounts/login/?next=/exports/")
        login(page, "leader-a")
        item = page.wait_for_selector(f'#export-list li[data-id="{job.id}"]')
        assert beijing in item.text_content()
    finally:
        context.close()
