"""Rate limits (flask-limiter): failed sign-ins and bad keys per address, and the expensive operations
(matches, imports, reports, training) per key and per address. 429 answers carry ``Retry-After``.

Sign-in to the pages counts attempts (``RATE_LIMIT_SIGN_IN``) and wrong passwords
(``RATE_LIMIT_SIGN_IN_FAILURES``) per account and per address (``sign_in_wait``, ``sign_in_failed``);
accounts are counted under a hash of the address, so the counters hold no e-mail address.

Counts live where every worker of the deployment sees them: Redis when ``REDIS_URL`` is set (any
number of hosts), otherwise one SQLite file per host (``service.limits_sqlite``), shared by the
host's gunicorn workers. The limits themselves are settings (``RATE_LIMIT_*``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse

import service.limits_sqlite  # noqa: F401  (registers the encadena+sqlite:// storage scheme)

# Which setting limits which operation.
OPERATION_LIMITS = {
    "matches": "RATE_LIMIT_MATCHES",
    "imports": "RATE_LIMIT_IMPORTS",
    "reports": "RATE_LIMIT_REPORTS",
    "training": "RATE_LIMIT_TRAINING",
    "sign_in": "RATE_LIMIT_SIGN_IN",
}


def caller_address() -> str:
    """The client's address (behind a proxy, configure ProxyFix so this is the real one)."""
    return request.remote_addr or "unknown"


def caller_key() -> str:
    """The caller's key or account id when authenticated, else its address."""
    principal = g.get("principal")
    return f"id:{principal.id}" if principal is not None and principal.id else f"ip:{caller_address()}"


limiter = Limiter(key_func=caller_address, headers_enabled=True, strategy="fixed-window")


def storage_uri(app: Flask) -> str:
    """Redis when ``REDIS_URL`` is set, else the host's SQLite file next to the other local data."""
    if app.config.get("RATE_LIMIT_STORAGE"):
        return str(app.config["RATE_LIMIT_STORAGE"])
    if app.config.get("REDIS_URL"):
        return str(app.config["REDIS_URL"])
    return f"encadena+sqlite://{app.config['ENCADENA_DATA_DIR']}/ratelimits.sqlite"


def init_app(app: Flask) -> None:
    """Attach the limiter (after the authentication hook, so per-key limits know the key)."""
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(app)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)


def limited(operation: str) -> Callable:
    """Limit a view per key (or account) and per address with the operation's setting."""
    setting = OPERATION_LIMITS[operation]

    def value() -> str:
        return str(current_app.config[setting])

    def decorator(view: Callable) -> Callable:
        view = limiter.limit(value, key_func=caller_key, scope=f"{operation}-key")(view)
        return limiter.limit(value, key_func=caller_address, scope=f"{operation}-address")(view)

    return decorator


def _auth_item():
    return parse(str(current_app.config["RATE_LIMIT_AUTH_FAILURES"]))


def auth_failures_exhausted() -> bool:
    """Whether this address has used up its failed attempts (then even a lookup is refused)."""
    return not limiter.limiter.test(_auth_item(), "auth-failures", caller_address())


def auth_failure() -> None:
    """Count one failed key or sign-in from this address."""
    limiter.limiter.hit(_auth_item(), "auth-failures", caller_address())


def _account_key(email: str) -> str:
    return hashlib.sha256(email.encode("utf-8")).hexdigest()[:32]


def _sign_in_counters(email: str) -> list[tuple[RateLimitItem, str, str]]:
    attempts = parse(str(current_app.config["RATE_LIMIT_SIGN_IN"]))
    failures = parse(str(current_app.config["RATE_LIMIT_SIGN_IN_FAILURES"]))
    account, address = _account_key(email), caller_address()
    return [(failures, "sign-in-failures-account", account), (failures, "sign-in-failures-address", address),
            (attempts, "sign-in-account", account), (attempts, "sign-in-address", address)]


def sign_in_wait(email: str) -> int | None:
    """Count one sign-in attempt; the seconds to wait when the account or this address has used up its
    attempts or its wrong passwords (or the address its failed keys), else None."""
    waits = []
    for item, scope, key in _sign_in_counters(email):
        counts_attempt = not scope.startswith("sign-in-failures")
        allowed = limiter.limiter.hit(item, scope, key) if counts_attempt else limiter.limiter.test(item, scope, key)
        if not allowed:
            reset = limiter.limiter.get_window_stats(item, scope, key).reset_time
            waits.append(max(1, int(reset - time.time()) + 1))
    if auth_failures_exhausted():
        waits.append(int(_auth_item().get_expiry()))
    return max(waits) if waits else None


def sign_in_failed(email: str) -> None:
    """Count a wrong password against the account and this address."""
    for item, scope, key in _sign_in_counters(email):
        if scope.startswith("sign-in-failures"):
            limiter.limiter.hit(item, scope, key)
    auth_failure()
