"""A citizen's submission through a QR code (上码说): the opinion it became and its tracking code.

Nothing else about the citizen is kept here: no IP address, no device, no name. The phone
number, when the citizen gave it with consent, is on the opinion (masked on every read) and is
cleared 180 days after the opinion is closed (backend.intake.tasks.purge_contacts).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CitizenSubmission(models.Model):
    opinion = models.OneToOneField(
        "opinions.Opinion",
        verbose_name=_("opinion"),
        on_delete=models.CASCADE,
        related_name="citizen_submission",
    )
    # 12 characters of a 31-letter alphabet (~59 bits): not guessable, easy to read out.
    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("citizen submission")
        verbose_name_plural = _("citizen submissions")

    def __str__(self) -> str:
        return self.tracking_code
