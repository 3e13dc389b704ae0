"""Residents' personal information (PIPL: minimum necessary, masked on read).

- `PRIVATE_FIELDS` are the columns that hold a resident's data: a citizen's phone number
  (`citizen_contact`) and the keyed hash of a household reference (`household_ref`). No query a
  user can shape may filter, search or order on them: a `startswith` filter on a masked number
  recovers it digit by digit. The admin refuses such lookups (`PrivateFieldsAdminMixin` in
  backend.regions.admin); the APIs accept no filter on them.
"""

from __future__ import annotations

from django.db.models.constants import LOOKUP_SEP

PRIVATE_FIELDS = frozenset({"citizen_contact", "household_ref"})


def touches_private_field(lookup: str) -> bool:
    """True if the ORM path `lookup` (`opinion__citizen_contact__startswith`, `-household_ref`)
    goes through a private field at any step."""
    return any(part in PRIVATE_FIELDS for part in lookup.lstrip("-").split(LOOKUP_SEP))
