"""Map pages: login, role redirects, jurisdiction (404 outside), language switch, page config."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.accounts.models import Role
from map_ui.views import year_window_days
from tests.factories import RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions(db):
    province = RegionFactory(adcode="43", name="湖南省")
    city = RegionFactory(adcode="4301", name="长沙市", parent=province)
    county = RegionFactory(adcode="430121", name="长沙县", parent=city)
    other = RegionFactory(adcode="430182", name="宁乡市", parent=city)
    far = RegionFactory(adcode="440784", name="鹤山市")
    return {"province": province, "city": city, "county": county, "other": other, "far": far}


def user(role, region=None, **kw):
    return UserFactory(
        username=f"{role}-{region.adcode if region else 'x'}", role=role, jurisdiction=region, **kw
    )


def page_config(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="cg-config" type="application/json">') + len(
        '<script id="cg-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_pages_require_login(client, regions):
    for name in ("home", "dashboard", "assign", "stations", "deputy"):
        response = client.get(reverse(f"map_ui:{name}"))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(
    ("role", "target"),
    [
        (Role.LEADER, "map_ui:dashboard"),
        (Role.STAFF, "map_ui:assign"),
        (Role.DEPUTY, "mobile_app:shell"),
        (Role.ADMIN, "map_ui:dashboard"),
    ],
)
def test_home_redirects_by_role(client, regions, role, target):
    region = regions["county"] if role in (Role.LEADER, Role.STAFF) else None
    client.force_login(user(role, region))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse(target)


def test_leader_dashboard_shows_own_county(client, regions):
    client.force_login(user(Role.LEADER, regions["county"]))
    response = client.get(reverse("map_ui:dashboard"))
    assert response.status_code == 200
    assert response.templates[0].name == "map_ui/dashboard.html"
    config = page_config(response)
    assert config["region"] == {
        "adcode": "430121",
        "name": "长沙县",
        "level": "county",
        "bbox": [113.0, 28.0, 113.1, 28.1],
    }
    assert config["days"] == 90
    year = year_window_days()
    assert config["window"] == "90"
    assert config["windows"] == [
        {"key": "30", "days": 30, "label": "近 30 天"},
        {"key": "90", "days": 90, "label": "近 90 天"},
        {"key": "365", "days": 365, "label": "近 365 天"},
        {"key": "year", "days": year, "label": "本年"},
    ]
    assert config["trail"] == [config["region"]]  # the top of the jurisdiction
    assert config["canAssign"] is False
    assert config["urls"]["live"] == "/ws/live/"
    assert config["urls"]["tiles"] == "/tiles/{layer}/{z}/{x}/{y}.mvt"
    html = response.content.decode()
    # Leaflet from django-leaflet's static files, the vendored plugins, no CDN.
    assert "/static/leaflet/leaflet.js" in html
    assert "/static/map_ui/vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js" in html
    assert "unpkg" not in html and "cdn" not in html.lower()


def test_time_window_comes_from_the_query_and_is_checked(client, regions):
    client.force_login(user(Role.LEADER, regions["county"]))
    assert page_config(client.get("/dashboard/?days=365"))["days"] == 365
    assert page_config(client.get("/dashboard/?days=7"))["days"] == 90
    assert page_config(client.get("/dashboard/?days=abc"))["days"] == 90
    this_year = page_config(client.get("/dashboard/?days=year"))
    assert (this_year["window"], this_year["days"]) == ("year", year_window_days())
    assert (
        'data-window="year" class="active"' in client.get("/dashboard/?days=year").content.decode()
    )


def test_this_year_is_the_days_since_the_first_of_january():
    assert year_window_days(dt.date(2026, 1, 1)) == 1
    assert year_window_days(dt.date(2026, 12, 4)) == 338
    assert year_window_days(dt.date(2028, 12, 31)) == 366  # a leap year
    shanghai = timezone.localdate()
    assert year_window_days() == (shanghai - dt.date(shanghai.year, 1, 1)).days + 1


def test_city_leader_drills_into_a_county_but_not_outside(client, regions):
    client.force_login(user(Role.LEADER, regions["city"]))
    assert page_config(client.get("/dashboard/"))["region"]["adcode"] == "4301"
    county = page_config(client.get("/dashboard/?region=430182"))
    assert county["region"]["name"] == "宁乡市"
    # the breadcrumb after a reload: from the city (the top of the jurisdiction) down
    assert [(r["adcode"], r["name"]) for r in county["trail"]] == [
        ("4301", "长沙市"),
        ("430182", "宁乡市"),
    ]
    assert client.get("/dashboard/?region=440784").status_code == 404
    assert client.get("/dashboard/?region=43").status_code == 404  # the province is wider


@pytest.mark.parametrize("path", ["/dashboard/", "/stations/"])
@pytest.mark.parametrize("adcode", ["430182", "440784", "999999", "43x", "4301%27"])
def test_other_regions_are_404_for_a_county_leader(client, regions, path, adcode):
    client.force_login(user(Role.LEADER, regions["county"]))
    assert client.get(path, {"region": adcode}).status_code == 404


def test_staff_assign_page_and_scope(client, regions):
    client.force_login(user(Role.STAFF, regions["county"]))
    response = client.get(reverse("map_ui:assign"))
    assert response.status_code == 200
    config = page_config(response)
    assert config["page"] == "assign"
    assert config["canAssign"] is True
    assert config["region"]["adcode"] == "430121"
    assert client.get("/assign/?region=430182").status_code == 404
    assert client.get(reverse("map_ui:dashboard")).status_code == 200
    assert client.get(reverse("map_ui:stations")).status_code == 200


def test_leaders_and_deputies_cannot_open_the_assign_page(client, regions):
    client.force_login(user(Role.LEADER, regions["county"]))
    assert client.get(reverse("map_ui:assign")).status_code == 403
    client.force_login(user(Role.DEPUTY))
    assert client.get(reverse("map_ui:assign")).status_code == 403
    assert client.get(reverse("map_ui:dashboard")).status_code == 403
    assert client.get(reverse("map_ui:stations")).status_code == 403


def test_deputy_page_points_to_the_app_and_api_docs(client, regions):
    client.force_login(user(Role.DEPUTY))
    response = client.get(reverse("map_ui:deputy"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "手机" in html
    assert 'href="/api/mobile/v1/docs/"' in html


def test_admin_sees_any_region(client, regions):
    client.force_login(user(Role.ADMIN))
    assert page_config(client.get("/dashboard/"))["region"]["adcode"] == "430121"
    assert page_config(client.get("/dashboard/?region=440784"))["region"]["name"] == "鹤山市"
    assert client.get("/assign/?region=440784").status_code == 200
    assert client.get("/dashboard/?region=450922").status_code == 404  # no such region


def test_stations_page_renders_for_a_leader(client, regions):
    client.force_login(user(Role.LEADER, regions["county"]))
    response = client.get(reverse("map_ui:stations"))
    assert response.status_code == 200
    assert page_config(response)["urls"]["links"] == "/api/map/v1/links.geojson"
    assert "leaflet.markercluster.js" in response.content.decode()


def test_dashboard_config_carries_the_tile_layers_tilejson_and_no_marker_clusters(client, regions):
    """What the page scripts read instead of one TileJSON per layer (issue 11)."""
    client.force_login(user(Role.LEADER, regions["county"]))
    response = client.get("/dashboard/")
    layers = page_config(response)["tileLayers"]
    assert sorted(layers) == ["cells", "counties", "heat"]
    for name, layer in layers.items():
        tilejson = client.get(f"/tiles/{name}.json").json()
        assert (layer["minzoom"], layer["maxzoom"]) == (tilejson["minzoom"], tilejson["maxzoom"])
        w, s, e, n = tilejson["bounds"]
        lw, ls, le, ln = layer["bounds"]
        assert lw <= w and ls <= s and le >= e and ln >= n  # the same, with a small margin
        assert max(w - lw, s - ls, le - e, ln - n) <= 0.01
    assert "markercluster" not in response.content.decode().lower()


def test_pages_are_chinese_by_default_and_switch_to_english(client, regions):
    client.force_login(user(Role.LEADER, regions["county"]))
    zh = client.get("/dashboard/").content.decode()
    assert '<html lang="zh-hans">' in zh
    assert ">覆盖情况</a>" in zh and ">Coverage</a>" not in zh
    assert page_config(client.get("/dashboard/"))["strings"]["covered"] == "已覆盖"
    strings = page_config(client.get("/dashboard/"))["strings"]
    assert (strings["layerProjects"], strings["map_chosen"]) == ("民生实事项目", "票决通过")
    # Wording a government officer reads (issue 14): 退出登录, not the admin catalog's 注销
    # (reads as deleting the account); a count of households is 户 after the number, not 户数.
    assert ">退出登录</button>" in zh and "注销" not in zh
    assert strings["households"] == "户"
    # Template strings with a percent sign are looked up with it doubled (Django's translate).
    assert "≥ 90%（达标）" in zh and "< 60%（严重落后）" in zh
    assert 'id="print-head"' in zh and ">大屏展示</a>" in zh
    big = client.get("/dashboard/?screen=big").content.decode()
    assert 'class="page-dashboard big-screen"' in big and ">退出大屏</a>" in big

    response = client.post(reverse("set_language"), {"language": "en", "next": "/dashboard/"})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    en = client.get("/dashboard/").content.decode()
    assert '<html lang="en">' in en
    assert ">Coverage</a>" in en
    assert page_config(client.get("/dashboard/"))["strings"]["covered"] == "covered"
    strings = page_config(client.get("/dashboard/"))["strings"]
    assert (strings["layerProjects"], strings["map_chosen"]) == ("Livelihood projects", "chosen")


def test_login_page_is_chinese_and_logs_in(client, regions):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "人大代表进网格" in html and "登录" in html and "用户名" in html
    user(Role.LEADER, regions["county"])
    response = client.post(
        "/accounts/login/", {"username": "leader-430121", "password": "pass-1234", "next": "/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 302


def test_wrong_password_shows_an_error(client, regions):
    user(Role.LEADER, regions["county"])
    response = client.post(
        "/accounts/login/",
        {"username": "leader-430121", "password": "nope"},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_logout_is_a_post(client, regions):
    client.force_login(user(Role.LEADER, regions["county"]))
    assert client.post("/accounts/logout/").status_code in (200, 302)
    assert client.get("/dashboard/").status_code == 302
