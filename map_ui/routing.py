"""Websocket routes; backend.asgi wraps this in AllowedHostsOriginValidator."""

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from django.urls import path

from map_ui.consumers import LiveConsumer

websocket_urlpatterns = [path("ws/live/", LiveConsumer.as_asgi())]
websocket_application = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
