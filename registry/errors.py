"""Domain errors. Each carries the public error code the API reports in `extensions.code`."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """An error whose message is safe to show to the caller and tells them what to fix."""

    code: ClassVar[str] = "BAD_USER_INPUT"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}


class InvalidInput(DomainError):
    code = "BAD_USER_INPUT"


class InvalidIdentifier(InvalidInput):
    """An ISWC, ISRC, IPI or ISNI that fails its format or check digit."""


class NotFound(DomainError):
    code = "NOT_FOUND"


class Conflict(DomainError):
    code = "CONFLICT"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class Unavailable(DomainError):
    code = "UNAVAILABLE"
