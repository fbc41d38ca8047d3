"""Pages for people under ``/app/``: server-rendered Jinja templates, a little htmx, one CSS file.

``make_blueprint()`` gives a blueprint named ``pages`` that owns ``templates/`` and serves
``static/`` at ``/app/static/`` (``base.html`` links its CSS and htmx through ``pages.static``);
views are added to it. ``map.py`` draws the need's map as SVG.
"""

from __future__ import annotations

from flask import Blueprint

URL_PREFIX = "/app"


def make_blueprint() -> Blueprint:
    """The ``pages`` blueprint with this package's templates and static files, views not yet added."""
    return Blueprint(
        "pages", __name__, url_prefix=URL_PREFIX, template_folder="templates",
        static_folder="static", static_url_path="/static",
    )
