"""Pages for people under ``/app/``: server-rendered Jinja templates, a little htmx, one CSS file.

``make_blueprint()`` gives a blueprint named ``pages`` that owns ``templates/`` and serves
``static/`` at ``/app/static/`` (``base.html`` links its CSS and htmx through ``pages.static``);
``init_app`` adds the views (one module per audience), sessions (``session.py``), CSRF tokens and
HTML error pages, and registers it. ``map.py`` draws the need's map as SVG.
"""

from __future__ import annotations

from flask import Blueprint, Flask

URL_PREFIX = "/app"
# The modules whose ``register(bp)`` adds views, in the order their routes should be matched.
VIEW_MODULES = ("format", "auth_views", "buyer", "needs", "advisor", "firms", "pickers", "imports", "duplicates",
                "reports", "indicators", "admin", "errors")


def make_blueprint() -> Blueprint:
    """The ``pages`` blueprint with this package's templates and static files, views not yet added."""
    return Blueprint(
        "pages", __name__, url_prefix=URL_PREFIX, template_folder="templates",
        static_folder="static", static_url_path="/static",
    )


def init_app(app: Flask) -> None:
    """Sessions, CSRF and every page view, under ``/app/``."""
    import importlib

    from service.pages import session

    bp = make_blueprint()
    session.init_app(app, bp)
    for name in VIEW_MODULES:
        importlib.import_module(f"service.pages.{name}").register(bp)
    app.register_blueprint(bp)
