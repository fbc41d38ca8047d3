"""People who sign in to the pages: ``(:User {id, email, name, role, buyer_rut, advisor_id, password_hash,
disabled, created_at, last_sign_in_at})``. E-mail addresses are stored in lower case and unique
(migration 120); the password hash is read only to verify a sign-in and is never part of a listing.
"""

from __future__ import annotations

import uuid
from typing import LiteralString

from neo4j import ManagedTransaction, RoutingControl
from neo4j.exceptions import ConstraintError

from graph_schema.driver import Graph
from matching.errors import Conflict, FieldError, InvalidInput, NotFound

USER_PROJECTION: LiteralString = """
u {.id, .email, .name, .role, .buyer_rut, .advisor_id, .disabled,
   created_at: toString(u.created_at), last_sign_in_at: toString(u.last_sign_in_at),
   buyer_name: COLLECT { MATCH (b:Buyer {rut: u.buyer_rut}) RETURN b.name LIMIT 1 }[0],
   advisor_name: COLLECT { MATCH (a:Advisor {id: u.advisor_id}) RETURN a.name LIMIT 1 }[0],
   center: COLLECT { MATCH (:Advisor {id: u.advisor_id})-[:WORKS_AT]->(c:Center)
                     RETURN c {.id, .name, .region_cut} LIMIT 1 }[0]}
"""

REFERENCES: LiteralString = """
RETURN $buyer_rut IS NOT NULL AND NOT EXISTS { MATCH (:Buyer {rut: $buyer_rut}) } AS missing_buyer,
       $advisor_id IS NOT NULL AND NOT EXISTS { MATCH (:Advisor {id: $advisor_id}) } AS missing_advisor
"""

CREATE_USER: LiteralString = """
CREATE (u:User {id: $id, email: $email, name: $name, role: $role, buyer_rut: $buyer_rut, advisor_id: $advisor_id,
                password_hash: $password_hash, disabled: false, created_at: datetime($now), created_by: $created_by})
RETURN """ + USER_PROJECTION + " AS user"

GET_USER: LiteralString = "MATCH (u:User {id: $id}) RETURN " + USER_PROJECTION + " AS user"

# For a sign-in: the account and its hash (the one query that reads the hash).
CREDENTIALS: LiteralString = """
MATCH (u:User {email: $email})
RETURN u.password_hash AS password_hash, """ + USER_PROJECTION + " AS user"

LIST_USERS: LiteralString = "MATCH (u:User) RETURN " + USER_PROJECTION + " AS user ORDER BY u.role, u.email"

SIGNED_IN: LiteralString = """
MATCH (u:User {id: $id})
SET u.last_sign_in_at = datetime($now)
FOREACH (_ IN CASE WHEN $password_hash IS NULL THEN [] ELSE [1] END | SET u.password_hash = $password_hash)
"""

SET_DISABLED: LiteralString = """
MATCH (u:User {email: $email})
SET u.disabled = $disabled
RETURN """ + USER_PROJECTION + " AS user"

DELETE_USER: LiteralString = "MATCH (u:User {email: $email}) DETACH DELETE u"

SET_PASSWORD: LiteralString = """
MATCH (u:User {email: $email})
SET u.password_hash = $password_hash
RETURN """ + USER_PROJECTION + " AS user"


def new_user_id() -> str:
    """``user_`` and 12 hex digits (48 random bits; the uniqueness constraint backs it)."""
    return f"user_{uuid.uuid4().hex[:12]}"


def create_user(driver: Graph, values: dict, now: str) -> dict:
    """Create a user (``values``: email, name, role, buyer_rut, advisor_id, password_hash, created_by).

    ``InvalidInput`` when the buyer or advisor it is bound to does not exist; ``Conflict`` when the
    e-mail address is taken.
    """
    row = {"id": new_user_id(), "created_by": None, **values}

    def work(tx: ManagedTransaction) -> dict:
        check = tx.run(REFERENCES, buyer_rut=row["buyer_rut"], advisor_id=row["advisor_id"]).single(strict=True)
        errors = []
        if check["missing_buyer"]:
            errors.append(FieldError("buyer", f"No existe un comprador con RUT {row['buyer_rut']}."))
        if check["missing_advisor"]:
            errors.append(FieldError("advisor", f"No existe un asesor con id {row['advisor_id']}."))
        if errors:
            raise InvalidInput(errors)
        return tx.run(CREATE_USER, **row, now=now).single(strict=True)["user"]

    with driver.session() as session:
        try:
            return session.execute_write(work)
        except ConstraintError as exc:
            raise Conflict(f"Ya existe una cuenta con el correo {row['email']}.") from exc


def get_user(driver: Graph, user_id: str) -> dict | None:
    records, _, _ = driver.execute_query(GET_USER, id=user_id, routing_=RoutingControl.READ)
    return records[0]["user"] if records else None


def credentials(driver: Graph, email: str) -> tuple[dict, str] | None:
    """``(user, password_hash)`` for an e-mail address (lower case), or None."""
    records, _, _ = driver.execute_query(CREDENTIALS, email=email, routing_=RoutingControl.READ)
    return (records[0]["user"], records[0]["password_hash"]) if records else None


def record_sign_in(driver: Graph, user_id: str, now: str, new_hash: str | None = None) -> None:
    """Remember the sign-in time (and store a rehashed password when the hashing parameters changed)."""
    driver.execute_query(SIGNED_IN, id=user_id, now=now, password_hash=new_hash)


def list_users(driver: Graph) -> list[dict]:
    records, _, _ = driver.execute_query(LIST_USERS, routing_=RoutingControl.READ)
    return [r["user"] for r in records]


def set_disabled(driver: Graph, email: str, disabled: bool) -> dict:
    records, _, _ = driver.execute_query(SET_DISABLED, email=email, disabled=disabled)
    if not records:
        raise NotFound(f"No existe una cuenta con el correo {email}.")
    return records[0]["user"]


def set_password(driver: Graph, email: str, password_hash: str) -> dict:
    records, _, _ = driver.execute_query(SET_PASSWORD, email=email, password_hash=password_hash)
    if not records:
        raise NotFound(f"No existe una cuenta con el correo {email}.")
    return records[0]["user"]


def delete_user(driver: Graph, email: str) -> None:
    """Remove an account (the demo people are recreated when the demo data set changes)."""
    driver.execute_query(DELETE_USER, email=email)
