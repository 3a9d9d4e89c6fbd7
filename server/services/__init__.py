"""What people, the demo loader and the API do to the node's content, in one place.

Forms, `commons seed-demo` and the write API all call these functions, so the demo is
exactly what an editor could have typed.
"""

from __future__ import annotations


class ServiceError(ValueError):
    """Input the node refuses; `errors` maps field names to readable messages."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class NotAllowed(PermissionError):
    """The member's role does not allow this action."""
