from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StationLifeConfig(AppConfig):
    name = "backend.stationlife"
    label = "stationlife"
    verbose_name = _("station life")
