"""ASGI entry point: static files through ServeStatic (precompressed at collectstatic), other
HTTP through Django (in one thread hop per request, backend.core.asgi) compressed by brotli-asgi
(brotli, gzip when the client takes no brotli), websockets through Channels (map_ui.routing)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from backend.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from brotli_asgi import BrotliMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402
from servestatic import ServeStaticASGI  # noqa: E402

from backend.core.security import static_headers_adder  # noqa: E402

# Every text and tile response Django makes, compressed as the client negotiates (brotli, else
# gzip; below 400 bytes, 304s and already encoded responses as they are). The paths that answer
# with a phone token stay uncompressed (BREACH; docs/decisions.md "Compression").
compressed_app = BrotliMiddleware(
    django_asgi_app,
    quality=4,
    minimum_size=400,
    excluded_handlers=settings.COMPRESSION_EXCLUDED_PATHS,
)

# Static files (collected by `collectstatic`) answered before Django: ServeStatic's middleware is
# async-only and would cost a synchronous request two more thread hops. collectstatic wrote a
# .br and a .gz beside each text file (settings.STORAGES); ServeStatic picks the one the client
# accepts, so static files are never compressed per request.
http_app = ServeStaticASGI(
    compressed_app,
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
