"""API keys: stored as SHA-256 hashes, listed, revoked, optionally expiring, with their last use.

A key is ``enc_`` and 32 random bytes (256 bits) from ``secrets``. A fast hash suffices for such
tokens: salts and memory-hard hashing defend low-entropy secrets (passwords) against guessing,
and nobody can guess 256 random bits. Keys are found by their hash through a unique index, so the
secret itself is never compared byte by byte and there is no timing oracle on it.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime
from typing import LiteralString

from neo4j import RoutingControl

from graph_schema.driver import Graph
from matching.errors import FieldError, InvalidInput, NotFound

ROLES = ("admin", "advisor", "buyer")
KEY_PREFIX = "enc_"
# A key's last use is written at most this often (a request must not cost a write).
LAST_USED_EVERY_S = 60

CREATE_KEY: LiteralString = """
CREATE (k:ApiKey {id: $id, hash: $hash, role: $role, buyer_rut: $buyer_rut, advisor_id: $advisor_id,
                  label: $label, created_at: datetime($created_at), revoked: false,
                  expires_at: CASE WHEN $expires_at IS NULL THEN null ELSE datetime($expires_at) END,
                  created_by: $created_by})
"""

BUYER_EXISTS: LiteralString = "MATCH (b:Buyer {rut: $rut}) RETURN b.rut AS rut"
ADVISOR_EXISTS: LiteralString = "MATCH (a:Advisor {id: $id}) RETURN a.id AS id"

FIND_KEY: LiteralString = """
MATCH (k:ApiKey {hash: $hash})
WHERE NOT k.revoked AND (k.expires_at IS NULL OR k.expires_at > datetime())
RETURN k {.id, .role, .buyer_rut, .advisor_id,
          last_used: CASE WHEN k.last_used_at IS NULL THEN null ELSE k.last_used_at.epochSeconds END} AS key
"""

TOUCH_KEY: LiteralString = "MATCH (k:ApiKey {id: $id}) SET k.last_used_at = datetime()"

KEY_PROJECTION: LiteralString = """k {.id, .role, .buyer_rut, .advisor_id, .label, .revoked, .created_by,
     created_at: toString(k.created_at), expires_at: toString(k.expires_at),
     last_used_at: toString(k.last_used_at), revoked_at: toString(k.revoked_at)}"""

LIST_KEYS: LiteralString = "MATCH (k:ApiKey) RETURN " + KEY_PROJECTION + " AS key ORDER BY k.created_at DESC"

REVOKE_KEY: LiteralString = """
MATCH (k:ApiKey {id: $id})
SET k.revoked = true, k.revoked_at = coalesce(k.revoked_at, datetime())
RETURN """ + KEY_PROJECTION + " AS key"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(driver: Graph, role: str, buyer_rut: str | None = None, advisor_id: str | None = None,
               label: str | None = None, expires_at: datetime | None = None,
               created_by: str | None = None) -> tuple[str, str]:
    """Create a key; return ``(key_id, secret_key)``. The secret is shown once and never stored."""
    if role not in ROLES:
        raise InvalidInput(FieldError("role", f"Rol desconocido «{role}»; use {', '.join(ROLES)}."))
    if role == "buyer" and not buyer_rut:
        raise InvalidInput(FieldError("buyer", "Una llave de comprador debe estar asociada a un RUT de comprador."))
    if role != "buyer" and buyer_rut:
        raise InvalidInput(FieldError("buyer", "Solo las llaves de rol buyer se asocian a un comprador."))
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise InvalidInput(FieldError("expires_at", "La fecha de vencimiento ya pasó."))

    def write(tx):
        if buyer_rut and not tx.run(BUYER_EXISTS, rut=buyer_rut).single():
            raise InvalidInput(FieldError("buyer", f"No existe un comprador con RUT {buyer_rut}."))
        if advisor_id and not tx.run(ADVISOR_EXISTS, id=advisor_id).single():
            raise InvalidInput(FieldError("advisor", f"No existe un asesor con id {advisor_id}."))
        tx.run(CREATE_KEY, id=key_id, hash=hash_key(secret), role=role, buyer_rut=buyer_rut,
               advisor_id=advisor_id, label=label, created_at=datetime.now(UTC).isoformat(),
               expires_at=expires_at.isoformat() if expires_at else None, created_by=created_by).consume()

    key_id = uuid.uuid4().hex[:12]
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with driver.session() as session:
        session.execute_write(write)
    return key_id, secret


def find_key_by_hash(driver: Graph, key_hash: str) -> dict | None:
    """The key's id, role, bindings and last use (epoch s), or None when unknown, revoked or expired."""
    records, _, _ = driver.execute_query(FIND_KEY, hash=key_hash, routing_=RoutingControl.READ)
    return records[0]["key"] if records else None


def find_key(driver: Graph, secret: str) -> dict | None:
    return find_key_by_hash(driver, hash_key(secret))


def touch_key(driver: Graph, key_id: str) -> None:
    """Record that the key was used now."""
    driver.execute_query(TOUCH_KEY, id=key_id)


def list_keys(driver: Graph) -> list[dict]:
    """Every key, newest first (never the secrets)."""
    records, _, _ = driver.execute_query(LIST_KEYS, routing_=RoutingControl.READ)
    return [r["key"] for r in records]


def revoke_key(driver: Graph, key_id: str) -> dict:
    """Revoke a key (it stops working on every worker within ``API_KEY_CACHE_SECONDS``)."""
    records, _, _ = driver.execute_query(REVOKE_KEY, id=key_id)
    if not records:
        raise NotFound(f"No existe una llave con id {key_id}.")
    return records[0]["key"]
