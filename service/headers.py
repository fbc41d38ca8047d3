"""Security headers on every response: a strict Content-Security-Policy, no framing, no sniffing; and
how long a page took on the server (``Server-Timing: app;dur=<ms>``, read by ``encadena bench pages``).

Pages and the API get one policy: nothing inline, nothing from another origin. Swagger UI
(``/docs``, served by flask-openapi3 from its own package) starts itself with an inline script and
styles itself inline, so its pages get their own policy: that script is allowed by its SHA-256
hash (computed from the page served, so an upgrade of the package keeps working) and inline styles
are allowed there only; the pages' policy is never weakened for it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time

from flask import Flask, Response, g, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
DOCS_PREFIX = "/docs"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def docs_csp(body: bytes) -> str:
    """The policy of a Swagger UI page: its own inline scripts by hash, inline styles allowed."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode("ascii") + "'"
        for script in _INLINE_SCRIPT.findall(body)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )


def _start_timer() -> None:
    g.started_at = time.perf_counter()


def add_security_headers(response: Response) -> Response:
    """``after_request``: the headers every response carries (and the server time of a page)."""
    started = g.get("started_at")
    if started is not None and request.path.startswith("/app/"):
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    if request.path.startswith(DOCS_PREFIX) and response.mimetype == "text/html" and not response.direct_passthrough:
        policy = docs_csp(response.get_data())
    else:
        policy = CSP
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)  # before every other hook
    app.after_request(add_security_headers)
