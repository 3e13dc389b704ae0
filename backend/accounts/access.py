"""Who may see and do what: every role and jurisdiction decision of the product, in one module.

A request's caller becomes a `Jurisdiction` value here (`jurisdiction_of`), once; selectors and
services take that value and never look at a user's role themselves. The rules:

- an anonymous or inactive caller reaches nothing (`NOBODY`);
- an admin (role admin, or a superuser whatever their role) reaches everything (prefix "");
- station staff and leaders reach the rows whose adcode starts with their jurisdiction's adcode;
  a jurisdiction on any other role grants nothing (the role decides first);
- a deputy has no region-wide reads (prefix None): only their own records (`deputy_id`);
- a department account (承办单位) has no region-wide reads either: only the opinions referred
  to its department (`department_id`), which it starts and answers;
- writes over a region (assigning cells, handling opinions) are for staff and admins
  (`can_act`), inside their jurisdiction (`Jurisdiction.may_act_in`); leaders only read.

Each entity's permission-checked fetch (`access_<entity>_by_id`) lives in its app's `access.py`
and builds on the value; missing and forbidden give the same NotFound.
"""

from __future__ import annotations

from typing import Any

from .jurisdiction import NOBODY, Jurisdiction
from .models import ROLES_WITH_JURISDICTION, Role

# The map data API remembers the caller's prefix in the session with the jurisdiction's id, so
# that a tile costs no query for it (the session and the user are loaded anyway).
PREFIX_SESSION_KEY = "map_data_scope"


def _is_admin(user: Any) -> bool:
    return user.role == Role.ADMIN or user.is_superuser


def _reaches_regions(user: Any) -> bool:
    """Whether the user's role reads a jurisdiction (staff and leaders with one)."""
    return user.role in ROLES_WITH_JURISDICTION and user.jurisdiction_id is not None


def jurisdiction_prefix(user: Any) -> str | None:
    """The adcode prefix the user may read; "" = everything; None = no region-wide access."""
    if not user.is_authenticated or not user.is_active:
        return None
    if _is_admin(user):
        return ""
    if not _reaches_regions(user):
        return None
    return user.jurisdiction.adcode


def _value(user: Any, prefix: str | None) -> Jurisdiction:
    deputy = getattr(user, "deputy", None) if user.role == Role.DEPUTY else None
    return Jurisdiction(
        user_id=user.pk,
        role=Role.ADMIN if user.is_superuser else user.role,
        prefix=prefix,
        deputy_id=deputy.pk if deputy is not None else None,
        department_id=user.department_id if user.role == Role.DEPARTMENT else None,
        can_act=user.role in (Role.STAFF, Role.ADMIN) or user.is_superuser,
    )


def jurisdiction_of(user: Any) -> Jurisdiction:
    """The caller's Jurisdiction value, decided here once: selectors require it."""
    if not user.is_authenticated or not user.is_active:
        return NOBODY
    return _value(user, jurisdiction_prefix(user))


def jurisdiction_of_session(request: Any) -> Jurisdiction:
    """`jurisdiction_of(request.user)`, the prefix remembered in the session with the
    jurisdiction's id (the tile path then costs no query for it)."""
    user = request.user
    if not user.is_authenticated or not user.is_active:
        return NOBODY
    if _is_admin(user) or not _reaches_regions(user):  # role first
        return _value(user, jurisdiction_prefix(user))
    cached = request.session.get(PREFIX_SESSION_KEY)
    if isinstance(cached, list) and len(cached) == 2 and cached[0] == user.jurisdiction_id:
        return _value(user, cached[1])
    prefix = jurisdiction_prefix(user)
    request.session[PREFIX_SESSION_KEY] = [user.jurisdiction_id, prefix]
    return _value(user, prefix)


# --- decisions by role (the value carries the role; nothing else compares roles) ----------


def is_admin(jurisdiction: Jurisdiction) -> bool:
    return jurisdiction.role == Role.ADMIN


def reads_region_pages(jurisdiction: Jurisdiction) -> bool:
    """The map pages (dashboard, stations, opinions): everyone signed in but deputies."""
    return jurisdiction.user_id is not None and jurisdiction.role != Role.DEPUTY


def may_transition_opinions(jurisdiction: Jurisdiction) -> bool:
    """Whether the caller may act on any opinion at all: staff and admins (in their
    jurisdiction), deputies (answering their own). Leaders only read. The role alone decides,
    so the map API refuses a leader before reading the request body."""
    return (
        jurisdiction.can_act
        or jurisdiction.role == Role.DEPUTY
        or jurisdiction.department_id is not None
    )


def start_page(jurisdiction: Jurisdiction) -> str:
    """The URL name of the caller's start page: leaders and admins → dashboard, staff →
    assignment, deputies → the phone app, anyone else → the page that explains it."""
    if is_admin(jurisdiction) or jurisdiction.role == Role.LEADER:
        return "map_ui:dashboard"
    if jurisdiction.role == Role.STAFF:
        return "map_ui:assign"
    if jurisdiction.department_id is not None:
        return "map_ui:opinions"
    if jurisdiction.role == Role.DEPUTY:
        return "mobile_app:shell"
    return "map_ui:deputy"
