"""The one domain error type. Services raise it; the API turns it into a 400 naming the field."""

from __future__ import annotations


class ApplicationError(Exception):
    """A request the domain refuses: bad input, a broken rule, a forbidden state change.

    ``field`` names the input at fault (``"deadline_at"``, ``"rows[3].it_capacity_mw"``) so the
    caller can show the message next to it; ``code`` is a stable machine-readable reason.
    """

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field or "detail": [self.message]}
