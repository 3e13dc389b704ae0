"""Export jobs (backend/exports): the Excel workbook opened back and read, the scope (another
county's leader gets the same 404 as for a missing export), a real worker running the job."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from backend.accounts.access import jurisdiction_of
from backend.exports.models import ExportJob, ExportStatus
from backend.exports.services import export_request, export_run
from backend.opinions.models import Opinion
from backend.projects import services as project_services
from tests.backend.coverage.test_tasks import _jobs, _worker_once, empty_queue  # noqa: F401
from tests.backend.projects.township_year import (
    FUNNEL,
    build_township_year,
    propose,
    rate_by_citizens,
)
from tests.coverage_world import world  # noqa: F401
from tests.factories import UserFactory

PHONE = "13812345678"
MAP = "/api/map/v1/"


@pytest.fixture
def exports_dir(settings, tmp_path, monkeypatch):
    settings.EXPORTS_DIR = str(tmp_path)
    monkeypatch.setenv("EXPORTS_DIR", str(tmp_path))  # the worker process reads the environment
    return tmp_path


def _with_phone(built) -> Opinion:
    opinion = built.opinions["lone"]
    Opinion.objects.filter(id=opinion.id).update(citizen_contact=PHONE, contact_consent=True)
    return opinion


def _request(client, user, **body):
    client.force_login(user)
    return client.post(MAP + "exports", body, content_type="application/json")


def test_the_workbook_has_one_sheet_per_table_in_chinese_and_masked_phones_only(
    world,  # noqa: F811
    exports_dir,
    client,
):
    _with_phone(world)
    leader = world.users["leader"]
    year = timezone.localdate().year
    answer = _request(client, leader, kind="xlsx", region="430121", year=year)
    assert answer.status_code == 201, answer.content
    job = answer.json()
    assert job["status"] == "queued" and job["progress"] == 0 and job["download"] is None
    assert export_run(export_id=job["id"]) == "done"
    polled = client.get(f"{MAP}exports/{job['id']}").json()
    assert polled["progress"] == 100 and polled["download"] == f"{MAP}exports/{job['id']}/file"
    download = client.get(polled["download"])
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert download["Cache-Control"] == "private, no-store"
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert book.sheetnames == [
        "镇街覆盖",
        "网格覆盖",
        "代表履职",
        "站点出勤",
        "群众意见",
        "民生实事",
        "民生实事项目",
    ]

    townships = list(book["镇街覆盖"].values)
    assert townships[0][:3] == ("区划代码", "镇街", "网格数")
    assert [r[0] for r in townships[1:]] == ["430121001", "430121002"]  # county B left out
    assert book["镇街覆盖"]["J2"].number_format == "0.0%"
    cells = list(book["网格覆盖"].values)
    assert len(cells) == 1 + 8 and not any(str(r[0]).startswith("B-") for r in cells[1:])
    deputies = list(book["代表履职"].values)
    assert deputies[0][:4] == ("名次", "代表", "区划代码", "积分")
    names = {r[1] for r in deputies[1:]}
    assert world.deputies["d1"].name in names and world.deputies["db"].name not in names
    stations = {r[0] for r in list(book["站点出勤"].values)[1:]}
    assert "宁乡联络站" not in stations

    opinions = list(book["群众意见"].values)
    assert opinions[0][-1] == "联系方式（已隐去）"
    values = [str(v) for sheet in book for row in sheet.values for v in row]
    assert "*******5678" in values
    assert not [v for v in values if PHONE in v or re.fullmatch(r"1[3-9]\d{9}", v)]
    ids = {r[0] for r in opinions[1:]}
    assert world.opinions["county_b"][0].id not in ids and world.opinions["lone"].id in ids
    assert book["群众意见"]["B2"].number_format == "yyyy-mm-dd hh:mm"


def _projects_elsewhere(built, year: int) -> None:
    """Beside the hand-built township's year: 泉塘街道's call of last year (another year's
    export) and a county-level call of 宁乡市 (another county) with a placed candidate."""
    county_b_staff = UserFactory(username="staff_b", role="staff", jurisdiction=built.county_b)
    for staff, region, call_year, title, lon in (
        (built.users["staff"], built.t2, year - 1, "去年的项目", 113.03),
        (county_b_staff, built.county_b, year, "宁乡的项目", 113.15),
    ):
        call = project_services.call_create(
            jurisdiction=jurisdiction_of(staff),
            actor=staff,
            region=region,
            year=call_year,
            title=title,
            opens_on=dt.date(call_year, 1, 1),
            closes_on=dt.date(call_year, 2, 1),
        )
        propose(staff, call, title, 1000, {"type": "Point", "coordinates": [lon, 28.01]})


def test_the_workbook_has_the_township_funnel_and_the_projects(
    world,  # noqa: F811
    exports_dir,
    client,
):
    year = timezone.localdate().year
    built = build_township_year(
        staff=world.users["staff"], township=world.t1, lon=113.0, lat=28.0, prefix="xl"
    )
    _projects_elsewhere(world, year)
    # Citizens' ratings count with the deputies' (3 of 5 and up satisfied): the pond 2 of 3
    # deputies and 3 of 4 citizens, the refuse station rated by one citizen only.
    rate_by_citizens(built.pond, (5, 3, 3, 2))
    rate_by_citizens(built.station, (4,))
    answer = _request(client, world.users["leader"], kind="xlsx", region="430121", year=year)
    assert export_run(export_id=answer.json()["id"]) == "done"
    download = client.get(f"{MAP}exports/{answer.json()['id']}/file")
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))

    funnel = list(book["民生实事"].values)
    header = "区划代码 镇街 征集批次 征集项目数 立项候选数 票决通过数 实施完成数 评估人次 满意人次"
    assert funnel[0] == (*header.split(), "满意度", "达到90%")
    # 泉塘街道's call is of last year, 宁乡市 another county: one row.
    assert funnel[1:] == [("430121001", "星沙街道", 1, *FUNNEL.values(), 8, 6, 0.75, "否")]
    assert FUNNEL == {"collected": 8, "shortlisted": 6, "voted": 4, "implemented": 2}
    assert book["民生实事"]["J2"].number_format == "0.0%"

    projects = list(book["民生实事项目"].values)
    assert projects[0] == (
        "项目", "镇街", "项目状态", "责任单位", "预算（元）", "进度", "代表视察次数", "满意度",
        "最近更新",
    )  # fmt: skip
    today = timezone.localdate()
    rows = {r[0]: r for r in projects[1:]}
    midnight = dt.datetime.combine(today, dt.time())  # the update's date, Asia/Shanghai

    def row(title, *facts):
        return (title, "星沙街道", *facts)

    assert rows == {  # 路灯 was not chosen: off the list, as off the map
        "村道硬化": row("村道硬化", "实施中", "县交通运输局", 1_980_000, 0.4, 2, None, midnight),
        "污水处理池": row("污水处理池", "已评估", "县住建局", 500_000, 1, 0, 0.714, midnight),
        "垃圾中转站": row("垃圾中转站", "已完成", "镇环卫所", 300_000, 1, 0, 1, midnight),
        "文化广场": row("文化广场", "票决通过", None, 800_000, 0, 0, None, None),
        "卫生室": row("卫生室", "票决候选", None, None, 0, 0, None, None),
    }
    assert book["民生实事项目"]["F2"].number_format == "0.0%"
    assert book["民生实事项目"]["I2"].number_format == "yyyy-mm-dd"
    assert built.road.title == "村道硬化"


def test_another_countys_leader_gets_the_same_404_as_for_a_missing_export(
    world,  # noqa: F811
    exports_dir,
    client,
):
    job = export_request(
        jurisdiction=jurisdiction_of(world.users["leader"]),
        actor=world.users["leader"],
        kind="xlsx",
        adcode="430121",
        year=timezone.localdate().year,
    )
    export_run(export_id=job.id)
    client.force_login(world.users["leader_b"])
    for path in (f"{MAP}exports/{job.id}", f"{MAP}exports/{job.id}/file"):
        theirs, missing = client.get(path), client.get(path.replace(str(job.id), "987654"))
        assert theirs.status_code == missing.status_code == 404
        assert theirs.content == missing.content
    assert client.get(MAP + "exports").json() == {"results": []}
    refused = _request(client, world.users["leader_b"], kind="xlsx", region="430121")
    assert refused.status_code == 404 and refused.json()["code"] == "region.not_found"
    client.force_login(world.deputies["d1"].user)  # a deputy exports nothing
    assert client.get(f"{MAP}exports/{job.id}").status_code == 404


def test_bad_requests_have_their_codes(world, exports_dir, client):  # noqa: F811
    leader = world.users["leader"]
    cases = [
        ({"kind": "docx"}, "export.invalid_kind"),
        ({"region": "430121"}, "export.invalid_kind"),
        ({"kind": "xlsx", "region": "abc"}, "map.invalid_region"),
        ({"kind": "xlsx", "region": 430121}, "map.invalid_region"),
        ({"kind": "xlsx", "year": "2026"}, "record.invalid_year"),
        ({"kind": "xlsx", "year": 1800}, "record.invalid_year"),
    ]
    for body, code in cases:
        answer = _request(client, leader, **body)
        assert answer.status_code == 400 and answer.json()["code"] == code, (body, answer.json())
    assert not ExportJob.objects.exists()
    job = _request(client, leader, kind="xlsx").json()  # default: the leader's county
    assert job["region"] == "430121"
    not_ready = client.get(f"{MAP}exports/{job['id']}/file")
    assert not_ready.status_code == 409 and not_ready.json()["code"] == "export.not_ready"


def test_a_real_worker_runs_the_export_and_the_progress_moves(
    world,  # noqa: F811
    exports_dir,
    empty_queue,  # noqa: F811
    client,
):
    _with_phone(world)
    answer = _request(client, world.users["staff"], kind="xlsx")
    job_id = answer.json()["id"]
    assert _jobs() == [("exports.run", "todo")]
    assert ExportJob.objects.get(id=job_id).progress == 0
    done = _worker_once()
    assert done.returncode == 0, done.stderr[-2000:]
    assert _jobs() == []  # a succeeded job's row is deleted (the app's policy)
    job = ExportJob.objects.get(id=job_id)
    assert (job.status, job.progress) == (ExportStatus.DONE, 100)
    assert (exports_dir / f"export-{job_id}.xlsx").is_file()
    download = client.get(f"{MAP}exports/{job_id}/file")
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert "群众意见" in book.sheetnames
    assert export_run(export_id=job_id) == "done"  # again: nothing rebuilt


def test_the_geopackage_has_the_regions_cells_and_stations_in_wgs84(
    world,  # noqa: F811
    exports_dir,
    client,
):
    import pyogrio
    import shapely

    answer = _request(client, world.users["leader"], kind="gpkg", region="430121")
    assert answer.status_code == 201, answer.content
    job_id = answer.json()["id"]
    assert export_run(export_id=job_id) == "done"
    download = client.get(f"{MAP}exports/{job_id}/file")
    assert download["Content-Type"] == "application/geopackage+sqlite3"
    path = exports_dir / "read-back.gpkg"
    path.write_bytes(b"".join(download.streaming_content))
    assert [name for name, _ in pyogrio.list_layers(path)] == ["cells", "stations", "clusters"]
    cells = pyogrio.read_dataframe(path, layer="cells")
    assert len(cells) == 8 and cells.crs.to_epsg() == 4326
    assert not cells["code"].str.startswith("B-").any()
    a00 = cells.set_index("code").loc[world.cell("a00").code]
    assert a00["households"] == 100 and a00["state"] == "covered"
    stations = pyogrio.read_dataframe(path, layer="stations")
    assert sorted(stations["name"]) == sorted(["星沙联络站", "泉塘联络站"])
    # the county's two clusters (roads 4 with 3 open, health 3), not county B's
    clusters = pyogrio.read_dataframe(path, layer="clusters")
    assert clusters.crs.to_epsg() == 4326
    assert sorted(zip(clusters["opinions"], clusters["open_opinions"], strict=True)) == [
        (3, 3),
        (4, 3),
    ]
    roads = world.opinions["roads"]
    hull = clusters.set_index("cluster_id").loc[min(o.id for o in roads)].geometry
    # the opinions are the hull's corners: 6-decimal coordinates, so within ~1 m of it
    assert all(hull.distance(shapely.Point(o.location.x, o.location.y)) < 1e-5 for o in roads)
