"""PDF reports (backend/exports/pdf.py): a deputy's yearly report and a region's coverage report,
each run by a real worker process, downloaded and read back with pypdf; another county's deputy
or region refused with the same 404 as a missing one; a missing font fails the job with its
message on the job."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from backend.accounts.access import jurisdiction_of
from backend.coverage import selectors as coverage
from backend.exports.excel import coverage_window
from backend.exports.models import ExportJob, ExportStatus
from backend.exports.services import export_run
from backend.performance import selectors as performance
from backend.reporting.attendance import deputy_year_attendance
from tests.backend.coverage.test_tasks import _jobs, _worker_once, empty_queue  # noqa: F401
from tests.backend.exports.test_exports import MAP, _request, exports_dir  # noqa: F401
from tests.coverage_world import world  # noqa: F401
from tests.factories import RegionFactory

pytestmark = pytest.mark.usefixtures("exports_dir")


def _pdf_text(client, job_id: int) -> tuple[PdfReader, str]:
    download = client.get(f"{MAP}exports/{job_id}/file")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "private, no-store"
    assert ".pdf" in download["Content-Disposition"]
    reader = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def _run_in_worker(job_id: int) -> ExportJob:
    assert _jobs() == [("exports.run", "todo")]
    done = _worker_once()
    assert done.returncode == 0, done.stderr[-2000:]
    return ExportJob.objects.get(id=job_id)


def test_a_real_worker_writes_the_deputys_yearly_report(
    world,  # noqa: F811
    empty_queue,  # noqa: F811
    client,
):
    d1 = world.deputies["d1"]
    year = timezone.localdate().year
    answer = _request(client, world.users["leader"], kind="deputy_pdf", deputy=d1.id, year=year)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["kind"], body["deputy"], body["region"]) == ("deputy_pdf", d1.id, d1.adcode)
    job = _run_in_worker(body["id"])
    assert (job.status, job.progress, job.error) == (ExportStatus.DONE, 100, "")
    reader, text = _pdf_text(client, job.id)
    page = reader.pages[0]
    assert abs(float(page.mediabox.width) - 595.28) < 1  # A4
    assert abs(float(page.mediabox.height) - 841.89) < 1
    assert f"{year}年度代表履职报告：张代表" in text
    assert "星沙联络站" in text and "长沙县" in text  # the station, the congress
    assert "对照目标的履职情况" in text and "走访户数" in text
    record = performance.deputy_record(deputy=d1, year=year)
    households = next(r for r in record["record"] if r["item"] == "households")
    assert households["target"] == 50 and f"走访户数\n{households['verified']}\n" in text
    assert f"合计：{record['points']['total']} 分" in text and "履职出勤" in text
    attendance = deputy_year_attendance(deputy=d1, year=year)
    assert f"\n{attendance['scheduled']}\n{attendance['present']}\n" in text
    assert "已覆盖 1" in text  # the legend of the map: d1's one assigned cell, covered
    assert "第 1 页" in text
    fonts = {
        str(font["/BaseFont"]) for p in reader.pages for font in p["/Resources"]["/Font"].values()
    }
    assert any("+" in name for name in fonts)  # a subset of the CJK font, embedded
    assert "赵代表" not in text


def test_a_real_worker_writes_the_countys_coverage_report(
    world,  # noqa: F811
    empty_queue,  # noqa: F811
    client,
):
    leader = world.users["leader"]
    answer = _request(client, leader, kind="coverage_pdf", region="430121")
    assert answer.status_code == 201, answer.content
    job = _run_in_worker(answer.json()["id"])
    assert job.status == ExportStatus.DONE, job.error
    _reader, text = _pdf_text(client, job.id)
    stats = coverage.region_stats(
        jurisdiction=jurisdiction_of(leader), region=world.county, window=coverage_window()
    )
    assert stats["cells"] == 8
    assert "长沙县覆盖情况报告" in text
    assert f"{stats['coverage_pct']:.1f}%" in text
    assert str(stats["households_visited"]) in text
    assert "镇街排名" in text and "星沙街道" in text and "泉塘街道" in text
    assert "宁乡" not in text  # county B left out of the league and the map
    assert f"日期：{timezone.localdate().isoformat()}" in text
    assert "辖区：长沙县" in text
    legend = f"已覆盖 {stats['covered']}\n久未走访 {stats['stale']}\n从未走访 {stats['never']}"
    assert legend in text  # the map's legend: the cells drawn, by state
    assert "第 1 页" in text


def test_the_deputys_point_lines_are_cut_after_the_first_ones(world, client, monkeypatch):  # noqa: F811
    from backend.exports import pdf

    d1 = world.deputies["d1"]
    lines = performance.deputy_record(deputy=d1, year=timezone.localdate().year)["points"]["lines"]
    assert len(lines) > 2
    monkeypatch.setattr(pdf, "LINES_SHOWN", 2)
    answer = _request(client, world.users["staff"], kind="deputy_pdf", deputy=d1.id)
    assert export_run(export_id=answer.json()["id"]) == "done"
    _reader, text = _pdf_text(client, answer.json()["id"])
    assert f"另有{len(lines) - 2}条未列出" in text
    assert lines[0]["day"] in text and lines[-1]["day"] not in text


def test_a_townships_coverage_report_and_the_region_levels(world, client):  # noqa: F811
    staff_t1 = world.users["staff_t1"]
    answer = _request(client, staff_t1, kind="coverage_pdf")  # default: their township
    assert answer.status_code == 201, answer.content
    assert export_run(export_id=answer.json()["id"]) == "done"
    _reader, text = _pdf_text(client, answer.json()["id"])
    assert "星沙街道覆盖情况报告" in text and "泉塘街道" not in text
    RegionFactory(adcode="4301", name="长沙市")
    refused = _request(client, world.users["admin"], kind="coverage_pdf", region="4301")
    assert refused.status_code == 400 and refused.json()["code"] == "export.invalid_region_level"


def test_another_countys_deputy_or_region_is_the_same_404_as_a_missing_one(
    world,  # noqa: F811
    client,
):
    d1, db = world.deputies["d1"], world.deputies["db"]
    leader, leader_b = world.users["leader"], world.users["leader_b"]
    theirs = _request(client, leader_b, kind="deputy_pdf", deputy=d1.id)
    missing = _request(client, leader_b, kind="deputy_pdf", deputy=987654)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content and theirs.json()["code"] == "deputy.not_found"
    other = _request(client, leader, kind="deputy_pdf", deputy=db.id)
    assert other.status_code == 404 and other.content == missing.content
    region = _request(client, leader_b, kind="coverage_pdf", region="430121")
    nowhere = _request(client, leader_b, kind="coverage_pdf", region="430182999")
    assert region.status_code == nowhere.status_code == 404
    assert region.content == nowhere.content and region.json()["code"] == "region.not_found"
    client.force_login(d1.user)  # a deputy does not export even their own report
    answer = client.post(
        MAP + "exports", {"kind": "deputy_pdf", "deputy": d1.id}, content_type="application/json"
    )
    assert answer.status_code == 404
    assert not ExportJob.objects.exists()


def test_a_job_whose_deputy_moved_out_of_reach_fails(world, client):  # noqa: F811
    d1 = world.deputies["d1"]
    answer = _request(client, world.users["leader"], kind="deputy_pdf", deputy=d1.id)
    type(d1).objects.filter(id=d1.id).update(adcode="430182", county_adcode="430182")
    assert export_run(export_id=answer.json()["id"]) == "failed"
    assert not (ExportJob.objects.get(id=answer.json()["id"]).error.startswith("export."))


def test_bad_deputy_parameters_have_their_code(world, client):  # noqa: F811
    leader = world.users["leader"]
    for deputy in (None, "1", True, 1.5, [1], {"id": 1}, 0, -3, 2**31, 10**30):
        body = {"kind": "deputy_pdf"} | ({} if deputy is None else {"deputy": deputy})
        answer = _request(client, leader, **body)
        assert answer.status_code == 400, (deputy, answer.content)
        assert answer.json()["code"] == "export.invalid_deputy", deputy
    assert not ExportJob.objects.exists()


def test_a_missing_font_fails_the_job_with_a_clear_error(
    world,  # noqa: F811
    empty_queue,  # noqa: F811
    client,
    settings,
    monkeypatch,
):
    absent = "/nonexistent/wqy-microhei.ttc"
    monkeypatch.setenv("EXPORTS_PDF_FONT", absent)  # the worker process reads the environment
    settings.EXPORTS_PDF_FONT = absent
    answer = _request(client, world.users["leader"], kind="coverage_pdf", region="430121")
    job = _run_in_worker(answer.json()["id"])
    assert job.status == ExportStatus.FAILED
    polled = client.get(f"{MAP}exports/{job.id}")
    assert polled.status_code == 200
    assert polled.json()["status"] == "failed" and polled.json()["download"] is None
    error = polled.json()["error"]
    assert error.startswith("export.pdf_font_missing: ") and "fonts-wqy-microhei" in error
    not_ready = client.get(f"{MAP}exports/{job.id}/file")
    assert not_ready.status_code == 409 and not_ready.json()["code"] == "export.not_ready"
