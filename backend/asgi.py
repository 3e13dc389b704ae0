"""ASGI entry point: static files through ServeStatic, other HTTP through Django (in one thread
hop per request, backend.core.asgi), websockets through Channels (map_ui.routing)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from backend.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402
from servestatic import ServeStaticASGI  # noqa: E402

from backend.core.security import static_headers_adder  # noqa: E402

# Static files (collected by `collectstatic`) answered before Django: ServeStatic's middleware is
# async-only and would cost a synchronous request two more thread hops.
http_app = ServeStaticASGI(
    django_asgi_app,
    root=settings.STATIC_ROOT,
    prefix=settings.STATIC_URL,
    max_age=0 if settings.DEBUG else 60,  # file names carry no hash: keep caches short
    autorefresh=settings.DEBUG,
    # Django's SecurityMiddleware never sees these responses: the same headers here.
    add_headers_function=static_headers_adder(hsts_seconds=settings.SECURE_HSTS_SECONDS),
)

from channels.routing import ProtocolTypeRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from map_ui.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_app,
        "websocket": AllowedHostsOriginValidator(websocket_application),
    }
)
