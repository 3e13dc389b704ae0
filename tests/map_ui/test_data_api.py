"""/api/map/v1/: full bodies on the hand-built world, jurisdiction (401/404), bad input (400,
never 500), CSRF on the one write, and query budgets."""

import datetime as dt
import json

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.test import Client
from django.utils import timezone

from backend.coverage.services import coverage_roll_forward
from backend.grid.models import GridAssignment
from backend.regions.models import Region
from tests.coverage_world import COUNTY_STATS_30_DAYS, HOUSEHOLDS

API = "/api/map/v1/"
GET_ENDPOINTS = [
    "regions/430121/stats",
    "cells.geojson?region=430121001",
    "gaps?region=430121",
    "suggestions?cells={a21}",
    "clusters.geojson?region=430121",
    "stations.geojson?region=430121",
    "links.geojson?region=430121",
    "rollups?region=430121&by=township",
]


def client_for(world, who: str, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(world.users[who])
    return client


def url(world, path: str) -> str:
    return API + path.format(a21=world.cell("a21").id)


def test_anonymous_callers_get_401_json(world):
    for path in GET_ENDPOINTS:
        response = Client().get(url(world, path))
        assert response.status_code == 401, path
        assert response.json() == {"code": "auth.required", "message": "请先登录。"}


def test_other_counties_leaders_and_deputies_get_404(world):
    for who in ("leader_b", "deputy"):
        client = client_for(world, who)
        for path in GET_ENDPOINTS:
            response = client.get(url(world, path))
            assert response.status_code == 404, (who, path)
            assert response.json()["code"] in ("region.not_found", "cell.not_found")


def test_every_endpoint_answers_the_leader(world):
    leader = client_for(world, "leader")
    for path in GET_ENDPOINTS:
        response = leader.get(url(world, path))
        assert response.status_code == 200, (path, response.content[:300])
        geojson = path.split("?")[0].endswith(".geojson")
        assert response["Content-Type"] == (
            "application/geo+json" if geojson else "application/json"
        )


def test_township_staff_see_their_township_only(world):
    staff = client_for(world, "staff_t1")
    assert staff.get(API + "regions/430121/stats").status_code == 404
    assert staff.get(API + "regions/430121001/stats").json()["cells"] == 4
    assert staff.get(API + "gaps").json()["results"][0]["code"] == "A-01"  # default region


def test_stats_body(world):
    body = client_for(world, "leader").get(API + "regions/430121/stats", {"days": 30}).json()
    assert body == COUNTY_STATS_30_DAYS


def test_stats_with_the_outline_of_the_region(world):
    """outline=1 (the dashboard, drilled into a township): the same body plus the region's
    display boundary as GeoJSON, 5 decimals; without it the body has no outline."""
    leader = client_for(world, "leader")
    plain = leader.get(API + "regions/430121001/stats", {"days": 30}).json()
    body = leader.get(API + "regions/430121001/stats", {"days": 30, "outline": "1"}).json()
    outline = body.pop("outline")
    assert body == plain and "outline" not in plain
    assert outline["type"] == "MultiPolygon"
    region = Region.objects.get(adcode="430121001")
    drawn = GEOSGeometry(json.dumps(outline), srid=region.boundary.srid)
    expected = region.display_boundary or region.boundary
    assert drawn.sym_difference(expected).area < 1e-9


def test_cells_geojson_body(world):
    body = (
        client_for(world, "leader")
        .get(API + "cells.geojson", {"region": "430121001", "state": "covered", "days": 90})
        .json()
    )
    a00 = world.cell("a00")
    last = timezone.localtime(world.now - dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%S")
    last += "+08:00"
    assert body == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": a00.id,
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [
                        [
                            [
                                [113.0, 28.0],
                                [113.01, 28.0],
                                [113.01, 28.01],
                                [113.0, 28.01],
                                [113.0, 28.0],
                            ]
                        ]
                    ],
                },
                "properties": {
                    "id": a00.id,
                    "code": "A-00",
                    "name": "网格00",
                    "households": 100,
                    "last_visit": last,
                    "visits": 4,
                    "households_visited": 5,
                    "state": "covered",
                    "assigned": True,
                    "coverage_ratio": 0.05,
                },
            }
        ],
    }
    box = client_for(world, "leader").get(
        API + "cells.geojson", {"region": "430121", "bbox": "113.021,28.001,113.029,28.019"}
    )
    assert [f["properties"]["code"] for f in box.json()["features"]] == ["A-20", "A-21"]


def test_gaps_body(world):
    body = client_for(world, "leader").get(API + "gaps", {"region": "430121", "limit": 3}).json()
    ids = {n: c.id for n, c in world.cells.items()}
    assert body == {
        "results": [
            {
                "cell_id": ids["a01"],
                "code": "A-01",
                "name": "网格01",
                "households": 80,
                "state": "never",
                "days_since_visit": None,
                "open_opinions": 1,
                "score": 59400,
            },
            {
                "cell_id": ids["a21"],
                "code": "A-21",
                "name": "网格21",
                "households": 60,
                "state": "never",
                "days_since_visit": None,
                "open_opinions": 3,
                "score": 46800,
            },
            {
                "cell_id": ids["a20"],
                "code": "A-20",
                "name": "网格20",
                "households": 200,
                "state": "stale",
                "days_since_visit": 200,
                "open_opinions": 0,
                "score": 40000,
            },
        ]
    }


def test_suggestions_body(world):
    body = (
        client_for(world, "staff")
        .get(API + "suggestions", {"cells": f"{world.cell('a21').id}"})
        .json()
    )
    [cell] = body["cells"]
    assert (cell["cell_id"], cell["code"]) == (world.cell("a21").id, "A-21")
    first = cell["suggestions"][0]
    d3, s2 = world.deputies["d3"], world.stations["s2"]
    assert {k: v for k, v in first.items() if k != "station_distance_m"} == {
        "deputy_id": d3.id,
        "name": "王代表",
        "station_id": s2.id,
        "station_name": "泉塘联络站",
        "distance_m": 0.0,
        "in_district": True,
        "cells_assigned": 0,
        "households_to_visit": 50,
        "reason": f"网格在其选区内；泉塘联络站距离 {round(first['station_distance_m'])} 米；"
        "已分配 0 个网格，今年还需走访 50 户",
    }
    assert 1400 < first["station_distance_m"] < 1600
    assert [s["name"] for s in cell["suggestions"]] == ["王代表", "李代表", "张代表"]


def test_assign_through_the_api_with_csrf(world):
    staff = client_for(world, "staff", enforce_csrf_checks=True)
    token = "k" * 32  # the browser's csrftoken cookie, echoed in X-CSRFToken
    staff.cookies["csrftoken"] = token
    a21, d2 = world.cell("a21"), world.deputies["d2"]
    payload = {"cells": [a21.id], "deputy": d2.id, "reason": "就近分配"}
    refused = staff.post(API + "assignments", payload, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "auth.csrf_failed"
    response = staff.post(
        API + "assignments",
        payload,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201
    assignment = GridAssignment.objects.get(cell=a21)
    assert response.json() == {
        "assignments": [
            {
                "id": assignment.id,
                "cell_id": a21.id,
                "deputy_id": d2.id,
                "status": "active",
                "created": True,
            }
        ]
    }
    tile_props = client_for(world, "staff").get(API + "cells.geojson", {"region": "430121002"})
    assigned = {
        f["properties"]["code"]: f["properties"]["assigned"] for f in tile_props.json()["features"]
    }
    assert assigned == {"A-20": False, "A-21": True, "A-30": False, "A-31": False}


@pytest.mark.parametrize(
    ("who", "body", "status", "code"),
    [
        ("leader", {"cells": ["a21"], "deputy": "d2"}, 403, "assignment.not_allowed"),
        ("staff_t1", {"cells": ["a21"], "deputy": "d2"}, 404, "cell.not_found"),
        ("staff", {"cells": ["b0"], "deputy": "d2"}, 404, "cell.not_found"),
        ("staff", {"cells": ["a21"], "deputy": "db"}, 404, "deputy.not_found"),
        ("staff", {"cells": [], "deputy": "d2"}, 400, "map.invalid_cells"),
        ("staff", {"cells": "a21", "deputy": "d2"}, 400, "map.invalid_cells"),
        ("staff", {"cells": ["a21"], "deputy": None}, 400, "map.invalid_deputy"),
        ("staff", {"cells": ["a21"], "deputy": "d2", "reason": 5}, 400, "map.invalid_reason"),
        ("staff", {"cells": [1.5], "deputy": "d2"}, 400, "map.invalid_cells"),
        ("staff", {"cells": [True], "deputy": "d2"}, 400, "map.invalid_cells"),
    ],
)
def test_assignment_errors(world, who, body, status, code):
    def resolve(v):
        if isinstance(v, str) and v in world.cells:
            return world.cells[v].id
        if isinstance(v, str) and v in world.deputies:
            return world.deputies[v].id
        return v

    payload = {
        k: [resolve(i) for i in v] if isinstance(v, list) else resolve(v) for k, v in body.items()
    }
    if payload.get("cells") == "a21":
        payload["cells"] = "a21"
    response = client_for(world, who).post(
        API + "assignments", payload, content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_assignment_body_must_be_a_json_object(world):
    staff = client_for(world, "staff")
    for raw in (b"{not json", b"[1, 2]", b"\xff\xfe"):
        response = staff.post(API + "assignments", raw, content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (400, "request.malformed_json")
    wrong_method = staff.get(API + "assignments")
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (
        405,
        "request.method_not_allowed",
    )


def test_clusters_stations_and_links_bodies(world):
    leader = client_for(world, "leader")
    clusters = leader.get(
        API + "clusters.geojson", {"region": "430121", "eps_m": 500, "min_points": 3}
    ).json()
    roads, health = world.opinions["roads"], world.opinions["health"]
    assert [(f["properties"]) for f in clusters["features"]] == [
        {
            "cluster_id": roads[0].id,
            "count": 4,
            "open_count": 3,
            "top_categories": ["roads", "water"],
        },
        {"cluster_id": health[0].id, "count": 3, "open_count": 3, "top_categories": ["health"]},
    ]
    assert {f["geometry"]["type"] for f in clusters["features"]} == {"Polygon"}
    stations = leader.get(API + "stations.geojson", {"region": "430121"}).json()
    s1, s2 = world.stations["s1"], world.stations["s2"]
    assert [f["properties"] for f in stations["features"]] == [
        {
            "id": s1.id,
            "name": "星沙联络站",
            "kind": "station",
            "adcode": "430121001",
            "deputies": 1,
            "service_area": {
                "type": "MultiPolygon",
                "coordinates": [
                    [
                        [
                            [113.0, 28.0],
                            [113.02, 28.0],
                            [113.02, 28.02],
                            [113.0, 28.02],
                            [113.0, 28.0],
                        ]
                    ]
                ],
            },
        },
        {
            "id": s2.id,
            "name": "泉塘联络站",
            "kind": "station",
            "adcode": "430121002",
            "deputies": 2,
            "service_area": {
                "type": "MultiPolygon",
                "coordinates": [
                    [
                        [
                            [113.02, 28.0],
                            [113.03, 28.0],
                            [113.03, 28.01],
                            [113.02, 28.01],
                            [113.02, 28.0],
                        ]
                    ]
                ],
            },
        },
    ]
    assert stations["features"][0]["geometry"] == {
        "type": "Point",
        "coordinates": [113.005, 28.005],
    }
    links = leader.get(API + "links.geojson", {"region": "430121"}).json()
    sg = world.stations["sg"]
    assert links == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": world.link.id,
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[113.035, 28.005], [110.25, 22.35]],
                },
                "properties": {
                    "id": world.link.id,
                    "cadences": ["weekly_reception", "monthly_exchange"],
                    "agreement_date": "2024-05-01",
                    "station_a": {"id": s2.id, "name": "泉塘联络站", "adcode": "430121002"},
                    "station_b": {"id": sg.id, "name": "乌石联络站", "adcode": "450922"},
                },
            }
        ],
    }
    assert (
        client_for(world, "admin")
        .get(API + "links.geojson", {"region": "430182"})
        .json()["features"]
        == []
    )


def test_rollups_endpoint(world):
    leader = client_for(world, "leader")
    body = leader.get(API + "rollups", {"region": "430121", "by": "station"}).json()
    assert body["by"] == "station" and body["days"] == 90
    assert [r["name"] for r in body["results"]] == ["星沙联络站", "泉塘联络站"]
    deputies = leader.get(API + "rollups", {"by": "deputy", "days": 30}).json()["results"]
    assert {d["name"]: d["active"] for d in deputies} == {
        "张代表": True,
        "李代表": True,
        "王代表": False,
    }


BAD_INPUT = [
    ("cells.geojson?region=430121&bbox=nan,28,113.1,28.1", "map.invalid_bbox"),
    ("cells.geojson?region=430121&bbox=113,28,Infinity,28.1", "map.invalid_bbox"),
    ("cells.geojson?region=430121&bbox=113,28,113.1", "map.invalid_bbox"),
    ("cells.geojson?region=430121&bbox=113.1,28,113,28.1", "map.invalid_bbox"),
    ("cells.geojson?region=430121&bbox=113,28,200,28.1", "map.invalid_bbox"),
    ("cells.geojson?region=430121&bbox=a,b,c,d", "map.invalid_bbox"),
    ("cells.geojson?region=430121&bbox=112,27,114,29", "map.area_too_large"),
    ("cells.geojson?region=430121&state=bogus", "map.invalid_state"),
    ("cells.geojson?region=abc", "map.invalid_region"),
    ("cells.geojson?region=430121&days=0", "coverage.invalid_days"),
    ("cells.geojson?region=430121&days=abc", "coverage.invalid_days"),
    ("cells.geojson?region=430121&days=100000", "coverage.invalid_days"),
    ("gaps?region=430121&limit=0", "map.invalid_limit"),
    ("gaps?region=430121&limit=1e9", "map.invalid_limit"),
    ("suggestions?cells=abc", "map.invalid_cells"),
    ("suggestions?cells=1,-2", "map.invalid_cells"),
    ("suggestions", "map.invalid_cells"),
    ("suggestions?cells=" + ",".join(str(i) for i in range(1, 60)), "map.too_many_cells"),
    ("clusters.geojson?region=430121&eps_m=nan", "map.invalid_eps_m"),
    ("clusters.geojson?region=430121&eps_m=1e9", "map.invalid_eps_m"),
    ("clusters.geojson?region=430121&min_points=1", "map.invalid_min_points"),
    ("clusters.geojson?region=430121&category=bogus", "map.invalid_category"),
    ("rollups?region=430121&by=planet", "map.invalid_by"),
    ("regions/43x/stats", "map.invalid_region"),
    ("regions/430121/stats?outline=yes", "map.invalid_outline"),
]


def test_bad_input_is_a_400_with_a_stable_code(world):
    admin = client_for(world, "admin")
    for path, code in BAD_INPUT:
        response = admin.get(API + path)
        assert response.status_code == 400, (path, response.content[:300])
        body = response.json()
        assert body["code"] == code and body["message"], path


def test_unknown_regions_cells_and_urls_are_json_404(world):
    admin = client_for(world, "admin")
    for path, code in [
        ("regions/439999/stats", "region.not_found"),
        ("suggestions?cells=999999", "cell.not_found"),
        ("nope", "request.not_found"),
    ]:
        response = admin.get(API + path)
        assert (response.status_code, response.json()["code"]) == (404, code), path


def test_english_on_request(world):
    response = client_for(world, "admin").get(
        API + "gaps?region=430121&limit=0", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["message"] == "limit must be a whole number from 1 to 500."


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("regions/430121/stats", 5),
        ("cells.geojson?region=430121", 5),
        ("gaps?region=430121", 5),
        ("clusters.geojson?region=430121", 5),
        ("stations.geojson?region=430121", 5),
        ("links.geojson?region=430121", 5),
        ("rollups?region=430121&by=deputy", 5),
        ("suggestions?cells={a21}", 5),
    ],
)
def test_query_budgets(world, django_assert_num_queries, path, queries):
    # session, user, the user's jurisdiction, the region (or the cells), then ONE analytics
    # query, however many rows
    # The job coverage.roll has moved the clock to today (a test database migrated before
    # midnight in Beijing would otherwise keep yesterday's clock, and every read would ask).
    coverage_roll_forward(today=timezone.localdate())
    leader = client_for(world, "staff")
    leader.get(url(world, path))  # the first request of the day reads the coverage clock
    with django_assert_num_queries(queries):
        assert leader.get(url(world, path)).status_code == 200


def test_households_fixture_is_consistent(world):
    assert sum(HOUSEHOLDS.values()) == 650
