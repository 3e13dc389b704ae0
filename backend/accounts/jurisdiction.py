"""The Jurisdiction value: who is asking, which adcode prefix they reach, what their role allows.

Every selector and service that reads or writes region-scoped rows takes a `Jurisdiction`
(never a bare adcode string or a user it checks itself). It is built once per request by
`backend.accounts.access.jurisdiction_of(user)`; a selector cannot be called unscoped by
accident because there is no default and no "everything" shortcut other than an admin's value.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """`prefix`: "" = everything (admins), an adcode = rows whose adcode starts with it,
    None = no region-wide reads (deputies, inactive or anonymous callers).
    `deputy_id`: the caller's own Deputy row when they are a deputy (their own records)."""

    user_id: int | None
    role: str
    prefix: str | None
    deputy_id: int | None = None
    can_act: bool = False  # writes over a region: staff and admins

    @property
    def reads_regions(self) -> bool:
        return self.prefix is not None

    def contains(self, adcode: str) -> bool:
        return self.prefix is not None and adcode.startswith(self.prefix)

    def may_act_in(self, adcode: str) -> bool:
        return self.can_act and self.contains(adcode)

    def q(self, field: str = "adcode") -> Q:
        """A Q object selecting rows inside the jurisdiction (matches nothing if none)."""
        if self.prefix is None:
            return Q(pk__in=[])
        if self.prefix == "":
            return Q()
        return Q(**{f"{field}__startswith": self.prefix})

    def filter(self, queryset: QuerySet, field: str = "adcode") -> QuerySet:
        if self.prefix is None:
            return queryset.none()
        return queryset if self.prefix == "" else queryset.filter(self.q(field))

    def sql_prefix(self) -> str:
        """The prefix for raw SQL (`adcode LIKE %s || '%%'`-style filters); refuses None."""
        if self.prefix is None:
            raise ValueError("a jurisdiction without region-wide reads has no SQL prefix")
        return self.prefix


NOBODY = Jurisdiction(user_id=None, role="", prefix=None)
