"""Map data: vector tiles, TileJSON and the GeoJSON/JSON endpoints under /api/map/v1/."""

from django.urls import path, re_path

from backend.core import error_codes as codes
from backend.core.http import error_response
from map_ui.data import views


def _not_found(request, rest=""):
    return error_response(codes.REQUEST_NOT_FOUND)


urlpatterns = [
    path("tiles/<slug:layer>/<int:z>/<int:x>/<int:y>.mvt", views.tile, name="map-tile"),
    path("tiles/<slug:layer>.json", views.tilejson, name="map-tilejson"),
    path("api/map/v1/regions/<str:adcode>/stats", views.region_stats, name="map-region-stats"),
    path("api/map/v1/cells.geojson", views.cells_geojson, name="map-cells"),
    path("api/map/v1/gaps", views.gaps, name="map-gaps"),
    path("api/map/v1/suggestions", views.suggestions, name="map-suggestions"),
    path("api/map/v1/assignments", views.assignments, name="map-assignments"),
    path("api/map/v1/clusters.geojson", views.clusters_geojson, name="map-clusters"),
    path("api/map/v1/stations.geojson", views.stations_geojson, name="map-stations"),
    path("api/map/v1/links.geojson", views.links_geojson, name="map-links"),
    path("api/map/v1/rollups", views.rollups, name="map-rollups"),
    path("api/map/v1/opinions", views.opinion_list, name="map-opinions"),
    path("api/map/v1/opinions/<int:opinion_id>", views.opinion_detail, name="map-opinion"),
    path(
        "api/map/v1/opinions/<int:opinion_id>/transitions",
        views.opinion_transitions,
        name="map-opinion-transitions",
    ),
    re_path(r"^(?:api/map/|tiles/)(?P<rest>.*)$", _not_found),
]
