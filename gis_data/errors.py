"""The one exception the gis_data library raises for bad input files or arguments."""

from __future__ import annotations

from gis_data.i18n import Message
from gis_data.i18n import lazy_message as _


class GisDataError(Exception):
    """A refusal naming the file, the feature (when there is one) and the reason.

    `reason` is a gis_data.i18n Message (or plain text, e.g. a library's own error): the
    message is put into words when shown, in the language active then.
    """

    def __init__(
        self, reason: Message | str, *, file: str | None = None, feature: str | None = None
    ):
        self._reason = reason
        self.file = file
        self.feature = feature
        super().__init__(reason)

    @property
    def reason(self) -> str:
        return str(self._reason)

    @property
    def message(self) -> str:
        reason = self._reason
        if self.file and self.feature:
            located = _(
                "%(file)s: feature %(feature)s: %(reason)s",
                file=self.file,
                feature=self.feature,
                reason=reason,
            )
        elif self.file:
            located = _("%(file)s: %(reason)s", file=self.file, reason=reason)
        elif self.feature:
            located = _("feature %(feature)s: %(reason)s", feature=self.feature, reason=reason)
        else:
            return str(reason)
        return str(located)

    def __str__(self) -> str:
        return self.message
