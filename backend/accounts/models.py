"""Accounts: who may see and do what.

Roles: a deputy sees and writes only their own records; station staff act inside their
jurisdiction; a leader reads inside theirs; an admin sees everything. Staff and leaders must
have a jurisdiction (a Region); "inside" is an adcode-prefix match.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DEPUTY = "deputy", _("deputy")
    STAFF = "staff", _("station staff")
    LEADER = "leader", _("leader")
    ADMIN = "admin", _("administrator")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.DEPUTY)
    jurisdiction = models.ForeignKey(
        "regions.Region",
        verbose_name=_("jurisdiction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=["staff", "leader"]) | Q(jurisdiction__isnull=False),
                name="user_staff_leader_have_jurisdiction",
            ),
        ]

    @property
    def jurisdiction_adcode(self) -> str | None:
        """Adcode prefix of what this user may see; "" means everything (admins)."""
        if self.role == Role.ADMIN or self.is_superuser:
            return ""
        if self.jurisdiction_id is None:
            return None
        return self.jurisdiction.adcode
