"""Domain errors with stable dotted codes (`visit.outside_assigned_cell`).

Services raise DomainError; the API layers turn it into JSON `{"code", "message", ...}`.
"""

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule of the domain refused the operation. `code` is stable; `message` is for people."""

    status = 400

    def __init__(self, code: str, message: str | Promise, *, status: int | None = None, **details):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        if status is not None:
            self.status = status
        self.details = details


class NotFound(DomainError):
    """Missing or outside the caller's reach: the same error for both (no existence leak)."""

    status = 404
