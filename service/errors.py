"""Every error the API returns, as ``application/problem+json`` (RFC 9457), in Spanish.

Domain exceptions from ``matching.errors`` and driver failures are mapped here and nowhere else.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, json, request
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConstraintError,
    DriverError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from matching.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from matching.messages import field_errors

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://encadena.cl/problemas/"

_TITLES = {
    400: "Solicitud mal formada",
    401: "Falta autenticación",
    403: "Acceso no permitido",
    404: "No encontrado",
    405: "Método no permitido",
    409: "Conflicto",
    413: "Contenido demasiado grande",
    415: "Tipo de contenido no soportado",
    422: "Datos inválidos",
    429: "Demasiadas solicitudes",
    500: "Error interno",
    503: "Servicio no disponible",
}


class ApiProblem(Exception):
    """An HTTP problem raised from a view: status, a Spanish detail, optional field errors."""

    def __init__(self, status: int, detail: str, errors: list[FieldError] | None = None,
                 headers: dict | None = None, type_: str | None = None):
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, errors or [], headers or {}
        self.type = type_


def problem(status: int, detail: str, errors: list[dict] | None = None, headers: dict | None = None,
            type_: str | None = None, extensions: dict | None = None) -> Response:
    """A problem+json response; ``extensions`` adds RFC 9457 extension members (e.g. versions on /readyz)."""
    body: dict = {
        "type": PROBLEM_BASE + (type_ or str(status)),
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.path if request else None,
    }
    if errors:
        body["errors"] = errors
    body.update(extensions or {})
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    return response


def validation_error_response(exc: ValidationError) -> Response:
    """flask-openapi3's validation callback: 422 with one entry per invalid field."""
    errors = field_errors(exc)
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return problem(422, detail, [e.as_dict() for e in errors], type_="datos-invalidos")


# -- registration ----------------------------------------------------------------------------

def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiProblem)
    def _api_problem(exc: ApiProblem):
        return problem(exc.status, exc.detail, [e.as_dict() for e in exc.errors], exc.headers, exc.type)

    @app.errorhandler(InvalidInput)
    def _invalid(exc: InvalidInput):
        return problem(422, exc.detail, [e.as_dict() for e in exc.errors], type_="datos-invalidos")

    @app.errorhandler(ValidationError)
    def _pydantic(exc: ValidationError):
        return validation_error_response(exc)

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound):
        return problem(404, str(exc), type_="no-encontrado")

    @app.errorhandler(Conflict)
    def _conflict(exc: Conflict):
        return problem(409, str(exc), type_="conflicto")

    @app.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden):
        return problem(403, str(exc), type_="prohibido")

    @app.errorhandler(ServiceUnavailable)
    @app.errorhandler(SessionExpired)
    @app.errorhandler(TransientError)
    def _neo4j_down(exc: Exception):
        log.warning("Neo4j unavailable: %s", exc)
        return problem(
            503, "La base de datos no está disponible en este momento; intente nuevamente en unos segundos.",
            headers={"Retry-After": "5"}, type_="base-de-datos-no-disponible",
        )

    @app.errorhandler(ConstraintError)
    def _constraint(exc: ConstraintError):
        # A write raced another one for the same natural key (two requests creating one RUT at once).
        log.info("Constraint violated on %s %s: %s", request.method, request.path, exc.message)
        return problem(409, "Otra solicitud registró lo mismo al mismo tiempo; vuelva a leer el recurso y reintente "
                            "si hace falta.", type_="conflicto-concurrente")

    @app.errorhandler(AuthError)
    def _neo4j_credentials(exc: AuthError):
        log.error("Neo4j refused the service's credentials: %s", exc.message)
        return problem(503, "La base de datos rechazó las credenciales del servicio; avise al equipo de Encadena.",
                       headers={"Retry-After": "60"}, type_="base-de-datos-no-disponible")

    @app.errorhandler(ClientError)
    def _neo4j_client_error(exc: ClientError):
        code = exc.code or ""
        log.warning("Neo4j client error %s on %s %s: %s", code, request.method, request.path, exc.message)
        if code.startswith("Neo.ClientError.Transaction.TransactionTimedOut"):
            return problem(503, "La consulta tardó más de lo permitido y se canceló; intente de nuevo en unos "
                                "segundos o con filtros más acotados.", headers={"Retry-After": "5"},
                           type_="consulta-demasiado-larga")
        if code == "Neo.ClientError.Transaction.InvalidBookmark":
            # The client sent X-Encadena-Bookmarks that Neo4j did not issue (service/consistency.py).
            return problem(400, "El encabezado X-Encadena-Bookmarks no trae marcadores válidos; envíe el que devolvió "
                                "una escritura anterior, o ninguno.", type_="marcador-invalido")
        if ".Transaction." in code or ".Security." in code or ".Database." in code:
            # Timed out, terminated, or a database that is not there: not the caller's input.
            return problem(503, "La base de datos no pudo completar la operación a tiempo; intente nuevamente en "
                                "unos segundos.", headers={"Retry-After": "5"}, type_="base-de-datos-no-disponible")
        return problem(400, "La base de datos no aceptó los datos de la solicitud; revise los valores enviados.",
                       type_="datos-rechazados")

    @app.errorhandler(DriverError)
    def _driver_error(exc: DriverError):
        log.warning("Neo4j driver error on %s %s: %s", request.method, request.path, exc)
        return problem(503, "No se pudo hablar con la base de datos; intente nuevamente en unos segundos.",
                       headers={"Retry-After": "5"}, type_="base-de-datos-no-disponible")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        details = {
            400: "La solicitud no se pudo interpretar.",
            404: f"No existe el recurso {request.path}.",
            405: f"El método {request.method} no está permitido en {request.path}.",
            413: "El contenido enviado supera el tamaño máximo permitido "
                 f"({_human_bytes(request.max_content_length)}).",
            415: "Tipo de contenido no soportado.",
            429: f"Demasiadas solicitudes (límite: {_limit_es(exc.description)}); espere y vuelva a intentarlo "
                 "(vea el encabezado Retry-After).",
        }
        detail = details.get(status, exc.description or "")
        allowed = getattr(exc, "valid_methods", None)
        headers = {"Allow": ", ".join(allowed)} if status == 405 and allowed else None
        return problem(status, detail, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return problem(500, "Ocurrió un error interno; el equipo de Encadena fue notificado.")


_UNITS_ES = {"second": "segundo", "minute": "minuto", "hour": "hora", "day": "día"}


def _limit_es(description: str | None) -> str:
    """flask-limiter's ``"300 per 1 minute"`` as ``"300 por minuto"``."""
    parts = (description or "").split()
    if len(parts) == 4 and parts[1] == "per":
        unit = _UNITS_ES.get(parts[3].rstrip("s"), parts[3])
        return f"{parts[0]} por {unit}" if parts[2] == "1" else f"{parts[0]} cada {parts[2]} {unit}s"
    return description or "?"


def _human_bytes(size: int | None) -> str:
    if not size:
        return "sin límite"
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{size / 1024:.0f} KB"
