"""Domain errors with stable dotted codes (`visit.outside_assigned_cell`).

Services raise DomainError with a code from the registry (`backend.core.error_codes`); the API
layers turn it into JSON `{"code", "message", ...}`. The registry entry gives the status and
the default message; a message passed here overrides the default for this occurrence.
"""

from django.utils.functional import Promise

from .error_codes import REGISTRY, ErrorCode


class DomainError(Exception):
    """A rule of the domain refused the operation. `code` is stable; `message` is for people."""

    status = 400

    def __init__(
        self,
        code: str | ErrorCode,
        message: str | Promise | None = None,
        *,
        status: int | None = None,
        **details,
    ):
        entry = code if isinstance(code, ErrorCode) else REGISTRY.get(code)
        if message is None:
            if entry is None:
                raise TypeError(f"unregistered error code {code!r} needs a message")
            message = entry.message
        super().__init__(message)
        self.code = str(code)
        self.message = str(message)
        if status is not None:
            self.status = status
        elif entry is not None and isinstance(code, ErrorCode):
            self.status = entry.status
        self.details = details


class NotFound(DomainError):
    """Missing or outside the caller's reach: the same error for both (no existence leak)."""

    status = 404
