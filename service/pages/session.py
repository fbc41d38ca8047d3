"""Who is signed in to the pages, and whether a page lets them in: deny unless the view names the role.

Sessions are Flask-Login's, in Flask's signed cookie (HttpOnly, SameSite=Lax, Secure when
``SESSION_COOKIE_SECURE``); the key that signs them is derived from ``SECRET_KEY``, or from one
generated once into ``ENCADENA_DATA_DIR/secret_key`` (``application.secrets``, mode 0600), so
sessions survive a restart on one host. Every form
carries a CSRF token (Flask-WTF), checked on every unsafe request under ``/app/``; the JSON API
(bearer keys, no cookies) is not checked.

Page views declare their roles with ``service.auth.require`` or ``service.auth.public``, as API
routes do. ``enforce_page_roles`` runs before each page: a page without a declaration refuses
everyone (403), a person not signed in goes to the sign-in page, a signed-in person without the
role gets 403. Object rules (a buyer reaches only its own needs) are the application layer's, as
for the API, through the ``Viewer`` the page passes (``current_viewer``).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, g, redirect, request, url_for
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect

from application.access import Viewer
from application.secrets import derived_key
from application.users import active_user, viewer_of
from service.auth import PUBLIC, declared_roles
from service.db import get_driver
from service.settings import current_settings

# A session lasts a working day; signing in again after that is cheap.
SESSION_HOURS = 12
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

login_manager = LoginManager()
csrf = CSRFProtect()


class PageUser(UserMixin):
    """A signed-in person: the account as stored (never its password hash) and its ``Viewer``."""

    def __init__(self, account: dict):
        self.account = account
        self.viewer: Viewer = viewer_of(account)

    def get_id(self) -> str:
        return self.account["id"]

    @property
    def role(self) -> str:
        return self.account["role"]

    @property
    def name(self) -> str:
        return self.account.get("name") or self.account["email"]


class Anonymous(AnonymousUserMixin):
    role = None
    name = None


@login_manager.user_loader
def _load_user(user_id: str) -> PageUser | None:
    account = active_user(get_driver(), user_id)
    return PageUser(account) if account else None


def current_viewer() -> Viewer:
    """The signed-in person as a ``Viewer`` (``enforce_page_roles`` made sure there is one)."""
    if not current_user.is_authenticated:
        abort(401)
    return current_user.viewer


def session_key(app: Flask) -> str:
    """The key that signs sessions and CSRF tokens: derived from ``SECRET_KEY`` (or the host's own key,
    ``application.secrets``) for this one purpose."""
    with app.app_context():
        return derived_key(current_settings(), "sessions").hex()


def safe_next(target: str | None) -> str | None:
    """A ``next`` address only when it stays on this site under ``/app/`` (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/app/") or target.startswith("//"):
        return None
    return target


def enforce_page_roles():
    """``before_request`` of the pages: deny unless the view names the person's role; then CSRF."""
    if request.endpoint == "pages.static":
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    roles = declared_roles(view)
    if roles != PUBLIC:
        if not current_user.is_authenticated:
            if request.headers.get("HX-Request"):
                abort(401)
            return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
        if roles is None or current_user.role not in roles:
            abort(403)
        g.principal = current_user.viewer  # rate limits count per account, as per key in the API
    if request.method in UNSAFE_METHODS:
        csrf.protect()
    return None


def init_app(app: Flask, bp: Blueprint) -> None:
    """Session cookie settings, the signing key, Flask-Login and CSRF for the pages."""
    app.config["SECRET_KEY"] = session_key(app)
    app.config.setdefault("SESSION_COOKIE_NAME", "encadena_sesion")
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config.get("SESSION_COOKIE_SECURE"))
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=SESSION_HOURS))
    # Only the pages check tokens (in enforce_page_roles): the API authenticates by bearer key.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", SESSION_HOURS * 3600)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "basic"
    bp.before_request(enforce_page_roles)
