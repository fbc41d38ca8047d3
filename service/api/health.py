"""Liveness and readiness probes. They report status and versions, never configuration."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag
from neo4j import RoutingControl
from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable, SessionExpired
from pydantic import BaseModel, Field

from graph_schema.migrate import all_migrations, applied_versions, latest_version
from service.auth import public
from service.db import get_driver
from service.errors import problem

bp = APIBlueprint("health", __name__, abp_tags=[Tag(name="Salud")])

NEO4J_VERSION = "CALL dbms.components() YIELD name, versions, edition RETURN versions[0] AS version, edition"


class Health(BaseModel):
    status: str = Field(description="ok: el proceso responde.")


class Neo4jInfo(BaseModel):
    version: str
    edition: str


class Ready(BaseModel):
    status: str = Field(description="ready: Neo4j responde y el esquema está al día.")
    neo4j: Neo4jInfo
    schema_version: int | None
    expected_schema_version: int
    model_version: str | None = Field(description="Versión del ordenamiento que sirve este proceso.")


@bp.get("/healthz", summary="El proceso responde", responses={200: Health})
@public
def healthz():
    return {"status": "ok"}


def _model_version() -> str | None:
    """The ranker version this worker serves (None until matching is installed)."""
    try:
        from service.ranking import served_model_version
    except ImportError:
        return None
    return served_model_version()


def _why(exc: Exception) -> str:
    """Why Neo4j is not usable, in words an operator acts on (never an address or a credential)."""
    if isinstance(exc, AuthError):
        return "rechazó el usuario o la contraseña configurados"
    if isinstance(exc, SessionExpired):
        return "cortó la conexión a mitad de una consulta"
    if isinstance(exc, ServiceUnavailable | OSError):
        return "no acepta conexiones (está detenida, reiniciándose o no se alcanza por la red)"
    if isinstance(exc, Neo4jError):
        return f"respondió con un error ({exc.code})"
    return f"el controlador falló ({type(exc).__name__})"


WARMING_REASONS = {
    "worker": "este proceso planifica las consultas y ordena una muestra de necesidades",
    "siblings": "otros procesos del servidor aún planifican las consultas y ordenan una muestra de necesidades",
    "page_cache": "Neo4j carga las empresas y sus relaciones en memoria",
}


def _warming(driver) -> str | None:
    """What is still warming after a restart: this worker, another worker of this server, Neo4j's page
    cache, or nothing."""
    from application.warmup import page_cache_state, siblings_warming
    from service.warmup import warm_state

    if warm_state() == "warming":
        return "worker"
    if siblings_warming():
        return "siblings"
    return "page_cache" if page_cache_state(driver) == "warming" else None


@bp.get("/readyz", summary="Neo4j alcanzable; versiones de Neo4j, del esquema y del modelo", responses={200: Ready})
@public
def readyz():
    try:
        driver = get_driver()
        driver.verify_connectivity()  # no retries: a probe reports the state now, in milliseconds
        records, _, _ = driver.execute_query(NEO4J_VERSION, routing_=RoutingControl.READ)
        applied = set(applied_versions(driver))
    except (DriverError, Neo4jError, OSError) as exc:
        reason = _why(exc)
        return problem(503, f"No se pudo conectar con Neo4j: {reason}.", headers={"Retry-After": "5"},
                       type_="base-de-datos-no-disponible",
                       extensions={"readiness": "unavailable", "neo4j": None, "reason": reason})
    # Ready when every migration this code knows is recorded; a graph migrated by newer code is fine.
    missing = [m.version for m in all_migrations() if m.version not in applied]
    warming = _warming(driver)
    if warming and not missing:
        reason = WARMING_REASONS[warming]
        return problem(503, f"Encadena se está preparando tras un reinicio: {reason}.", headers={"Retry-After": "5"},
                       type_="calentando", extensions={"readiness": "warming", "reason": reason,
                                                       "neo4j": {"version": records[0]["version"],
                                                                 "edition": records[0]["edition"]}})
    ready = not missing
    body: dict = {
        "status": "ready" if ready else "schema_outdated",
        "neo4j": {"version": records[0]["version"], "edition": records[0]["edition"]},
        "schema_version": max(applied) if applied else None,
        "expected_schema_version": latest_version(),
        "model_version": _model_version(),
    }
    if missing:
        body["missing_migrations"] = missing
    if not ready:
        # In a problem body "status" is the HTTP code (RFC 9457), so the readiness goes under its own name.
        details = {"readiness": body.pop("status"), **body}
        return problem(503, "El esquema del grafo no está al día; ejecute «encadena migrate».",
                       type_="esquema-desactualizado", extensions=details)
    return body
