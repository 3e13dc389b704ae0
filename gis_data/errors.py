"""The one exception the gis_data library raises for bad input files or arguments."""

from __future__ import annotations


class GisDataError(Exception):
    """A refusal naming the file, the feature (when there is one) and the reason."""

    def __init__(self, reason: str, *, file: str | None = None, feature: str | None = None):
        self.reason = reason
        self.file = file
        self.feature = feature
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = [
            part
            for part in (self.file, f"feature {self.feature}" if self.feature else None)
            if part
        ]
        return f"{': '.join(where)}: {self.reason}" if where else self.reason
