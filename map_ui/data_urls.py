"""Map data: vector tiles, TileJSON and the GeoJSON/JSON endpoints under /api/map/v1/."""

urlpatterns: list = []
