"""Bearer API keys with roles ``admin``, ``advisor`` and ``buyer`` (a buyer key is bound to one RUT)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request

from application.access import ROLE_ES, ROLES, Viewer
from graph_schema.keys import find_key
from service.db import get_driver
from service.errors import ApiProblem

# OpenAPI security requirement for every protected operation.
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
SECURITY_SCHEMES: dict[str, Any] = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "Llave de API: `Authorization: Bearer enc_...`"}
}


# The caller of an API request is a ``Viewer`` (``application.access``) with its key's id.
Principal = Viewer


class _KeyCache:
    """Recently verified keys, so a request does not always cost a lookup (revocation lags ≤ TTL)."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def get(self, secret: str, ttl: float) -> tuple[bool, Principal | None]:
        with self._lock:
            hit = self._items.get(secret)
        if hit and time.monotonic() - hit[0] < ttl:
            return True, hit[1]
        return False, None

    def put(self, secret: str, principal: Principal | None) -> None:
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[secret] = (time.monotonic(), principal)


_cache = _KeyCache()


def current_principal() -> Principal:
    """The authenticated caller; 401 when the request has no valid key."""
    if "principal" in g:
        return g.principal
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise ApiProblem(
            401, "Falta la llave de API: envíe el encabezado «Authorization: Bearer <llave>».",
            headers={"WWW-Authenticate": 'Bearer realm="encadena"'}, type_="sin-autenticacion",
        )
    ttl = current_app.config["API_KEY_CACHE_SECONDS"]
    cached, principal = _cache.get(secret, ttl)
    if not cached:
        row = find_key(get_driver(), secret)
        principal = Viewer(row["role"], row.get("buyer_rut"), row.get("advisor_id"), id=row["id"]) if row else None
        _cache.put(secret, principal)
    if principal is None:
        raise ApiProblem(
            401, "La llave de API no es válida o fue revocada.",
            headers={"WWW-Authenticate": 'Bearer realm="encadena", error="invalid_token"'},
            type_="llave-invalida",
        )
    g.principal = principal
    return principal


_ROLES_ATTR = "_encadena_roles"
ALL_ROLES = ROLES


def require(*roles: str) -> Callable:
    """Mark a view as allowed only to ``roles``; ``enforce_roles`` checks it before validation.

    Checking in ``before_request`` (not inside the view) means a request without a key gets 401
    and a buyer posting to an advisor endpoint gets 403, whatever its body says.
    """

    def decorator(view: Callable) -> Callable:
        setattr(view, _ROLES_ATTR, roles)
        return view

    return decorator


def enforce_roles() -> None:
    """``before_request`` hook for ``/api/v1``: authenticate, then check the view's roles."""
    if not request.path.startswith("/api/v1") or request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    roles = getattr(view, _ROLES_ATTR, ALL_ROLES)
    principal = current_principal()
    if principal.role not in roles:
        allowed = ", ".join(ROLE_ES[r] for r in roles)
        raise ApiProblem(
            403, f"Su llave es de rol {ROLE_ES[principal.role]}; esta operación es solo para: {allowed}.",
            type_="rol-insuficiente",
        )
