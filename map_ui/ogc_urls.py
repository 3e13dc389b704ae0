"""OGC API - Features under /ogc/ (map_ui.ogc; docs/ogc-api.md). The landing page answers with
and without the trailing slash: GDAL and QGIS are given `…/ogc` and add the paths themselves."""

from django.urls import path, re_path

from map_ui import ogc

app_name = "ogc"
urlpatterns = [
    re_path(r"^ogc/?$", ogc.LandingApi.as_view(), name="landing"),
    path("ogc/conformance", ogc.ConformanceApi.as_view(), name="conformance"),
    path("ogc/collections", ogc.CollectionsApi.as_view(), name="collections"),
    path("ogc/collections/<str:collection_id>", ogc.CollectionApi.as_view(), name="collection"),
    path("ogc/collections/<str:collection_id>/items", ogc.ItemsApi.as_view(), name="items"),
    path(
        "ogc/collections/<str:collection_id>/items/<str:fid>",
        ogc.ItemApi.as_view(),
        name="item",
    ),
]
