"""Who is calling, and whether the route lets them in: deny unless the route names the caller's role.

Programs send ``Authorization: Bearer <key>`` (roles ``admin``, ``advisor``, ``buyer``; a buyer key
is bound to one RUT). Every view declares its roles with ``@require(...)`` (or ``@public`` for
the few routes anyone may call); ``enforce_roles`` runs before anything looks at the body, and a
route that declares nothing refuses everyone (``tests/test_access.py`` walks every route).

Verified keys are cached per worker by their hash for ``API_KEY_CACHE_SECONDS`` (1 s by default,
so a revoked key stops working on every worker within a second); unknown keys are never cached,
so they cannot flush it, and each failure counts against the caller's address
(``RATE_LIMIT_AUTH_FAILURES``, 429 beyond it).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request
from flask_login import current_user

from application.access import ROLE_ES, ROLES, Viewer
from graph_schema.keys import LAST_USED_EVERY_S, find_key_by_hash, hash_key, touch_key
from service.db import get_driver
from service.errors import ApiProblem
from service.rate_limits import auth_failure, auth_failures_exhausted

# OpenAPI security requirement for every protected operation.
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
SECURITY_SCHEMES: dict[str, Any] = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "Llave de API: `Authorization: Bearer enc_...`"}
}
# Verified keys a worker remembers at most (least recently used first out).
KEY_CACHE_SIZE = 10_000

# The caller of an API request is a ``Viewer`` (``application.access``) with its key's id.
Principal = Viewer


class KeyCache:
    """Verified keys by hash, with a time to live and a bounded size (only valid keys enter)."""

    def __init__(self, size: int = KEY_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[float, Viewer]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key_hash: str, ttl: float) -> Viewer | None:
        with self._lock:
            hit = self._items.get(key_hash)
            if hit is None:
                return None
            if time.monotonic() - hit[0] >= ttl:
                del self._items[key_hash]
                return None
            self._items.move_to_end(key_hash)
            return hit[1]

    def put(self, key_hash: str, viewer: Viewer) -> None:
        with self._lock:
            self._items[key_hash] = (time.monotonic(), viewer)
            self._items.move_to_end(key_hash)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


key_cache = KeyCache()


def _unauthorized(detail: str, type_: str, error: str | None = None) -> ApiProblem:
    challenge = 'Bearer realm="encadena"' + (f', error="{error}"' if error else "")
    return ApiProblem(401, detail, headers={"WWW-Authenticate": challenge}, type_=type_)


def key_viewer(secret: str) -> Viewer:
    """The viewer of an API key; 401 when unknown, revoked or expired; 429 after too many failures."""
    key_hash = hash_key(secret)
    ttl = float(current_app.config["API_KEY_CACHE_SECONDS"])
    viewer = key_cache.get(key_hash, ttl)
    if viewer is not None:
        return viewer
    if auth_failures_exhausted():
        raise ApiProblem(429, "Demasiados intentos con llaves inválidas desde esta dirección; espere un minuto.",
                         type_="demasiados-intentos")
    row = find_key_by_hash(get_driver(), key_hash)
    if row is None:
        auth_failure()
        raise _unauthorized("La llave de API no es válida, fue revocada o venció.", "llave-invalida",
                            "invalid_token")
    viewer = Viewer(row["role"], row.get("buyer_rut"), row.get("advisor_id"), id=row["id"])
    key_cache.put(key_hash, viewer)
    last_used = row.get("last_used")
    if last_used is None or time.time() - float(last_used) >= LAST_USED_EVERY_S:
        touch_key(get_driver(), row["id"])
    return viewer


def current_principal() -> Viewer:
    """The authenticated caller; 401 when the request has no valid credentials.

    A route marked ``session_allowed`` (file downloads) also takes a signed-in person's session when
    the request carries no key, so a link clicked on a page works in the browser."""
    if "principal" in g:
        return g.principal
    header = request.headers.get("Authorization", "")
    if not header and request.method in SAFE_METHODS and _takes_session():
        viewer = getattr(current_user, "viewer", None) if current_user.is_authenticated else None
        if viewer is not None:
            g.principal = viewer
            return viewer
        raise _unauthorized("Falta la llave de API: envíe el encabezado «Authorization: Bearer <llave>», o inicie "
                            "sesión en /app/login y vuelva a abrir el enlace.", "sin-autenticacion")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise _unauthorized("Falta la llave de API: envíe el encabezado «Authorization: Bearer <llave>».",
                            "sin-autenticacion")
    if len(secret) > 200:
        auth_failure()
        raise _unauthorized("La llave de API no es válida.", "llave-invalida", "invalid_token")
    g.principal = key_viewer(secret)
    return g.principal


_ROLES_ATTR = "_encadena_roles"
_SESSION_ATTR = "_encadena_session_allowed"
PUBLIC = "public"
ALL_ROLES = ROLES
# Only reads may ride on a session cookie: a cross-site form cannot send a key, but it can send a cookie.
SAFE_METHODS = ("GET", "HEAD")


def require(*roles: str) -> Callable:
    """Allow a view only to ``roles``; ``enforce_roles`` checks it before validation.

    Checking in ``before_request`` (not inside the view) means a request without a key gets 401
    and a buyer posting to an advisor endpoint gets 403, whatever its body says.
    """
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"require() takes roles among {ROLES}, got {roles}")

    def decorator(view: Callable) -> Callable:
        setattr(view, _ROLES_ATTR, tuple(roles))
        return view

    return decorator


def session_allowed(view: Callable) -> Callable:
    """Let the pages' session stand in for a key on this GET route (a file a person downloads from a
    page: a browser cannot add a Bearer header to a link). Roles and object rules stay the route's."""
    setattr(view, _SESSION_ATTR, True)
    return view


def _takes_session() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, _SESSION_ATTR, False))


def public(view: Callable) -> Callable:
    """Open a view to anyone, signed in or not (health probes, the API document)."""
    setattr(view, _ROLES_ATTR, PUBLIC)
    return view


def declared_roles(view: Callable | None) -> tuple[str, ...] | str | None:
    """What a view declares: a tuple of roles, ``PUBLIC``, or None (refused to everyone)."""
    return getattr(view, _ROLES_ATTR, None)


def enforce_roles() -> None:
    """``before_request``: every API route is refused unless it names the caller's role."""
    if request.endpoint is None or not request.path.startswith("/api/"):
        return
    view = current_app.view_functions.get(request.endpoint)
    roles = declared_roles(view)
    if roles == PUBLIC:
        return
    principal = current_principal()
    if roles is None or principal.role not in roles:
        allowed = ", ".join(ROLE_ES[r] for r in roles) if isinstance(roles, tuple) else "nadie"
        raise ApiProblem(
            403, f"Su llave es de rol {ROLE_ES[principal.role]}; esta operación es solo para: {allowed}.",
            type_="rol-insuficiente",
        )


def access_table(app) -> str:
    """The README's access table (Markdown): every API operation and the roles it names."""
    rows = ["| Operation | Roles |", "|---|---|"]
    entries = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        roles = declared_roles(app.view_functions[rule.endpoint])
        names = ", ".join(roles) if isinstance(roles, tuple) else "nobody"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            entries.append((rule.rule, method, names))
    for path, method, names in sorted(entries):
        rows.append(f"| `{method} {path}` | {names} |")
    return "\n".join(rows)
