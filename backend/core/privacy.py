"""Residents' personal information (PIPL: minimum necessary, masked on read).

- `PRIVATE_FIELDS` are the columns that hold a resident's data: a citizen's phone number
  (`citizen_contact`) and the keyed hash of a household reference (`household_ref`). No query a
  user can shape may filter, search or order on them: a `startswith` filter on a masked number
  recovers it digit by digit. The admin refuses such lookups (`PrivateFieldsAdminMixin` in
  backend.core.admin); the APIs accept no filter on them.
- `mask_contact` is the one mask of a contact, used on every read path (phone API, map API,
  admin). It hides at least half of the characters of any contact, whatever its length or kind.
- `contact_purge` registers an app's purge of residents' numbers past their retention (the
  intake's opinions, the livelihood projects' proposals); `contacts_purge` runs them all: the
  one daily job `intake.purge_contacts` (backend/intake/tasks.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models.constants import LOOKUP_SEP

PRIVATE_FIELDS = frozenset({"citizen_contact", "household_ref"})


def touches_private_field(lookup: str) -> bool:
    """True if the ORM path `lookup` (`opinion__citizen_contact__startswith`, `-household_ref`)
    goes through a private field at any step."""
    return any(part in PRIVATE_FIELDS for part in lookup.lstrip("-").split(LOOKUP_SEP))


MASK_CHAR = "*"
MAX_VISIBLE = 4  # 尾号: the last four are what staff read back to a caller to confirm a number


def mask_contact(contact: str) -> str:
    """`*******1234`: only the last min(4, n // 2) letters or digits stay visible, n counting the
    letters and digits of the contact; everything else (separators included) becomes `*`.

    So at least half of any contact is hidden: a mobile number shows 4 of 11 digits, an 8-digit
    landline 4 of 8, a 5-digit service number 2, one character none; an e-mail or WeChat id is
    masked the same way. The length stays visible (phone numbers have standard lengths)."""
    if not contact:
        return ""
    significant = sum(1 for ch in contact if ch.isalnum())
    keep = min(MAX_VISIBLE, significant // 2)
    kept: list[str] = []
    for ch in reversed(contact):
        if keep == 0:
            kept.append(MASK_CHAR)
            continue
        kept.append(ch)
        keep -= ch.isalnum()
    return "".join(reversed(kept))


_PURGES: list[Callable[[], int]] = []


def contact_purge(purge: Callable[[], int]) -> Callable[[], int]:
    """Register `purge` (no arguments: it reads the clock; returns the records cleared)."""
    if purge not in _PURGES:
        _PURGES.append(purge)
    return purge


def contacts_purge() -> int:
    """Run every registered purge; the records cleared in all."""
    return sum(purge() for purge in _PURGES)
