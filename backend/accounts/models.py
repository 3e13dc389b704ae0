"""Accounts: who may see and do what.

Roles: a deputy sees and writes only their own records; station staff act inside their
jurisdiction; a leader reads inside theirs; an admin sees everything. Staff and leaders must
have a jurisdiction (a Region), a deputy must have none (database constraints; `clean` says so
in the admin's words); "inside" is an adcode-prefix match. What each role may see and do is
decided in backend.accounts.access (role first: a jurisdiction on the wrong role grants nothing).
"""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DEPUTY = "deputy", _("deputy")
    STAFF = "staff", _("station staff")
    LEADER = "leader", _("leader")
    ADMIN = "admin", _("administrator")
    DEPARTMENT = "department", _("department (handling unit)")


DEPUTY_HAS_NO_JURISDICTION = _(
    "A deputy account has no jurisdiction: deputies see only their own records."
)
JURISDICTION_REQUIRED = _("Station staff and leader accounts need a jurisdiction.")
ROLES_WITH_JURISDICTION = (Role.STAFF, Role.LEADER)
DEPARTMENT_REQUIRED = _(
    "A department account needs its department and no jurisdiction; other roles no department."
)


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
    # Bumped by backend.accounts.services.user_deactivate; the phone's tokens carry the value
    # they were issued under, so tokens from before a deactivation stay dead after reactivation.
    token_generation = models.PositiveIntegerField(_("token generation"), default=0, editable=False)
    # Only for role department: the handling unit whose referred opinions the account answers.
    department = models.ForeignKey(
        "opinions.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=ROLES_WITH_JURISDICTION) | Q(jurisdiction__isnull=False),
                name="user_staff_leader_have_jurisdiction",
                violation_error_message=JURISDICTION_REQUIRED,
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.DEPUTY) | Q(jurisdiction__isnull=True),
                name="user_deputy_has_no_jurisdiction",
                violation_error_message=DEPUTY_HAS_NO_JURISDICTION,
            ),
            models.CheckConstraint(
                condition=(
                    Q(role=Role.DEPARTMENT, department__isnull=False, jurisdiction__isnull=True)
                    | (~Q(role=Role.DEPARTMENT) & Q(department__isnull=True))
                ),
                name="user_department_role_has_department",
                violation_error_message=DEPARTMENT_REQUIRED,
            ),
        ]

    def clean(self) -> None:
        """The constraints above, reported on the jurisdiction field (admin forms)."""
        super().clean()
        if self.role == Role.DEPUTY and self.jurisdiction_id is not None:
            raise ValidationError({"jurisdiction": DEPUTY_HAS_NO_JURISDICTION})
        if self.role in ROLES_WITH_JURISDICTION and self.jurisdiction_id is None:
            raise ValidationError({"jurisdiction": JURISDICTION_REQUIRED})
        if (self.role == Role.DEPARTMENT) != (self.department_id is not None) or (
            self.role == Role.DEPARTMENT and self.jurisdiction_id is not None
        ):
            raise ValidationError({"department": DEPARTMENT_REQUIRED})
