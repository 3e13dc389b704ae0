"""URLconf for the OpenAPI schema: only the phone API's operations, with their full paths."""

from django.urls import include, path

urlpatterns = [path("api/mobile/v1/", include("mobile_api.urls"))]
