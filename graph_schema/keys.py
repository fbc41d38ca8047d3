"""API keys: stored as SHA-256 hashes (keys are long random tokens, so a fast hash is enough)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

from neo4j import RoutingControl

from graph_schema.driver import Graph
from matching.errors import FieldError, InvalidInput

ROLES = ("admin", "advisor", "buyer")
KEY_PREFIX = "enc_"

CREATE_KEY = """
CREATE (k:ApiKey {id: $id, hash: $hash, role: $role, buyer_rut: $buyer_rut, advisor_id: $advisor_id,
                  label: $label, created_at: datetime($created_at), revoked: false})
"""

BUYER_EXISTS = "MATCH (b:Buyer {rut: $rut}) RETURN b.rut AS rut"
ADVISOR_EXISTS = "MATCH (a:Advisor {id: $id}) RETURN a.id AS id"

FIND_KEY = """
MATCH (k:ApiKey {hash: $hash}) WHERE NOT k.revoked
RETURN k {.id, .role, .buyer_rut, .advisor_id} AS key
"""

LIST_KEYS = """
MATCH (k:ApiKey)
RETURN k {.id, .role, .buyer_rut, .advisor_id, .label, .revoked, created_at: toString(k.created_at)} AS key
ORDER BY k.created_at
"""

REVOKE_KEY = "MATCH (k:ApiKey {id: $id}) SET k.revoked = true RETURN k.id AS id"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(driver: Graph, role: str, buyer_rut: str | None = None, advisor_id: str | None = None,
               label: str | None = None) -> tuple[str, str]:
    """Create a key; return ``(key_id, secret_key)``. The secret is shown once and never stored."""
    if role not in ROLES:
        raise InvalidInput(FieldError("role", f"Rol desconocido «{role}»; use {', '.join(ROLES)}."))
    if role == "buyer" and not buyer_rut:
        raise InvalidInput(FieldError("buyer", "Una llave de comprador debe estar asociada a un RUT de comprador."))
    if role != "buyer" and buyer_rut:
        raise InvalidInput(FieldError("buyer", "Solo las llaves de rol buyer se asocian a un comprador."))

    def write(tx):
        if buyer_rut and not tx.run(BUYER_EXISTS, rut=buyer_rut).single():
            raise InvalidInput(FieldError("buyer", f"No existe un comprador con RUT {buyer_rut}."))
        if advisor_id and not tx.run(ADVISOR_EXISTS, id=advisor_id).single():
            raise InvalidInput(FieldError("advisor", f"No existe un asesor con id {advisor_id}."))
        tx.run(CREATE_KEY, id=key_id, hash=hash_key(secret), role=role, buyer_rut=buyer_rut,
               advisor_id=advisor_id, label=label, created_at=datetime.now(UTC).isoformat()).consume()

    key_id = uuid.uuid4().hex[:12]
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with driver.session() as session:
        session.execute_write(write)
    return key_id, secret


def find_key(driver: Graph, secret: str) -> dict | None:
    """The key's id, role and bindings, or None when unknown or revoked."""
    records, _, _ = driver.execute_query(FIND_KEY, hash=hash_key(secret), routing_=RoutingControl.READ)
    return records[0]["key"] if records else None


def list_keys(driver: Graph) -> list[dict]:
    records, _, _ = driver.execute_query(LIST_KEYS, routing_=RoutingControl.READ)
    return [r["key"] for r in records]


def revoke_key(driver: Graph, key_id: str) -> bool:
    records, _, _ = driver.execute_query(REVOKE_KEY, id=key_id)
    return bool(records)
