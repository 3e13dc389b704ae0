"""/api/mobile/v1/: the field app's API, its OpenAPI schema and docs (local static files)."""

from django.urls import path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from . import apis
from .views import api_not_found

app_name = "mobile_api"

urlpatterns = [
    path("auth/login", apis.LoginApi.as_view(), name="login"),
    path("auth/refresh", apis.RefreshApi.as_view(), name="refresh"),
    path("auth/logout", apis.LogoutApi.as_view(), name="logout"),
    path("devices", apis.DeviceListApi.as_view(), name="devices"),
    path("devices/<int:device_id>/revoke", apis.DeviceRevokeApi.as_view(), name="device-revoke"),
    path("me", apis.MeApi.as_view(), name="me"),
    path("me/cells", apis.MyCellsApi.as_view(), name="my-cells"),
    path("stations/nearby", apis.NearbyStationsApi.as_view(), name="stations-nearby"),
    path("checkins", apis.CheckInsApi.as_view(), name="checkins"),
    path("checkins/<int:checkin_id>", apis.CheckInDetailApi.as_view(), name="checkin-detail"),
    path("visits", apis.VisitsApi.as_view(), name="visits"),
    path("visits/sync", apis.VisitsSyncApi.as_view(), name="visits-sync"),
    path("visits/<int:visit_id>", apis.VisitDetailApi.as_view(), name="visit-detail"),
    path("opinions", apis.OpinionsApi.as_view(), name="opinions"),
    path("opinions/<int:opinion_id>", apis.OpinionDetailApi.as_view(), name="opinion-detail"),
    path(
        "opinions/<int:opinion_id>/answer", apis.OpinionAnswerApi.as_view(), name="opinion-answer"
    ),
    path("schema/", SpectacularAPIView.as_view(urlconf="mobile_api.schema_urls"), name="schema"),
    # The split view serves its page script from its own URL: no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="mobile_api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="mobile_api:schema"), name="redoc"),
    re_path(r"^.*$", api_not_found),
]
