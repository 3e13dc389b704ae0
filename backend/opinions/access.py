"""Permission-checked fetches of an opinion: missing and forbidden give the same 404."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.accounts.access import can_act_on_regions, jurisdiction_prefix
from backend.accounts.models import Role, User
from backend.core.errors import NotFound
from backend.liaison.models import Deputy

from .models import Opinion


def _not_found() -> NotFound:
    return NotFound("opinion.not_found", _("No such opinion."))


def can_transition_opinions(user: User) -> bool:
    """Whether the user may act on any opinion at all: staff and admins (in their jurisdiction),
    deputies (answering their own). Leaders only read. The role alone decides, so the map API
    refuses a leader before reading the request body."""
    return can_act_on_regions(user) or (user.is_authenticated and user.role == Role.DEPUTY)


def access_opinion_by_id(*, deputy: Deputy, opinion_id: int) -> Opinion:
    opinion = Opinion.objects.select_related("cell").filter(id=opinion_id, deputy=deputy).first()
    if opinion is None:
        raise _not_found()
    return opinion


def access_opinion_for_user(*, user: User, opinion_id: int, for_update: bool = False) -> Opinion:
    """The opinion if it lies inside the user's jurisdiction (adcode prefix) or was taken down by
    the user as a deputy; NotFound otherwise. `for_update` locks the opinion's row (only it) for
    the caller's transaction."""
    if not user.is_authenticated or not user.is_active:
        raise _not_found()
    visible = Q(deputy__user=user)
    prefix = jurisdiction_prefix(user)
    if prefix is not None:
        visible |= Q(adcode__startswith=prefix)
    queryset = Opinion.objects.filter(visible, id=opinion_id)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    opinion = (
        queryset.select_related("deputy", "cell")
        .defer("cell__boundary", "cell__display_boundary")
        .first()
    )
    if opinion is None:
        raise _not_found()
    return opinion
