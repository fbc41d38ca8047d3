"""The OpenAPI document tells the truth about errors: every answer the API can give is documented.

flask-openapi3 documents each operation's success model and a 422 as pydantic's error list. The
API answers every error as ``application/problem+json`` (``service.errors``), and which errors an
operation can give follows from how it is declared, so ``document_problems`` adds them from the
declarations rather than by hand per route:

- every operation: 400 (a malformed ``X-Encadena-Bookmarks`` header, a body that is not JSON),
  503 (Neo4j unreachable or a query over its time limit);
- an operation that names roles (``service.auth.require``): 401 (no key, or an unknown, revoked or
  expired one), 403 (a role the operation does not name, or an object the caller may not touch),
  429 (too many failed keys from one address, or the operation's own rate limit);
- an operation with path parameters: 404 (nothing with that id, or not the caller's);
- an operation with a body: 413 (over ``MAX_CONTENT_LENGTH``), 415 (not the declared media type);
- an operation that writes (POST, PUT, PATCH, DELETE): 409 (the state does not allow it: a
  decided proposal, a closed need, a clash of merged firms...);
- 422 for every operation with parameters or a body, as problem+json with one entry per field.

``tests/test_openapi_truth.py`` runs schemathesis over every operation for each role and fails on
any undocumented status, any body that does not match its documented schema, and any 5xx.
"""

from __future__ import annotations

import re
from typing import Any

from flask_openapi3 import OpenAPI

from service.auth import PUBLIC, declared_roles
from service.errors import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"

PROBLEM_SCHEMAS: dict[str, dict[str, Any]] = {
    "Problem": {
        "type": "object",
        "title": "Problem",
        "description": "Un error (RFC 9457), en castellano; `errors` dice qué campo y por qué.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "description": "URI del tipo de problema."},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string", "description": "Qué pasó y qué hacer, para personas."},
            "instance": {"type": ["string", "null"]},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ProblemField"}},
        },
        "additionalProperties": True,
    },
    "ProblemField": {
        "type": "object",
        "title": "ProblemField",
        "required": ["field", "message"],
        "properties": {
            "field": {"type": "string", "description": "El campo, con su posición (`certifications.0.code`)."},
            "message": {"type": "string", "description": "Por qué no es válido, en castellano."},
        },
        "additionalProperties": True,
    },
}

DESCRIPTIONS = {
    400: "Solicitud mal formada (cuerpo que no es JSON, encabezado X-Encadena-Bookmarks inválido).",
    401: "Falta la llave, o no es válida, fue revocada o venció.",
    403: "El rol de la llave no permite esta operación, o el objeto no es suyo.",
    404: "No existe, o no es visible para quien pregunta.",
    409: "El estado actual no lo permite (por ejemplo, una propuesta ya decidida).",
    413: "El cuerpo supera el tamaño máximo.",
    415: "Tipo de contenido no soportado.",
    422: "Datos inválidos: `errors` dice qué campo y por qué.",
    429: "Demasiadas solicitudes o demasiados intentos fallidos; vea Retry-After.",
    503: "La base de datos no responde o la consulta superó su tiempo; reintente.",
}
WRITES = {"post", "put", "patch", "delete"}
_PARAM = re.compile(r"<(?:[^<:>]+:)?([^<>]+)>")


def openapi_path(rule: str) -> str:
    """Flask's ``/needs/<need_id>`` as OpenAPI's ``/needs/{need_id}``."""
    return _PARAM.sub(r"{\1}", rule)


def _problem(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {"description": DESCRIPTIONS[status],
                                "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}}
    if status == 429:
        response["headers"] = {"Retry-After": {"description": "Segundos hasta poder reintentar.",
                                               "schema": {"type": "integer"}}}
    return response


def statuses(method: str, operation: dict, roles) -> set[int]:
    """The error statuses an operation can answer, from how it is declared (module docstring)."""
    found = {400, 503}
    if roles is not None and roles != PUBLIC:
        found |= {401, 403, 429}
    parameters = operation.get("parameters") or []
    if any(p.get("in") == "path" for p in parameters):
        found.add(404)
    if operation.get("requestBody"):
        found |= {413, 415}
    if method in WRITES:
        found.add(409)
    if parameters or operation.get("requestBody"):
        found.add(422)
    return found


def document_problems(spec: dict, app: OpenAPI) -> dict:
    """Add the problem+json answers to every operation of ``spec`` (in place) and return it."""
    views = {}
    for rule in app.url_map.iter_rules():
        for method in rule.methods or ():
            views[(openapi_path(rule.rule), method.lower())] = app.view_functions.get(rule.endpoint)
    spec.setdefault("components", {}).setdefault("schemas", {}).update(PROBLEM_SCHEMAS)
    spec["components"]["schemas"].pop("ValidationErrorModel", None)
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            roles = declared_roles(views.get((path, method)))
            responses.pop("422", None)
            for status in sorted(statuses(method, operation, roles)):
                responses.setdefault(str(status), _problem(status))
    return spec


class EncadenaOpenAPI(OpenAPI):
    """flask-openapi3's app, with ``document_problems`` applied to the generated document."""

    def generate_spec_json(self):
        super().generate_spec_json()
        document_problems(self.spec_json, self)
