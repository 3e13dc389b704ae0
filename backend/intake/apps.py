from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "backend.intake"
    label = "intake"
    verbose_name = _("citizens' intake (上码说)")

    def ready(self) -> None:
        # Registers the purge of citizens' numbers on opinions (the daily intake.purge_contacts).
        from . import services  # noqa: F401
