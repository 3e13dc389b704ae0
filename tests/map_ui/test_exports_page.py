"""The 导出 page (/exports/): who may open it, what it offers at each level, the jobs it lists
(only the jurisdiction's), its query budget. The jobs themselves: tests/backend/exports."""

from __future__ import annotations

import pytest

from backend.exports.services import export_request
from tests.coverage_world import world  # noqa: F401
from tests.factories import RegionFactory
from tests.map_ui.test_pages import page_config

pytestmark = pytest.mark.django_db


def _kinds(html: str) -> list[str]:
    start = html.index('id="export-kind"')
    block = html[start : html.index("</select>", start)]
    return [part.split('"', 1)[0] for part in block.split('<option value="')[1:]]


def test_a_county_leader_gets_every_kind_and_the_countys_deputies(client, world):  # noqa: F811
    client.force_login(world.users["leader"])
    response = client.get("/exports/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "导出" in html and "长沙县" in html
    assert _kinds(html) == ["xlsx", "gpkg", "deputy_pdf", "coverage_pdf"]
    picker = html[html.index('id="export-deputy"') :]
    picker = picker[: picker.index("</select>")]
    assert "张代表" in picker and "李代表" in picker and "王代表" in picker
    assert "赵代表" not in picker  # county B's deputy
    config = page_config(response)
    assert config["exports"] == [] and config["pollMs"] > 0
    assert config["exportUrls"]["one"].endswith("/{id}")


def test_a_city_region_offers_the_workbook_and_geopackage_only(client, world):  # noqa: F811
    RegionFactory(adcode="4301", name="长沙市", level="city")
    client.force_login(world.users["admin"])
    html = client.get("/exports/", {"region": "4301"}).content.decode()
    assert _kinds(html) == ["xlsx", "gpkg"]
    assert "请先进入某个县（区）或乡镇" in html  # no deputy picker above county level


def test_the_list_holds_the_jurisdictions_jobs_only(client, world):  # noqa: F811
    from backend.accounts.access import jurisdiction_of

    leader, other = world.users["leader"], world.users["leader_b"]
    mine = export_request(
        jurisdiction=jurisdiction_of(leader), actor=leader, kind="xlsx", adcode="430121", year=2026
    )
    export_request(
        jurisdiction=jurisdiction_of(other), actor=other, kind="gpkg", adcode="430182", year=2026
    )
    client.force_login(leader)
    jobs = page_config(client.get("/exports/"))["exports"]
    assert [(j["id"], j["status"], j["download"]) for j in jobs] == [(mine.id, "queued", None)]


@pytest.mark.parametrize("region", ["430182", "440784", "999999", "43x"])
def test_another_region_is_404(client, world, region):  # noqa: F811
    client.force_login(world.users["leader"])
    assert client.get("/exports/", {"region": region}).status_code == 404


def test_deputies_cannot_open_it_and_anonymous_users_log_in(client, world):  # noqa: F811
    assert client.get("/exports/").status_code == 302
    client.force_login(world.users["deputy"])
    assert client.get("/exports/").status_code == 403


def test_english_labels(client, world):  # noqa: F811
    client.force_login(world.users["staff"])
    html = client.get("/exports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Latest exports" in html and "New export" in html


def test_the_page_reads_in_a_fixed_number_of_queries(
    client,
    world,  # noqa: F811
    django_assert_max_num_queries,
):
    from backend.accounts.access import jurisdiction_of

    leader = world.users["leader"]
    for kind in ("xlsx", "gpkg", "coverage_pdf"):
        scope = jurisdiction_of(leader)
        export_request(jurisdiction=scope, actor=leader, kind=kind, adcode="430121", year=2026)
    client.force_login(leader)
    with django_assert_max_num_queries(10):
        assert client.get("/exports/").status_code == 200
