"""/m/: the deputies' phone app (shell page, manifest, service worker)."""

from django.urls import path

from . import views

app_name = "mobile_app"

urlpatterns = [
    path("", views.shell, name="shell"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
]
