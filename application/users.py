"""People's accounts for the pages (API keys stay for programs): create, sign in, list, disable.

Passwords are hashed with Argon2id (argon2-cffi's ``PasswordHasher``, memory-hard; its defaults
follow RFC 9106's second recommended setting) and rehashed at the next sign-in when those
parameters change. An unknown address costs the same hash as a wrong password, so timing does
not tell which addresses have accounts. A signed-in person acts as a ``Viewer`` with the user's
id and name, so the pages apply exactly the roles and object rules of the API.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from application.access import ROLES, Viewer
from graph_schema import users as repo
from graph_schema.driver import Graph
from matching.errors import FieldError, InvalidInput
from matching.rut import InvalidRut, canonical_rut

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
# A generated password: 15 random bytes as 20 URL-safe characters (120 bits).
GENERATED_PASSWORD_BYTES = 15
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()


@cache
def _unknown_user_hash() -> str:
    """Verified against when the address is unknown, so a miss costs what a wrong password costs."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _now() -> str:
    return datetime.now(UTC).isoformat()


def normalize_email(email: str) -> str:
    """An e-mail address as stored: trimmed, lower case."""
    return (email or "").strip().lower()


def generate_password() -> str:
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def viewer_of(user: dict) -> Viewer:
    """The ``Viewer`` a signed-in person acts as."""
    return Viewer(user["role"], user.get("buyer_rut"), user.get("advisor_id"), id=user["id"], name=user.get("name"))


def create_user(graph: Graph, *, email: str, name: str, role: str, password: str, buyer_rut: str | None = None,
                advisor_id: str | None = None, created_by: str | None = None) -> dict:
    """A new account; ``InvalidInput`` naming each bad field, ``Conflict`` when the address is taken."""
    email = normalize_email(email)
    errors = []
    if not _EMAIL.match(email):
        errors.append(FieldError("email", f"«{email}» no es un correo electrónico válido."))
    if not (name or "").strip():
        errors.append(FieldError("name", "Indique el nombre de la persona."))
    if role not in ROLES:
        errors.append(FieldError("role", f"Rol desconocido «{role}»; use {', '.join(ROLES)}."))
    if role == "buyer":
        if not buyer_rut:
            errors.append(FieldError("buyer", "Una cuenta de comprador se asocia a un RUT de comprador (--buyer)."))
        else:
            try:
                buyer_rut = canonical_rut(buyer_rut)
            except InvalidRut as exc:
                errors.append(FieldError("buyer", str(exc)))
    elif buyer_rut:
        errors.append(FieldError("buyer", "Solo las cuentas de comprador se asocian a un comprador."))
    if role == "advisor" and not advisor_id:
        errors.append(FieldError("advisor", "Una cuenta de asesor se asocia a un asesor registrado (--advisor)."))
    elif role != "advisor" and advisor_id:
        errors.append(FieldError("advisor", "Solo las cuentas de asesor se asocian a un asesor."))
    if not MIN_PASSWORD_LENGTH <= len(password or "") <= MAX_PASSWORD_LENGTH:
        errors.append(FieldError("password", f"La contraseña debe tener entre {MIN_PASSWORD_LENGTH} y "
                                             f"{MAX_PASSWORD_LENGTH} caracteres."))
    if errors:
        raise InvalidInput(errors)
    values = {"email": email, "name": name.strip(), "role": role, "buyer_rut": buyer_rut, "advisor_id": advisor_id,
              "password_hash": _hasher.hash(password), "created_by": created_by}
    return repo.create_user(graph, values, _now())


def authenticate(graph: Graph, email: str, password: str) -> dict | None:
    """The account when the address and password match an enabled account, else None."""
    found = repo.credentials(graph, normalize_email(email)) if email else None
    stored = found[1] if found else _unknown_user_hash()
    try:
        _hasher.verify(stored, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if found is None:
        return None
    user = found[0]
    if user.get("disabled"):
        return None
    rehashed = _hasher.hash(password) if _hasher.check_needs_rehash(stored) else None
    repo.record_sign_in(graph, user["id"], _now(), rehashed)
    return user


def active_user(graph: Graph, user_id: str) -> dict | None:
    """The account of a session, or None when it no longer exists or was disabled."""
    user = repo.get_user(graph, user_id)
    return user if user and not user.get("disabled") else None


def list_users(graph: Graph) -> list[dict]:
    return repo.list_users(graph)


def disable_user(graph: Graph, email: str) -> dict:
    """Disable an account: its sessions stop working at their next request."""
    return repo.set_disabled(graph, normalize_email(email), True)


def enable_user(graph: Graph, email: str) -> dict:
    return repo.set_disabled(graph, normalize_email(email), False)


def set_password(graph: Graph, email: str, password: str) -> dict:
    if not MIN_PASSWORD_LENGTH <= len(password or "") <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(FieldError("password", f"La contraseña debe tener entre {MIN_PASSWORD_LENGTH} y "
                                                  f"{MAX_PASSWORD_LENGTH} caracteres."))
    return repo.set_password(graph, normalize_email(email), _hasher.hash(password))
