"""Django settings for the deputies-into-the-grid backend.

Everything that differs between a laptop, CI and a deployment comes from the environment
(django-environ); the defaults are the local development set-up the Makefile creates.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from backend.core import security

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    SECRET_KEY=(str, ""),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "testserver"]),
    DATABASE_URL=(str, "postgis://postgres@127.0.0.1:5432/congress_grid"),
    REDIS_URL=(str, ""),
    BASEMAP_URL=(str, ""),
    BASEMAP_ATTRIBUTION=(str, ""),
    TIANDITU_KEY=(str, ""),
)

# --- production switch (docs/security.md) --------------------------------------------------------
# DJANGO_ENV=production: a real SECRET_KEY and DEBUG off or no start; HTTPS only (redirect, HSTS,
# Secure cookies). Anything else is a laptop or CI: a random key kept in .secret_key.
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in security.ENVIRONMENTS:
    raise ImproperlyConfigured(f"DJANGO_ENV must be one of {security.ENVIRONMENTS}.")
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env("DEBUG")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_ENV=production with DEBUG on: refusing to start.")
try:
    SECRET_KEY = (
        security.production_secret_key(env("SECRET_KEY"))
        if PRODUCTION
        else env("SECRET_KEY") or security.local_secret_key(BASE_DIR / ".secret_key")
    )
except security.SettingsError as error:
    raise ImproperlyConfigured(str(error)) from None
ALLOWED_HOSTS = env("ALLOWED_HOSTS")

# Every response (static files too, backend/asgi.py): nosniff, no framing, same-origin referrer.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    # TLS ends at the proxy in front; uvicorn sets the scheme from its X-Forwarded-Proto only
    # when the proxy's address is in FORWARDED_ALLOW_IPS, so SECURE_PROXY_SSL_HEADER stays unset
    # (it would believe the header from anyone).
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
else:
    SECURE_HSTS_SECONDS = 0
# --- end of production switch ------------------------------------------------------------------

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework_gis",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "channels",
    "leaflet",
    "backend.core.apps.AxesConfig",
    "simple_history",
    "csp",
    # The one job runner (backend/core/jobs.py); its migrations create the procrastinate_* tables.
    "backend.core.apps.JobsConfig",
    "backend.core",
    "backend.accounts",
    "backend.regions",
    "backend.grid",
    "backend.liaison",
    "backend.visits",
    "backend.opinions",
    "backend.coverage",
    "backend.intake",
    "backend.projects",
    "backend.performance",
    "backend.campaigns",
    "backend.stationlife",
    "backend.core.apps.CaptchaConfig",
    "backend.exports",
    "gis_data",
    "mobile_api",
    "map_ui",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that a lockout sees the final authentication result.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backend.urls"
ASGI_APPLICATION = "backend.asgi.application"
WSGI_APPLICATION = "backend.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
# ASGI workers: psycopg's pool instead of persistent connections, and health checks so that
# workers survive a database restart (see docs/decisions.md).
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
if env.bool("DB_POOL", default=True):
    DATABASES["default"]["OPTIONS"]["pool"] = {"min_size": 1, "max_size": 8, "timeout": 10}
# Parallel test runs on one machine each get their own test database.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default=None)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# Lock out by username + IP, never IP alone: mobile carriers put many deputies behind one IP.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# A try during the lockout does not restart the cool-off: the Retry-After a client is given holds
# (a phone retrying its login would otherwise stay locked for good).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# 429 + Retry-After (seconds until the cool-off ends); the session login's page in zh-hans/en.
AXES_LOCKOUT_CALLABLE = "backend.accounts.lockout.lockout_response"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "backend" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Names unchanged (no hash), plus a precompressed .br and .gz of every text file for
    # ServeStatic (backend/asgi.py) to serve by Accept-Encoding.
    "staticfiles": {"BACKEND": "backend.core.staticfiles.IncrementalCompressedStaticFilesStorage"},
}
# Responses that carry a phone token stay uncompressed (BREACH; docs/decisions.md
# "Compression"): regular expressions on the path, for brotli-asgi in backend/asgi.py.
COMPRESSION_EXCLUDED_PATHS = [r"^/api/mobile/v1/auth/"]

REDIS_URL = env("REDIS_URL")

# Export files (backend/exports): outside the static and media roots, served only by the map API
# after the access check.
EXPORTS_DIR = env("EXPORTS_DIR", default=str(BASE_DIR / "var" / "exports"))
# The CJK font of the PDF reports (a TrueType file or collection; default: fonts-wqy-microhei).
EXPORTS_PDF_FONT = env("EXPORTS_PDF_FONT", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Debian 12 ships GDAL 3.6; Django 5.2.19 warns (gis.W001) on GDAL < 3.9 because of raster
# parsing in lookups. We never pass user strings to GDAL/SpatialReference, reject GeoJSON `crs`
# members and build every lookup geometry ourselves (tests/mobile_api cover each rule), so
# exactly this one check is silenced.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Content-Security-Policy (django-csp), in every mode so that development runs under it too:
# the pages load nothing from outside (a configured basemap's tile host excepted); inline
# scripts and <style> elements need the request's nonce ({{ CSP_NONCE }}); style attributes
# stay allowed (Leaflet and the map code size markers and bars with them; they run no code).
# The base map: BASEMAP_URL (any XYZ tile service), else Tianditu (天地图) with TIANDITU_KEY: its
# vector map (vec_w) and, above the data, its annotation (cva_w); both Web Mercator in CGCS2000,
# which is WGS-84 at map scale (the data's datum: no offset). Neither: no base map, the pages draw
# the boundaries from the product's own data.
TIANDITU_KEY = env("TIANDITU_KEY")


def _tianditu(layer: str) -> str:
    return (
        f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        f"&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
        f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={TIANDITU_KEY}"
    )


_TIANDITU_OPTIONS = {"subdomains": "01234567", "attribution": "天地图 © 国家地理信息公共服务平台"}
if env("BASEMAP_URL"):
    BASEMAP_TILES = [("basemap", env("BASEMAP_URL"), {"attribution": env("BASEMAP_ATTRIBUTION")})]
    BASEMAP_LABELS = None
    _BASEMAP_ORIGIN = "{0.scheme}://{0.netloc}".format(
        urlsplit(env("BASEMAP_URL").replace("{s}", "a"))
    )
elif TIANDITU_KEY:
    BASEMAP_TILES = [("天地图", _tianditu("vec"), _TIANDITU_OPTIONS)]
    BASEMAP_LABELS = {"url": _tianditu("cva"), "options": _TIANDITU_OPTIONS}
    _BASEMAP_ORIGIN = "https://*.tianditu.gov.cn"
else:
    BASEMAP_TILES, BASEMAP_LABELS, _BASEMAP_ORIGIN = [], None, None
_CSP = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src-elem": [SELF, NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:", *([_BASEMAP_ORIGIN] if _BASEMAP_ORIGIN else [])],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# CSP_REPORT_ONLY=1 (never in production): the browser tests' server, where Playwright's own
# string evaluations would be blocked; tests/browser/test_csp.py asserts the pages report nothing.
if env.bool("CSP_REPORT_ONLY", default=False) and not PRODUCTION:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (28.25, 113.08),
    "DEFAULT_ZOOM": 9,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 18,
    "ATTRIBUTION_PREFIX": "人大代表进网格",
    "TILES": BASEMAP_TILES,
    "RESET_VIEW": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# --- Phone API (mobile_api; owned by the API helper) -------------------------------------------
# DRF, simplejwt, drf-spectacular and the per-user, per-endpoint throttles of /api/mobile/v1/.
import datetime as _dt  # noqa: E402

REST_FRAMEWORK = {
    # Global defaults stay session-friendly for the dashboards' DRF views; the phone API's views
    # set their own authentication (device-bound JWT), parser, renderer and throttles.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON {"code": "dotted.code", "message": ...} for every DRF error, whoever's view it is.
    "EXCEPTION_HANDLER": "mobile_api.errors.exception_handler",
    # Carriers put many phones behind one NAT: do not key anonymous clients by X-Forwarded-For
    # unless a proxy count is configured.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
# Requests per user (or per IP when anonymous) and per endpoint scope; the env overrides exist
# for the benchmark, tests override MOBILE_API_THROTTLE_RATES with the `settings` fixture.
MOBILE_API_THROTTLE_RATES = {
    "login": env("MOBILE_THROTTLE_LOGIN", default="20/min"),
    "refresh": env("MOBILE_THROTTLE_REFRESH", default="30/min"),
    "read": env("MOBILE_THROTTLE_READ", default="120/min"),
    "sync": env("MOBILE_THROTTLE_SYNC", default="60/min"),
    "write": env("MOBILE_THROTTLE_WRITE", default="60/min"),
}
MOBILE_API_MAX_BODY_BYTES = 2 * 1024 * 1024  # a 500-record batch is ~250 kB
MOBILE_API_MAX_BATCH = 500
MOBILE_API_MAX_PAGE_SIZE = 100
CACHES = globals().get("CACHES") or {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Throttle counters must be shared by all ASGI workers: Redis when available.
CACHES["mobile_api_throttle"] = (
    {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "throttle",
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": _dt.timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": _dt.timedelta(days=30),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    # Derived, 64 bytes: HS256 wants a key of at least 32 bytes whatever SECRET_KEY's length.
    "SIGNING_KEY": env("JWT_SIGNING_KEY", default=None)
    or __import__("hashlib").sha256(f"jwt-signing:{SECRET_KEY}".encode()).hexdigest(),
    "USER_ID_CLAIM": "user_id",
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "人大代表进网格 · field app API",
    "DESCRIPTION": (
        "Offline-first visits, station check-ins and citizens' opinions from deputies' phones. "
        "Coordinates are GeoJSON order [lon, lat]; declare `crs` (wgs84, gcj02, bd09) when the "
        "phone's map SDK reports GCJ-02 or BD-09. Errors are JSON {code, message, errors}."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/mobile/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "ENUM_NAME_OVERRIDES": {
        "DisputeStatusEnum": "backend.performance.models.DisputeStatus",
        "RecordItemEnum": "backend.performance.items.Item",
    },
}
# JSON (never HTML) errors for everything under /api/mobile/: unknown URLs, errors raised outside
# a view, django-axes lockout pages. Near the top so that it sees every inner response.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "mobile_api.middleware.ApiJsonErrorsMiddleware",
)
# The phone app's (/m/) build version, naming its service-worker cache; empty = a hash of the
# app's files computed at start-up (mobile_api.app.views.build_version).
MOBILE_APP_BUILD_VERSION = env.str("MOBILE_APP_BUILD_VERSION", default="")
# --- end of phone API block ---------------------------------------------------------------------

# --- job runner block (procrastinate; backend/core/jobs.py) ------------------------------------
# Web processes defer through Django's own connection (the psycopg pool above); the worker
# (`manage.py jobs_worker`) opens procrastinate's async psycopg pool with the same parameters.
# Successful jobs are deleted (periodic ones run every minute); failed ones stay for the admin.
PROCRASTINATE_WORKER_DEFAULTS = {"delete_jobs": "successful"}
# Task registration is logged at every start of every process: keep it out of the console.
LOGGING["loggers"].update(
    {
        "procrastinate.blueprints": {"level": "WARNING"},
        "procrastinate.periodic": {"level": "WARNING"},
    }
)
# --- end of job runner block --------------------------------------------------------------------

# --- map data block (ANALYTICS helper) ----------------------------------------------------------
# JSON (never HTML) errors under /api/map/ and /tiles/: unknown URLs, wrong methods, CSRF refusals.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "map_ui.data.http.MapJsonErrorsMiddleware",
)
CSRF_FAILURE_VIEW = "map_ui.data.http.csrf_failure"
# No JIT: PostgreSQL compiles any statement whose estimate exceeds jit_above_cost (tiles with
# PostGIS functions do), which adds 20-200 ms to requests that run in a few ms without it.
DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"
# Statements run through server-side-binding cursors (map tiles) get prepared on their pooled
# connection after 5 runs; Django's own client-side cursors never prepare, whatever this says.
DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
# --- end of map data block ----------------------------------------------------------------------

# --- live websocket block (PAGES helper) --------------------------------------------------------
# redis-py 8 reads with a 5 s socket timeout by default, and channels-redis blocks 5 s in BZPOPMIN
# waiting for a message: an idle socket then dies with "Timeout reading from ..." every few
# seconds. Reads get more time than the blocking pop (tests/map_ui/test_consumers.py idles past it).
CHANNEL_REDIS_SOCKET_TIMEOUT_S = 15
if REDIS_URL:
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [
        {"address": REDIS_URL, "socket_timeout": CHANNEL_REDIS_SOCKET_TIMEOUT_S}
    ]
# --- end of live websocket block ----------------------------------------------------------------

# --- citizens' intake block (上码说; backend/intake) ----------------------------------------
# JSON errors under /api/public/ (the public QR and tracking endpoints).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "backend.intake.views.IntakeJsonErrorsMiddleware",
)
# Notifications to citizens and handlers (backend/core/notify.py): a logging backend until an
# SMS gateway is contracted; tests use backend.core.notify.LocmemBackend.
NOTIFY_BACKEND = env.str("NOTIFY_BACKEND", default="backend.core.notify.LoggingBackend")
# Public intake limits: (requests, window in seconds) per IP address, per phone number, and
# tracking-page requests per IP address. Counted in Redis (the throttle cache).
INTAKE_RATE_LIMITS = {
    "ip": (env.int("INTAKE_LIMIT_PER_IP", default=10), 3600),
    "phone": (env.int("INTAKE_LIMIT_PER_PHONE", default=3), 86400),
    "track": (env.int("INTAKE_LIMIT_TRACK", default=120), 3600),
}
# django-simple-captcha: self-hosted picture challenge (Pillow, its bundled font); 5 letters.
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 10  # minutes
CAPTCHA_IMAGE_SIZE = (150, 50)
CAPTCHA_FONT_SIZE = 32
# --- end of citizens' intake block -------------------------------------------------------------
