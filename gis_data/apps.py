from django.apps import AppConfig


class GisDataConfig(AppConfig):
    name = "gis_data"
    default_auto_field = "django.db.models.BigAutoField"
