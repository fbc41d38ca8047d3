"""Encadena's HTTP service: the Flask app factory (``create_app``), run by gunicorn.

    gunicorn "service:create_app()"
"""

from __future__ import annotations

import importlib
import logging
import pkgutil

import orjson
from flask import redirect, request
from flask.json.provider import DefaultJSONProvider
from flask_openapi3 import Info, OpenAPI
from werkzeug.exceptions import BadRequest

from application.settings import Settings, environment_names
from service import consistency, db, headers, pages, rate_limits
from service import jobs as jobs_ext
from service.auth import SECURITY_SCHEMES, access_table, enforce_roles  # noqa: F401  (access_table: README)
from service.errors import ApiProblem, register_error_handlers, validation_error_response
from service.openapi import EncadenaOpenAPI

API_VERSION = "0.1.0"


class FastJSONProvider(DefaultJSONProvider):
    """Response bodies encoded by orjson (compact, UTF-8 so Spanish text stays readable, keys in the
    order the code builds them); ``dumps``/``loads`` elsewhere (templates' ``tojson``) stay Flask's.
    The json module's encoder was 3% of a match request's CPU under load (issue 17)."""

    ensure_ascii = False
    sort_keys = False
    # Dates and times still go through Flask's ``default`` (HTTP dates), as before.
    _OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_PASSTHROUGH_DATETIME

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        if self._app.debug:  # pretty-printed while developing, as Flask does
            return super().response(obj)
        body = orjson.dumps(obj, default=self.default, option=self._OPTIONS | orjson.OPT_APPEND_NEWLINE)
        # ``_app`` is typed as Flask's sans-I/O base, whose response class takes no body.
        return self._app.response_class(body, mimetype=self.mimetype)  # type: ignore[arg-type]


def create_app(test_config: dict | None = None) -> OpenAPI:
    """Build the app: defaults, then the environment, then ``test_config``."""
    app = EncadenaOpenAPI(
        __name__,
        info=Info(
            title="Encadena API",
            version=API_VERSION,
            description=(
                "Encadenamientos productivos: empresas de menor tamaño y cooperativas como proveedoras "
                "locales de la gran industria. Autenticación con `Authorization: Bearer <llave>`."
            ),
        ),
        security_schemes=SECURITY_SCHEMES,
        validation_error_status=422,
        validation_error_callback=validation_error_response,
        doc_prefix="/docs",
        doc_url="/openapi.json",
    )
    app.config.from_mapping(flask_config(test_config or {}))
    if test_config:
        app.config.from_mapping(test_config)
    app.json = FastJSONProvider(app)

    db.init_app(app)
    jobs_ext.init_app(app, app_settings(app.config))
    consistency.init_app(app)  # read-your-writes across workers: bookmarks in and out
    register_error_handlers(app)
    app.before_request(enforce_roles)  # 401/403 before anything looks at the body
    app.before_request(_reject_malformed_json)
    rate_limits.init_app(app)  # after authentication: per-key limits need the key
    _register_blueprints(app)
    pages.init_app(app)  # pages for people under /app/ (sessions, CSRF)
    headers.init_app(app)  # security headers on every response
    _register_docs(app)
    logging.basicConfig(level=logging.INFO)
    return app


def flask_config(overrides: dict) -> dict:
    """``application.settings.Settings`` (defaults, then the environment, then ``overrides`` given by
    variable name) as Flask config keys: each setting under its environment variable's name."""
    names = environment_names()
    given = {name: value for name, value in overrides.items() if any(name in n for n in names.values())}
    settings = Settings(**given)
    return {aliases[0]: getattr(settings, field) for field, aliases in names.items()}


def app_settings(config) -> Settings:
    """The ``Settings`` an app was built with (its config holds every setting under its variable name)."""
    return Settings(**{names[0]: config[names[0]] for names in environment_names().values() if names[0] in config})


def _register_blueprints(app: OpenAPI) -> None:
    """Every module of ``service.api`` exposes one blueprint, ``bp``."""
    import service.api

    for info in sorted(pkgutil.iter_modules(service.api.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"service.api.{info.name}")
        app.register_api(module.bp)


def _register_docs(app: OpenAPI) -> None:
    """``/openapi.json`` and ``/docs`` at the paths DESIGN.md promises (flask-openapi3 serves them under /docs/)."""

    @app.get("/openapi.json", doc_ui=False)
    def openapi_json():
        return app.api_doc

    @app.get("/docs", doc_ui=False, strict_slashes=True)
    def docs():
        return redirect("/docs/swagger", code=302)


def _reject_malformed_json():
    """400 for a body that is not JSON where JSON is expected, before any validation runs."""
    if request.method not in ("POST", "PUT", "PATCH") or not request.path.startswith("/api/v1"):
        return
    if request.path.startswith("/api/v1/imports"):
        return  # imports take CSV and JSON lines and parse them themselves
    if not request.content_length and not request.data:
        return
    if not request.is_json:
        raise ApiProblem(415, "El cuerpo debe ser JSON: envíe el encabezado «Content-Type: application/json».")
    try:
        request.get_json()
    except RecursionError:
        raise ApiProblem(
            400, "El cuerpo JSON está anidado demasiado profundo; envíe un objeto con los campos de la operación.",
            type_="json-demasiado-anidado",
        ) from None
    except BadRequest:
        raise ApiProblem(
            400, "El cuerpo no es JSON válido; revise comillas, comas y llaves (por ejemplo con un validador JSON).",
            type_="json-mal-formado",
        ) from None
