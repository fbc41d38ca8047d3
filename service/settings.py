"""The web app's settings object: ``application.settings.Settings`` as this app's config says."""

from __future__ import annotations

from flask import current_app

from application.settings import Settings, environment_names

_KEY = "encadena.settings"


def current_settings() -> Settings:
    """``Settings`` from the app's config (the environment, then the test mapping), made once per app."""
    settings = current_app.extensions.get(_KEY)
    if settings is None:
        names = environment_names()
        settings = Settings(**{aliases[0]: current_app.config[aliases[0]] for aliases in names.values()
                               if aliases[0] in current_app.config})
        current_app.extensions[_KEY] = settings
    return settings
