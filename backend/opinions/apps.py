from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionsConfig(AppConfig):
    name = "backend.opinions"
    label = "opinions"
    verbose_name = _("opinions")

    def ready(self) -> None:
        # Duty rhythms (backend.liaison) read holidays from the official calendar kept here.
        from backend.liaison.rhythm import register_calendar

        from .deadlines import duty_calendar

        register_calendar(duty_calendar)
