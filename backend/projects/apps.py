from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "backend.projects"
    label = "projects"
    verbose_name = _("livelihood projects")

    def ready(self) -> None:
        # Registers the purge of citizens' numbers on proposals (the daily intake.purge_contacts).
        from . import services  # noqa: F401
