"""The Jurisdiction value: who is asking, which adcode prefix they reach, what their role allows.

Every selector and service that reads or writes region-scoped rows takes a `Jurisdiction`
(never a bare adcode string or a user it checks itself). It is built once per request by
`backend.accounts.access.jurisdiction_of(user)`; a selector cannot be called unscoped by
accident because there is no default and no "everything" shortcut other than an admin's value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from backend.core import error_codes as codes
from backend.core.errors import NotFound

M = TypeVar("M", bound=Model)


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """`prefix`: "" = everything (admins), an adcode = rows whose adcode starts with it,
    None = no region-wide reads (deputies, inactive or anonymous callers).
    `deputy_id`: the caller's own Deputy row when they are a deputy (their own records).
    `department_id`: the caller's handling unit when they are a department account (only the
    opinions referred to it; no region-wide reads, no writes over a region)."""

    user_id: int | None
    role: str
    prefix: str | None
    deputy_id: int | None = None
    department_id: int | None = None
    can_act: bool = False  # writes over a region: staff and admins

    @property
    def reads_regions(self) -> bool:
        return self.prefix is not None

    def contains(self, adcode: str) -> bool:
        return self.prefix is not None and adcode.startswith(self.prefix)

    def may_act_in(self, adcode: str) -> bool:
        return self.can_act and self.contains(adcode)

    def q(self, field: str = "adcode") -> Q:
        """A Q object selecting rows inside the jurisdiction (matches nothing if none). Never
        the empty Q(), even for everything: `Q(a) | Q()` is Q(a) in Django, not "all rows"."""
        if self.prefix is None:
            return Q(pk__in=[])
        return Q(**{f"{field}__startswith": self.prefix})

    def filter(self, queryset: QuerySet[M], field: str = "adcode") -> QuerySet[M]:
        if self.prefix is None:
            return queryset.none()
        return queryset if self.prefix == "" else queryset.filter(self.q(field))

    def require_region_reads(self) -> Jurisdiction:
        """This value if it reads regions; NotFound (region.not_found) otherwise, the answer
        of the map API to a caller without region-wide reads (a deputy)."""
        if self.prefix is None:
            raise NotFound(codes.REGION_NOT_FOUND)
        return self

    def sql_prefix(self) -> str:
        """The prefix for raw SQL (`adcode LIKE %(prefix)s || '%%'`-style filters); NotFound
        without region-wide reads (`require_region_reads`)."""
        return self.require_region_reads().prefix or ""

    def sql_like(self) -> str:
        """`sql_prefix()` + "%": the parameter of an `adcode LIKE %(scope)s` filter."""
        return self.sql_prefix() + "%"

    def own_records(self) -> Jurisdiction:
        """The same caller reaching only their own records (the deputies' phone app): no
        region-wide reads, no writes over a region."""
        return replace(self, prefix=None, can_act=False)

    def within(self, adcode: str) -> Jurisdiction:
        """The same caller narrowed to the region `adcode` (a dashboard showing one township):
        never wider than the jurisdiction; NotFound (region.not_found) outside it."""
        if not adcode.isdigit() or not self.contains(adcode):
            raise NotFound(codes.REGION_NOT_FOUND)
        return replace(self, prefix=adcode)


NOBODY = Jurisdiction(user_id=None, role="", prefix=None)
