from django.apps import AppConfig


class MobileApiConfig(AppConfig):
    name = "mobile_api"
    default_auto_field = "django.db.models.BigAutoField"
