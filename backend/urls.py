from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

# The admin a government officer uses is titled as the product, not "Django 管理".
admin.site.site_header = _("Deputies into the grid: administration")
admin.site.site_title = _("Deputies into the grid")
admin.site.index_title = _("Records and settings")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/mobile/v1/", include("mobile_api.urls")),
    path("m/", include("mobile_api.app.urls")),
    path("captcha/", include("captcha.urls")),
    path("", include("backend.intake.urls")),
    path("", include("backend.projects.urls")),
    path("", include("map_ui.data_urls")),
    path("", include("map_ui.ogc_urls")),
    path("", include("map_ui.urls")),
]
