"""Who is asking, and what they may see: the same rules for the API, the pages, the CLI and jobs.

A ``Viewer`` is a role (``admin``, ``advisor``, ``buyer``) with its bindings: a buyer is bound to
one buyer RUT and reaches only that buyer's needs, proposals, alliances and jobs; an advisor may be
bound to an Advisor node. Personal fields of firms (``matching.records.PERSONAL_FIELDS``: owner
gender and contact details) reach advisors and admins only, by every path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from matching.records import PERSONAL_FIELDS

Role = Literal["admin", "advisor", "buyer"]
ROLES: tuple[Role, ...] = ("admin", "advisor", "buyer")
ROLE_ES: dict[str, str] = {"admin": "administrador", "advisor": "asesor", "buyer": "comprador"}


@dataclass(frozen=True)
class Viewer:
    """The caller of a task: an API key, a signed-in person, or the command line."""

    role: Role
    buyer_rut: str | None = None
    advisor_id: str | None = None
    id: str | None = None  # the key or user id, recorded as "who" on what they change
    name: str | None = None

    @property
    def is_buyer(self) -> bool:
        return self.role == "buyer"

    @property
    def sees_personal_data(self) -> bool:
        """Owner gender and contact details are for advisors and admins only."""
        return self.role in ("admin", "advisor")

    @property
    def buyer_scope(self) -> str | None:
        """The buyer RUT a buyer is bound to; None for advisors and admins (they see every buyer)."""
        return self.buyer_rut if self.is_buyer else None

    def may_see_buyer(self, buyer_rut: str | None) -> bool:
        """Whether this viewer may see what belongs to ``buyer_rut`` (its needs, proposals, jobs)."""
        return not self.is_buyer or (buyer_rut is not None and buyer_rut == self.buyer_rut)

    @property
    def actor(self) -> str:
        """What is recorded as who did something: the advisor, else the key or user id."""
        return self.advisor_id or self.id or self.role


# The command line acts with full rights, as whoever runs it on the server.
COMMAND_LINE = Viewer("admin", id="cli", name="línea de comandos")


def for_viewer(data: Any, viewer: Viewer) -> Any:
    """``data`` without personal fields at any depth, unless the viewer may see them."""
    if viewer.sees_personal_data:
        return data
    return without_personal_fields(data)


def without_personal_fields(data: Any) -> Any:
    """``data`` (dicts and lists, nested) with every ``PERSONAL_FIELDS`` key removed."""
    if isinstance(data, dict):
        return {k: without_personal_fields(v) for k, v in data.items() if k not in PERSONAL_FIELDS}
    if isinstance(data, list):
        return [without_personal_fields(v) for v in data]
    return data
