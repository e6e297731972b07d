"""Error types raised by services and turned into 4xx responses at the edge.

Services never build HTTP responses; they raise one of these with a stable
machine-readable `code` and a message already in the user's language. The API
maps `status` onto the response and the web pages show `message`.
"""

from __future__ import annotations

from typing import Any


class ShaobaoError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class InvalidInput(ShaobaoError):
    status = 400
    code = "invalid_input"


class NotFound(ShaobaoError):
    status = 404
    code = "not_found"


class Forbidden(ShaobaoError):
    status = 403
    code = "forbidden"


class Conflict(ShaobaoError):
    """Someone changed the record since the caller read it (stale `version`)."""

    status = 409
    code = "conflict"


class NotAllowedInState(ShaobaoError):
    status = 422
    code = "not_allowed_in_state"


class ImportFailed(ShaobaoError):
    """A file could not be imported; `details` lists the offending rows."""

    status = 400
    code = "import_failed"

    def __str__(self) -> str:
        lines = [self.message]
        for problem in self.details or []:
            lines.append(f"  - {problem}")
        return "\n".join(lines)
