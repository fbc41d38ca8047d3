"""Errors under ``/app/`` as pages a person can act on (the API keeps problem+json).

Blueprint handlers win over the app's for anything raised by a page (``service.errors`` maps the
API's); an unknown address under ``/app/`` reaches the catch-all route below, so it gets this
page too rather than JSON.
"""

from __future__ import annotations

import logging

from flask import Blueprint, render_template, request
from flask_wtf.csrf import CSRFError
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound as HttpNotFound

from matching.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.auth import public

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Solicitud no válida", "La página no pudo interpretar lo que envió. Vuelva atrás e inténtelo de nuevo."),
    401: ("Inicie sesión", "Su sesión terminó. Inicie sesión de nuevo para continuar."),
    403: ("No tiene acceso a esta página", "Su cuenta no tiene permiso para ver esta página. Si cree que "
                                          "debería tenerlo, hable con el administrador de Encadena."),
    404: ("No encontramos la página", "Puede que la dirección esté mal escrita o que lo que busca ya no exista."),
    405: ("Acción no permitida", "Esta página no acepta esa acción."),
    409: ("No se pudo completar la acción", ""),
    413: ("Archivo demasiado grande", "Lo que envió supera el tamaño máximo permitido."),
    422: ("Revise los datos", ""),
    429: ("Demasiados intentos", "Espere unos minutos antes de volver a intentarlo."),
    500: ("Ocurrió un error", "Algo falló de nuestro lado. Vuelva a intentarlo en unos minutos."),
    503: ("Servicio no disponible", "La base de datos no responde en este momento. Vuelva a intentarlo en unos "
                                    "segundos."),
}


def error_page(status: int, detail: str | None = None, headers: dict | None = None):
    title, default = MESSAGES.get(status, MESSAGES[500])
    body = render_template("error.html", status=status, title=title, detail=detail or default,
                           signed_out=status == 401, path=request.full_path.rstrip("?"))
    return body, status, headers or {}


def register(bp: Blueprint) -> None:
    @bp.errorhandler(NotFound)
    def _missing(exc: NotFound):
        return error_page(404, str(exc))

    @bp.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden):
        return error_page(403, str(exc))

    @bp.errorhandler(Conflict)
    def _conflict(exc: Conflict):
        return error_page(409, str(exc))

    @bp.errorhandler(InvalidInput)
    def _invalid(exc: InvalidInput):
        return error_page(422, "; ".join(e.message for e in exc.errors))

    @bp.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return error_page(400, "El formulario venció o no trae su código de seguridad. Vuelva a cargar la "
                               "página y envíelo de nuevo.")

    @bp.errorhandler(ServiceUnavailable)
    @bp.errorhandler(SessionExpired)
    @bp.errorhandler(TransientError)
    def _neo4j_down(exc: Exception):
        log.warning("Neo4j unavailable: %s", exc)
        return error_page(503, headers={"Retry-After": "5"})

    @bp.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        headers = {}
        if status == 429:
            headers = {k: v for k, v in exc.get_headers() if k == "Retry-After"}
        return error_page(status, headers=headers)

    @bp.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return error_page(500)

    @bp.route("/<path:unknown>", methods=["GET", "POST"])
    @public
    def not_found(unknown: str):
        raise HttpNotFound()
