"""API keys for programs, managed by admins (the API, the pages and the command line alike): create one (its
secret is shown once and stored hashed), list them with their last use, revoke one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.access import Viewer
from graph_schema import keys as repo
from graph_schema.driver import Graph
from matching.errors import FieldError, Forbidden, InvalidInput
from matching.rut import InvalidRut, canonical_rut

MAX_EXPIRY_DAYS = 3650


def _admin(viewer: Viewer) -> None:
    if viewer.role != "admin":
        raise Forbidden("Las llaves de API las administra un administrador.")


def create_key(graph: Graph, viewer: Viewer, *, role: str, buyer_rut: str | None = None,
               advisor_id: str | None = None, label: str | None = None, expires_at: datetime | None = None,
               expires_in_days: int | None = None) -> tuple[str, str]:
    """A new key; ``(key_id, secret)`` (the secret exists only in this answer). ``InvalidInput`` names
    each bad field."""
    _admin(viewer)
    if buyer_rut:
        try:
            buyer_rut = canonical_rut(buyer_rut)
        except InvalidRut as exc:
            raise InvalidInput(FieldError("buyer", str(exc))) from exc
    if expires_in_days is not None:
        if not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
            raise InvalidInput(FieldError("expires_in_days", f"Indique entre 1 y {MAX_EXPIRY_DAYS} días, o déjelo "
                                                             "vacío para que no venza."))
        expires_at = datetime.now(UTC) + timedelta(days=expires_in_days)
    return repo.create_key(graph, role, buyer_rut, advisor_id or None, label or None, expires_at=expires_at,
                           created_by=viewer.actor)


def list_keys(graph: Graph, viewer: Viewer) -> list[dict]:
    """Every key, newest first, with its state and last use (never the secrets)."""
    _admin(viewer)
    now = datetime.now(UTC).isoformat()
    keys = repo.list_keys(graph)
    for key in keys:
        expired = bool(key.get("expires_at")) and key["expires_at"] <= now
        key["state"] = "revoked" if key["revoked"] else "expired" if expired else "active"
    return keys


def revoke_key(graph: Graph, viewer: Viewer, key_id: str) -> dict:
    """Revoke a key: every worker refuses it within ``API_KEY_CACHE_SECONDS``."""
    _admin(viewer)
    return repo.revoke_key(graph, key_id)
