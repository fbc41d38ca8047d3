"""Domain exceptions shared by every layer (``matching`` is the innermost package).

Repositories and domain code raise these; the service maps them to problem+json in one place.
Messages are Spanish because people read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field


class EncadenaError(Exception):
    """Root of every error Encadena raises on purpose."""


@dataclass
class FieldError:
    """One invalid field: where it is, why it is wrong, and what would be right."""

    field: str
    message: str
    suggestions: list[str] = dataclass_field(default_factory=list)

    def as_dict(self) -> dict:
        out: dict = {"field": self.field, "message": self.message}
        if self.suggestions:
            out["suggestions"] = self.suggestions
        return out


class InvalidInput(EncadenaError):
    """Input that parsed but does not make sense (unknown comuna, sector, certification...)."""

    def __init__(self, errors: list[FieldError] | FieldError, detail: str | None = None):
        self.errors = errors if isinstance(errors, list) else [errors]
        self.detail = detail or "; ".join(f"{e.field}: {e.message}" for e in self.errors)
        super().__init__(self.detail)


class NotFound(EncadenaError):
    """The thing asked for does not exist (or the caller may not know it exists)."""


class Conflict(EncadenaError):
    """The request clashes with the current state (duplicate key, decided proposal...)."""


class Forbidden(EncadenaError):
    """The caller's role or binding does not allow this."""
