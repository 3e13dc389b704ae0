"""Permission-checked fetch of an opinion: missing and forbidden give the same 404."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from backend.core.errors import NotFound
from backend.liaison.models import Deputy

from .models import Opinion


def access_opinion_by_id(*, deputy: Deputy, opinion_id: int) -> Opinion:
    opinion = Opinion.objects.select_related("cell").filter(id=opinion_id, deputy=deputy).first()
    if opinion is None:
        raise NotFound("opinion.not_found", _("No such opinion."))
    return opinion
