"""URLconf for the map data API's OpenAPI schema: its operations, with their full paths."""

from map_ui.data_urls import operations as urlpatterns

__all__ = ["urlpatterns"]
