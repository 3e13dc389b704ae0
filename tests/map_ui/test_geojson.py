"""The map's GeoJSON follows RFC 7946: exterior rings counter-clockwise and holes clockwise
(whatever order the stored rings have), every feature a stable id, served as
application/geo+json."""

import pytest
from django.test import Client

from backend.grid.models import GridCell
from backend.liaison.models import Station
from tests.geojson_checks import assert_rfc7946_rings, clockwise_with_hole, ring_orientations

API = "/api/map/v1/"
GEOJSON = "application/geo+json"


def leader(world) -> Client:
    client = Client()
    client.force_login(world.users["leader"])
    return client


def test_cells_rings_are_counter_clockwise_even_when_stored_clockwise(world):
    a00 = world.cell("a00")
    wrong = clockwise_with_hole(a00.boundary)
    GridCell.objects.filter(pk=a00.pk).update(boundary=wrong, display_boundary=wrong)
    response = leader(world).get(API + "cells.geojson", {"region": "430121"})
    assert response.status_code == 200
    assert response["Content-Type"] == GEOJSON
    features = {f["id"]: f for f in response.json()["features"]}
    assert ring_orientations(features[a00.id]["geometry"]) == [("exterior", True), ("hole", False)]
    for feature in features.values():
        assert_rfc7946_rings(feature["geometry"])


def test_cluster_hulls_are_counter_clockwise_with_their_cluster_id(world):
    response = leader(world).get(API + "clusters.geojson", {"region": "430121"})
    assert response.status_code == 200
    assert response["Content-Type"] == GEOJSON
    features = response.json()["features"]
    roads, health = world.opinions["roads"], world.opinions["health"]
    assert [f["id"] for f in features] == [roads[0].id, health[0].id]
    assert [f["id"] for f in features] == [f["properties"]["cluster_id"] for f in features]
    for feature in features:
        assert_rfc7946_rings(feature["geometry"])


def test_station_service_areas_are_counter_clockwise(world):
    s1 = world.stations["s1"]
    Station.objects.filter(pk=s1.pk).update(service_area=clockwise_with_hole(s1.service_area))
    response = leader(world).get(API + "stations.geojson", {"region": "430121"})
    assert response["Content-Type"] == GEOJSON
    areas = {f["id"]: f["properties"]["service_area"] for f in response.json()["features"]}
    assert ring_orientations(areas[s1.id]) == [("exterior", True), ("hole", False)]
    for area in areas.values():
        if area is not None:
            assert_rfc7946_rings(area)


@pytest.mark.parametrize("path", ["stations.geojson", "links.geojson"])
def test_point_and_line_layers_are_geojson_with_ids(world, path):
    response = leader(world).get(API + path, {"region": "430121"})
    assert response["Content-Type"] == GEOJSON
    features = response.json()["features"]
    assert features and all(isinstance(f["id"], int) for f in features)
