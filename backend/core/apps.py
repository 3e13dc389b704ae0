from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from procrastinate.contrib.django.apps import ProcrastinateConfig


class CoreConfig(AppConfig):
    name = "backend.core"
    label = "core"


# Third-party apps as the admin shows them: their section names in the product's languages
# (their models' names are translated in backend/locale).
class AxesConfig(AxesAppConfig):
    verbose_name = _("Login lockout")


class JobsConfig(ProcrastinateConfig):
    verbose_name = _("Background jobs")


class CaptchaConfig(AppConfig):
    name = "captcha"
    verbose_name = _("Captcha")
