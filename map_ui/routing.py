"""Websocket routes; backend.asgi wraps this in AllowedHostsOriginValidator."""

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from django.urls import path

from map_ui.consumers import LiveConsumer

LIVE_WS_PATH = "ws/live/"  # the pages learn it from map_ui.views.page_urls

websocket_urlpatterns = [path(LIVE_WS_PATH, LiveConsumer.as_asgi())]
websocket_application = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
