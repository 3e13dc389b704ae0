"""Jurisdiction scoping: every read and write goes through these.

A staff or leader account sees what lies inside its jurisdiction: rows whose `adcode` starts
with the jurisdiction's adcode. Admins see everything. Deputies see only their own records
(enforced by each selector with `deputy=`); for region-scoped reads they have no jurisdiction.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from backend.core.errors import NotFound

from .jurisdiction import NOBODY, Jurisdiction
from .models import Role, User


def jurisdiction_prefix(user: User) -> str | None:
    """The adcode prefix the user may read; "" = everything; None = no region-wide access."""
    if not user.is_authenticated or not user.is_active:
        return None
    return user.jurisdiction_adcode


def jurisdiction_of(user) -> Jurisdiction:
    """The caller's Jurisdiction value, decided here once: selectors require it."""
    if not user.is_authenticated or not user.is_active:
        return NOBODY
    deputy = getattr(user, "deputy", None) if user.role == Role.DEPUTY else None
    return Jurisdiction(
        user_id=user.pk,
        role=Role.ADMIN if user.is_superuser else user.role,
        prefix=jurisdiction_prefix(user),
        deputy_id=deputy.pk if deputy is not None else None,
        can_act=can_act_on_regions(user),
    )


def can_read_adcode(user: User, adcode: str) -> bool:
    prefix = jurisdiction_prefix(user)
    return prefix is not None and adcode.startswith(prefix)


def can_act_on_regions(user: User) -> bool:
    """Writes over a region (assigning cells, forwarding opinions): staff and admins only. The
    role alone decides, so a caller can be refused before their request body is even read."""
    return user.is_authenticated and (user.role in (Role.STAFF, Role.ADMIN) or user.is_superuser)


def can_act_in_adcode(user: User, adcode: str) -> bool:
    """Writes over a region, inside the user's jurisdiction."""
    return can_act_on_regions(user) and can_read_adcode(user, adcode)


def scope_to_jurisdiction(queryset: QuerySet, user: User, field: str = "adcode") -> QuerySet:
    """Filter `queryset` to rows whose `field` lies inside the user's jurisdiction."""
    prefix = jurisdiction_prefix(user)
    if prefix is None:
        return queryset.none()
    if prefix == "":
        return queryset
    return queryset.filter(**{f"{field}__startswith": prefix})


def require_readable_adcode(user: User, adcode: str) -> str:
    """Return `adcode` if the user may read it; NotFound otherwise (missing == forbidden)."""
    if not can_read_adcode(user, adcode):
        raise NotFound("region.not_found", _("No such region in your jurisdiction."))
    return adcode
