"""Vector tiles decode to the expected features, scoped by the caller's jurisdiction."""

import datetime as dt
import math

import mapbox_vector_tile
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.coverage.services import heat_hexes_complete
from backend.visits.services import visits_ingest
from tests.coverage_world import _visit
from tests.drain import drain

MVT = "application/vnd.mapbox-vector-tile"


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def client_for(world, who: str) -> Client:
    client = Client()
    client.force_login(world.users[who])
    return client


def get_tile(client, layer, z, x, y, **params):
    response = client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt", params)
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == MVT
    return mapbox_vector_tile.decode(response.content) if response.content else {}


def features(client, layer, z, lon_lat_box, **params):
    """All features of `layer` in the tiles covering the box, by feature id or first prop."""
    w, s, e, n = lon_lat_box
    x0, y1 = tile_of(w, s, z)
    x1, y0 = tile_of(e, n, z)
    found = {}
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            for f in get_tile(client, layer, z, x, y, **params).get(layer, {}).get("features", []):
                key = f.get("id") or next(iter(f["properties"].values()))
                found[key] = f
    return found


COUNTY_A_CELLS = (113.0, 28.0, 113.04, 28.02)


def test_cells_tile_holds_the_contract_properties(world):
    cells = features(client_for(world, "leader"), "cells", 14, COUNTY_A_CELLS, days=90)
    ids = {c.id: n for n, c in world.cells.items()}
    assert {ids[i] for i in cells} == {"a00", "a10", "a01", "a11", "a20", "a30", "a21", "a31"}
    a00 = cells[world.cell("a00").id]
    last = timezone.localtime(world.now - dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%S")
    assert a00["properties"] == {
        "id": world.cell("a00").id,
        "code": "A-00",
        "name": "网格00",
        "state": "covered",
        "assigned": True,
        "visits": 4,
        "households_visited": 5,
        "households": 100,
        "coverage_ratio": 0.05,
        "last_visit": last + "+08:00",
    }
    a01 = cells[world.cell("a01").id]["properties"]
    assert "last_visit" not in a01 and (a01["state"], a01["visits"]) == ("never", 0)
    assert a00["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_a_tile_straddling_two_counties_holds_only_the_callers(world):
    both = (113.0, 28.0, 113.12, 28.02)
    x, y = tile_of(113.05, 28.01, 10)
    assert tile_of(113.0, 28.0, 10) == tile_of(113.12, 28.02, 10) == (x, y)  # one tile, both
    ids = {c.id: n for n, c in world.cells.items()}

    def names(who):
        data = get_tile(client_for(world, who), "cells", 10, x, y)
        return {ids[f["id"]] for f in data.get("cells", {}).get("features", [])}

    assert names("leader") == {"a00", "a10", "a01", "a11", "a20", "a30", "a21", "a31"}
    assert names("leader_b") == {"b0", "b1"}
    assert names("staff_t1") == {"a00", "a10", "a01", "a11"}
    assert names("admin") == set(ids.values())
    assert features(client_for(world, "leader_b"), "cells", 10, both)  # sanity: same tile


def test_counties_layer_rolls_up_at_low_zoom(world):
    x, y = tile_of(113.05, 28.05, 8)

    def rows(who):
        data = get_tile(client_for(world, who), "counties", 8, x, y, days=90)
        return sorted(
            (
                f["properties"]["adcode"],
                f["properties"]["cells"],
                f["properties"]["covered"],
                f["properties"]["coverage_ratio"],
                f["properties"]["name"],
            )
            for f in data.get("counties", {}).get("features", [])
        )

    assert rows("admin") == [("430121", 8, 2, 0.25, "长沙县"), ("430182", 2, 1, 0.5, "宁乡市")]
    assert rows("leader") == [("430121", 8, 2, 0.25, "长沙县")]
    assert rows("staff_t1") == [("430121", 4, 1, 0.25, "长沙县")]  # their township's cells only
    assert get_tile(client_for(world, "admin"), "counties", 12, *tile_of(113.0, 28.0, 12)) == {}
    assert get_tile(client_for(world, "admin"), "cells", 9, *tile_of(113.0, 28.0, 9)) == {}


@pytest.mark.parametrize("z", [7, 10, 12])
def test_heat_tile_aggregates_visits_in_hexagons(world, z):
    heat_hexes_complete()  # the job coverage.heat_hexes_complete (tiles never write)
    box = (112.9, 27.9, 113.2, 28.1)
    got = features(client_for(world, "leader"), "heat", z, box, days=365)
    assert sum(f["properties"]["visits"] for f in got.values()) == 7  # county A's visits
    assert sum(f["properties"]["households"] for f in got.values()) == 2 + 1 + 3 + 1 + 150
    for f in got.values():
        assert set(f["properties"]) == {"h3", "visits", "households"}
        assert len(f["properties"]["h3"]) == 15
    only_b = features(client_for(world, "leader_b"), "heat", z, box, days=365)
    assert [f["properties"]["visits"] for f in only_b.values()] == [1]
    recent = features(client_for(world, "leader"), "heat", z, box, days=7)
    assert sum(f["properties"]["visits"] for f in recent.values()) == 2  # 5 and 2 days ago


def test_clusters_and_stations_tiles(world):
    leader = client_for(world, "leader")
    clusters = features(leader, "clusters", 13, COUNTY_A_CELLS, days=90)
    got = sorted(
        (f["properties"]["count"], f["properties"]["open_count"], f["properties"]["top_category"])
        for f in clusters.values()
    )
    assert got == [(3, 3, "health"), (4, 3, "roads")]
    roads = features(leader, "clusters", 13, COUNTY_A_CELLS, days=90, category="roads")
    assert [f["properties"]["count"] for f in roads.values()] == [3]
    stations = features(leader, "stations", 12, (113.0, 28.0, 113.12, 28.02))
    assert sorted(f["properties"]["name"] for f in stations.values()) == [
        "星沙联络站",
        "泉塘联络站",
    ]
    assert {f["properties"]["kind"] for f in stations.values()} == {"station"}


def test_etag_cache_control_and_conditional_requests(world):
    leader, admin = client_for(world, "leader"), client_for(world, "admin")
    x, y = tile_of(113.005, 28.005, 14)
    url = f"/tiles/cells/14/{x}/{y}.mvt"
    first = leader.get(url)
    assert first["Cache-Control"] == "private, max-age=0, must-revalidate"
    assert "Cookie" in first["Vary"]
    etag = first["ETag"]
    again = leader.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    # the caller's jurisdiction is part of the tag, even where the bytes are the same
    assert admin.get(url)["ETag"] != etag
    # a new visit changes the tile and its tag
    d1 = world.deputies["d1"]
    visits_ingest(rows=[_visit(d1, world.cell("a00"), 0.1, timezone.now(), ref="new")])
    drain()
    changed = leader.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_bad_tiles_get_json_errors(world):
    leader = client_for(world, "leader")
    for url, status, code in [
        ("/tiles/cells/12/5000/10.mvt", 400, "map.invalid_tile"),
        ("/tiles/cells/23/0/0.mvt", 400, "map.invalid_tile"),
        ("/tiles/nope/12/1/1.mvt", 404, "map.unknown_layer"),
        ("/tiles/cells/12/1/1.mvt?days=0", 400, "coverage.invalid_days"),
        ("/tiles/clusters/12/1/1.mvt?eps_m=NaN", 400, "map.invalid_eps_m"),
        ("/tiles/clusters/12/1/1.mvt?category=bogus", 400, "map.invalid_category"),
        ("/tiles/cells/12/-1/1.mvt", 404, "request.not_found"),
        ("/tiles/nope.json", 404, "map.unknown_layer"),
    ]:
        response = leader.get(url)
        assert (response.status_code, response.json()["code"]) == (status, code), url
    anonymous = Client().get("/tiles/cells/12/1/1.mvt")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "auth.required")
    deputy = client_for(world, "deputy").get("/tiles/cells/12/1/1.mvt")
    assert (deputy.status_code, deputy.json()["code"]) == (404, "region.not_found")


def test_tilejson(world):
    response = client_for(world, "leader").get("/tiles/heat.json", {"days": 30})
    assert response.json() == {
        "tilejson": "3.0.0",
        "name": "heat",
        "scheme": "xyz",
        "tiles": ["http://testserver/tiles/heat/{z}/{x}/{y}.mvt?days=30"],
        "minzoom": 0,
        "maxzoom": 22,
        "bounds": [113.0, 28.0, 113.1, 28.1],
        "vector_layers": [
            {
                "id": "heat",
                "fields": {"h3": "String", "visits": "Number", "households": "Number"},
                "minzoom": 0,
                "maxzoom": 22,
            }
        ],
    }
    cells = client_for(world, "staff_t1").get("/tiles/cells.json").json()
    assert (cells["minzoom"], cells["bounds"]) == (10, [113.0, 28.0, 113.02, 28.02])


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"days": "abc"}, "coverage.invalid_days"),
        ({"days": "0"}, "coverage.invalid_days"),
        ({"category": "nope"}, "map.invalid_category"),
        ({"eps_m": "nan"}, "map.invalid_eps_m"),
        ({"eps_m": "5"}, "map.invalid_eps_m"),
        ({"min_points": "1.5"}, "map.invalid_min_points"),
    ],
)
def test_tilejson_refuses_what_the_tiles_refuse(world, query, code):
    """The TileJSON would copy a bad value into its URL template: same 400 as the tile."""
    leader = client_for(world, "leader")
    tile = leader.get("/tiles/clusters/12/1/1.mvt", query)
    tilejson = leader.get("/tiles/clusters.json", query)
    assert (tile.status_code, tile.json()["code"]) == (400, code)
    assert (tilejson.status_code, tilejson.json()["code"]) == (400, code)


def test_tilejson_template_carries_only_the_tile_parameters(world):
    response = client_for(world, "leader").get(
        "/tiles/clusters.json",
        {"days": "30", "category": "roads", "eps_m": "250", "min_points": "4", "x": "<y>"},
    )
    assert response.json()["tiles"] == [
        "http://testserver/tiles/clusters/{z}/{x}/{y}.mvt"
        "?days=30&category=roads&eps_m=250&min_points=4"
    ]


def _visit_a01(world):
    d1 = world.deputies["d1"]
    visits_ingest(rows=[_visit(d1, world.cell("a01"), 0.1, timezone.now(), ref="fresh")])
    drain()


def _rename_station(world):
    from backend.liaison.models import Station

    Station.objects.filter(name="星沙联络站").update(name="星沙联络站（新）")


def _opinion_in_a01(world):
    from backend.grid.models import GridCell
    from tests.coverage_world import _opinion

    cell = GridCell.objects.get(pk=world.cell("a01").pk)
    centre = cell.boundary.centroid
    for i in range(3):  # a new cluster of three
        _opinion(world.deputies["d1"], centre.x + i * 1e-4, centre.y, "roads", timezone.now())


@pytest.mark.parametrize(
    "layer, z, params, change",
    [
        ("cells", 14, {}, _visit_a01),
        ("counties", 8, {"days": 90}, _visit_a01),
        ("heat", 12, {"days": 365}, _visit_a01),
        ("clusters", 13, {"days": 90}, _opinion_in_a01),
        ("stations", 12, {}, _rename_station),
    ],
)
def test_revalidation_is_answered_before_the_tile_is_drawn(
    world, monkeypatch, layer, z, params, change
):
    from map_ui.data import views

    heat_hexes_complete()
    leader = client_for(world, "leader")
    x, y = tile_of(113.0075, 28.0075, z)  # holds a00 and a01
    url = f"/tiles/{layer}/{z}/{x}/{y}.mvt"
    first = leader.get(url, params)
    assert first.status_code == 200
    etag = first["ETag"]

    def no_drawing(req):
        raise AssertionError("a revalidation drew the tile")

    from backend.coverage.selectors import tiles as tile_selectors

    sent: list[str] = []  # what the tile path sends through its own (psycopg) cursor
    prepared = tile_selectors.fetchone_prepared

    def recording(sql, params):
        sent.append(sql)
        return prepared(sql, params)

    with monkeypatch.context() as patched, CaptureQueriesContext(connection) as queries:
        patched.setattr(views, "tile_render", no_drawing)
        patched.setattr(tile_selectors, "fetchone_prepared", recording)
        again = leader.get(url, params, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag
    # the database saw one version query and nothing that draws: no tile SQL ran
    everything = sent + [q["sql"] for q in queries.captured_queries]
    assert len(sent) == 1 and not any("ST_AsMVT" in sql for sql in everything)
    # the unconditional request sends the version query and the tile SQL (the count is not blind)
    sent.clear()
    with monkeypatch.context() as patched:
        patched.setattr(tile_selectors, "fetchone_prepared", recording)
        assert leader.get(url, params).status_code == 200
    assert len(sent) == 2 and "ST_AsMVT" in sent[1]
    change(world)
    changed = leader.get(url, params, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.content != first.content
    # the tag is the tile's: asked again, the same
    assert leader.get(url, params)["ETag"] == changed["ETag"]
