"""OGC API - Features under /ogc/ (map_ui.ogc): landing page and conformance, collections,
items paged and filtered by bbox, scoping by jurisdiction, HTTP Basic auth through django-axes,
and GDAL's OAPIF driver reading it from a real server (uvicorn)."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from bench.server import free_port, uvicorn_argv
from tests.coverage_world import build_world

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pass-1234"
GEOJSON = "application/geo+json"
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
# The world's county 长沙县 (430121) has 8 cells A-00..A-31; 宁乡市 (430182) has B-10, B-11.
COUNTY_A_CELLS = ["A-00", "A-01", "A-10", "A-11", "A-20", "A-21", "A-30", "A-31"]


def basic(username: str, password: str = PASSWORD) -> dict:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def leader(world) -> Client:
    client = Client()
    client.force_login(world.users["leader"])
    return client


def hrefs(body: dict) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in body["links"]}


def test_landing_page_and_conformance_link_the_api(world):
    client = leader(world)
    for path in ("/ogc/", "/ogc"):
        response = client.get(path)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        links = hrefs(response.json())
        assert links["self"] == "http://testserver/ogc/"
        assert links["conformance"] == "http://testserver/ogc/conformance"
        assert links["data"] == "http://testserver/ogc/collections"
    body = client.get("/ogc/conformance").json()
    assert body == {
        "conformsTo": [CORE, "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"]
    }


def test_collections_declare_crs84_and_the_jurisdiction_extent(world):
    body = leader(world).get("/ogc/collections").json()
    assert [c["id"] for c in body["collections"]] == ["cells", "stations", "clusters"]
    cells = body["collections"][0]
    assert cells["crs"] == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
    assert cells["extent"]["spatial"]["bbox"] == [[113.0, 28.0, 113.1, 28.1]]
    assert "CGCS2000" in cells["description"]
    assert hrefs(cells)["items"] == "http://testserver/ogc/collections/cells/items"
    one = leader(world).get("/ogc/collections/stations").json()
    assert one["id"] == "stations" and one["itemType"] == "feature"


def test_items_are_paged_with_next_links_and_counts(world):
    client = leader(world)
    response = client.get("/ogc/collections/cells/items?limit=3")
    assert response.status_code == 200
    assert response["Content-Type"] == GEOJSON
    codes, url = [], "/ogc/collections/cells/items?limit=3"
    pages = []
    while url:
        body = client.get(url).json()
        pages.append((body["numberMatched"], body["numberReturned"]))
        codes += [f["properties"]["code"] for f in body["features"]]
        url = hrefs(body).get("next", "").removeprefix("http://testserver")
    assert codes == COUNTY_A_CELLS
    assert pages == [(8, 3), (8, 3), (8, 2)]
    a00 = client.get(f"/ogc/collections/cells/items/{world.cell('a00').id}").json()
    assert a00["type"] == "Feature" and a00["geometry"]["type"] == "MultiPolygon"
    assert a00["properties"]["state"] == "covered"
    assert a00["properties"]["visits"] == 4
    assert a00["properties"]["window_days"] == 90
    # a limit over the maximum is lowered to it, not refused (OGC API - Features Core)
    body = client.get("/ogc/collections/cells/items?limit=100000&offset=7").json()
    assert (body["numberMatched"], body["numberReturned"]) == (8, 1)
    assert "next" not in hrefs(body)
    assert hrefs(body)["prev"].endswith("limit=1000&offset=0")


def test_items_filtered_by_bbox(world):
    client = leader(world)
    # the township 星沙街道 (113.00-113.02 E): columns 0 and 1
    body = client.get("/ogc/collections/cells/items?bbox=113.0005,28.0005,113.0195,28.0195").json()
    assert [f["properties"]["code"] for f in body["features"]] == ["A-00", "A-01", "A-10", "A-11"]
    assert body["numberMatched"] == 4
    assert "bbox=113.0005%2C28.0005%2C113.0195%2C28.0195" in hrefs(body)["self"]
    body = client.get("/ogc/collections/stations/items?bbox=113.0,28.0,113.02,28.02").json()
    assert [f["properties"]["name"] for f in body["features"]] == ["星沙联络站"]
    assert set(body["features"][0]["properties"]) == {
        "name",
        "kind",
        "address",
        "adcode",
        "deputies",
    }
    body = client.get("/ogc/collections/cells/items?bbox=100,20,100.1,20.1").json()
    assert (body["numberMatched"], body["features"]) == (0, [])


def test_clusters_carry_counts_only(world):
    body = leader(world).get("/ogc/collections/clusters/items").json()
    assert sorted(f["properties"]["count"] for f in body["features"]) == [3, 4]
    for feature in body["features"]:
        assert set(feature["properties"]) == {"count", "open_count", "window_days"}
        assert feature["geometry"]["type"] == "Polygon"


def test_another_countys_features_are_404_and_absent(world):
    client = leader(world)
    b0 = world.cell("b0").id
    outside = client.get(f"/ogc/collections/cells/items/{b0}")
    missing = client.get("/ogc/collections/cells/items/987654321")
    assert outside.status_code == missing.status_code == 404
    assert outside.content == missing.content
    assert outside.json()["code"] == "ogc.feature_not_found"
    ids = [
        f["id"] for f in client.get("/ogc/collections/cells/items?limit=1000").json()["features"]
    ]
    assert b0 not in ids and len(ids) == 8
    station = client.get(f"/ogc/collections/stations/items/{world.stations['sb'].id}")
    assert station.status_code == 404
    other = Client()
    other.force_login(world.users["leader_b"])
    body = other.get("/ogc/collections/cells/items").json()
    assert [f["properties"]["code"] for f in body["features"]] == ["B-10", "B-11"]


def test_basic_auth_works_and_a_wrong_password_is_401(world):
    client = Client()
    response = client.get("/ogc/collections/cells/items", headers=basic("leader_a"))
    assert response.status_code == 200
    assert response.json()["numberMatched"] == 8
    assert "sessionid" not in response.cookies  # Basic is stateless
    wrong = client.get("/ogc/collections/cells/items", headers=basic("leader_a", "nope"))
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "auth.invalid_credentials"
    assert wrong["WWW-Authenticate"].startswith('Basic realm="ogc"')
    anon = client.get("/ogc/")
    assert (anon.status_code, anon.json()["code"]) == (401, "auth.required")
    assert anon["WWW-Authenticate"].startswith("Basic")
    for header in ("Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Basic "):
        bad = client.get("/ogc/", headers={"Authorization": header})
        assert (bad.status_code, bad.json()["code"]) == (401, "auth.invalid_credentials")
    deputy = client.get("/ogc/", headers=basic("d1"))
    assert (deputy.status_code, deputy.json()["code"]) == (403, "auth.forbidden")


def test_basic_auth_goes_through_the_axes_lockout(world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(2):
        assert client.get("/ogc/", headers=basic("leader_a", "nope")).status_code == 401
    locked = client.get("/ogc/", headers=basic("leader_a", "nope"))
    assert locked.status_code == 429
    assert locked.json()["code"] == "auth.locked_out"
    assert int(locked["Retry-After"]) > 0
    # locked out: even the right password is refused for this username + IP
    right = client.get("/ogc/", headers=basic("leader_a"))
    assert (right.status_code, right.json()["code"]) == (429, "auth.locked_out")
    # the session login is locked too: one lockout for every login path
    login = client.post("/accounts/login/", {"username": "leader_a", "password": PASSWORD})
    assert login.status_code == 429


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("bbox=1,2,3", "ogc.invalid_bbox"),
        ("bbox=nan,28,113,28.1", "ogc.invalid_bbox"),
        ("bbox=113.1,28,113,28.1", "ogc.invalid_bbox"),
        ("bbox=0,0,1,1&bbox-crs=EPSG:3857", "ogc.invalid_bbox_crs"),
        ("limit=0", "ogc.invalid_limit"),
        ("limit=-1", "ogc.invalid_limit"),
        ("limit=x", "ogc.invalid_limit"),
        ("offset=-1", "ogc.invalid_offset"),
        ("offset=99999999999999999999", "ogc.invalid_offset"),
    ],
)
def test_bad_parameters_are_400_with_a_code(world, query, code):
    response = leader(world).get(f"/ogc/collections/cells/items?{query}")
    assert (response.status_code, response.json()["code"]) == (400, code)


def test_unknown_collection_url_and_method(world):
    client = leader(world)
    for path in (
        "/ogc/collections/nope",
        "/ogc/collections/nope/items",
        "/ogc/collections/x/items/1",
    ):
        response = client.get(path)
        assert (response.status_code, response.json()["code"]) == (404, "ogc.unknown_collection")
    for fid in ("abc", "99999999999999999999", "-1"):
        response = client.get(f"/ogc/collections/cells/items/{fid}")
        assert (response.status_code, response.json()["code"]) == (404, "ogc.feature_not_found")
    response = client.get("/ogc/nothing/here")
    assert (response.status_code, response.json()["code"]) == (404, "request.not_found")
    response = client.post("/ogc/collections")
    assert response.status_code in (403, 405)  # CSRF or method: JSON either way
    assert response["Content-Type"].startswith("application/json")


# --- GDAL's OAPIF driver against a real server ---------------------------------------------


def _wait(url: str, proc: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers (401 without credentials)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError(f"server at {url} did not answer within {timeout_s} s")


@pytest.fixture
def ogc_server(transactional_db):
    """uvicorn serving backend.asgi on this run's test database (as tests/browser does)."""
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="backend.settings",
        DATABASE_URL=f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL="",
        LOG_LEVEL="WARNING",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    port = free_port()
    proc = subprocess.Popen(
        uvicorn_argv(port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url + "/ogc/", proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def ogrinfo(password: str, *args: str) -> subprocess.CompletedProcess:
    """ogrinfo with the credentials in the URL (as a user types them) and also as
    GDAL_HTTP_USERPWD: GDAL 3.6 (Debian 12) drops the URL's credentials when it follows the API's
    own links (the items link), later GDAL re-injects them; QGIS sends its auth config on every
    request (docs/ogc-api.md)."""
    exe = shutil.which("ogrinfo")
    assert exe, "ogrinfo missing: scripts/setup.sh installs gdal-bin"
    config = ["--config", "GDAL_HTTP_AUTH", "BASIC"]
    config += ["--config", "GDAL_HTTP_USERPWD", f"leader_a:{password}"]
    return subprocess.run(
        [exe, *config, *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "GDAL_HTTP_TIMEOUT": "60"},
        check=False,
    )


def test_gdal_oapif_lists_the_collections_and_counts_the_features(ogc_server):
    build_world()  # committed (transactional_db): the server sees it; default password hasher
    host = ogc_server.removeprefix("http://")
    source = f"OAPIF:http://leader_a:{PASSWORD}@{host}/ogc"
    listing = ogrinfo(PASSWORD, "-ro", "-q", source)
    assert listing.returncode == 0, listing.stderr
    assert [line.split(": ", 1)[1].split(" ")[0] for line in listing.stdout.splitlines()] == [
        "cells",
        "stations",
        "clusters",
    ]
    cells = ogrinfo(PASSWORD, "-ro", "-so", source, "cells")
    assert cells.returncode == 0, cells.stderr
    assert "Feature Count: 8" in cells.stdout, cells.stdout + cells.stderr
    assert "households_visited: Integer" in cells.stdout
    stations = ogrinfo(PASSWORD, "-ro", "-so", source, "stations")
    assert "Feature Count: 2" in stations.stdout, stations.stdout + stations.stderr
    wrong = ogrinfo("nope", "-ro", "-so", f"OAPIF:http://leader_a:nope@{host}/ogc", "cells")
    assert wrong.returncode != 0
    assert "401" in wrong.stderr
