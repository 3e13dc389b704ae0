from django.apps import AppConfig


class GisDataConfig(AppConfig):
    name = "gis_data"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext

        from gis_data import i18n

        # The pure modules' messages (gis_data.i18n) read in the active language from now on.
        i18n.install_translator(gettext)
