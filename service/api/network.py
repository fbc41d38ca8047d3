"""The program's network: projects, alliances, centers, advisors and their advisory sessions.

Only advisors and admins create these. A buyer key reads projects and centers, and sees only the
alliances it is party to; advisors (names, emails) are for advisors and admins.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from application import network
from graph_schema import network as repo
from matching.errors import FieldError, InvalidInput
from matching.program import ProjectKind
from matching.records import ComunaRef, Rut
from service.auth import BEARER, current_principal, require
from service.db import get_driver
from service.pagination import PageQuery, decode_cursor, decode_time_cursor, page, time_page
from service.reference import get_catalog
from service.schemas import (
    Advised,
    Advisor,
    AdvisorPage,
    Alliance,
    AlliancePage,
    Center,
    CenterPage,
    Project,
    ProjectPage,
    StrictBody,
)

bp = APIBlueprint("network", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Programa")], abp_security=BEARER)

CenterKind = Literal["cdn", "cdn_cooperativas"]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class IdPath(BaseModel):
    id: str = Field(max_length=64)


class ProjectRecord(StrictBody):
    name: str = Field(min_length=3, max_length=200)
    kind: ProjectKind = Field(description="Tipo de proyecto de encadenamiento.")
    start_date: date
    end_date: date | None = Field(None, description="Fin previsto; no anterior al inicio.")
    region: str | int | None = Field(None, description="Región: código CUT (p. ej. 6) o nombre.")
    center_id: str | None = Field(None, max_length=64, description="Centro (CDN) que ejecuta el proyecto.")


class AllianceRecord(StrictBody):
    project_id: str = Field(max_length=64)
    buyer_rut: Rut | None = Field(None, description="Gran empresa compradora de la alianza, si la hay.")
    firm_ruts: list[Rut] = Field(min_length=1, max_length=200, description="Empresas de menor tamaño participantes.")
    origin: Literal["program"] = Field(
        "program", description="program: alianza del programa. Las de origen proposal nacen al aceptar una propuesta "
                               "(POST /api/v1/proposals/{id}/decision).",
    )
    status: Literal["active", "ended"] = "active"


class CenterRecord(StrictBody):
    name: str = Field(min_length=3, max_length=200)
    kind: CenterKind = Field(description="cdn: Centro de Desarrollo de Negocios; cdn_cooperativas: CDN Cooperativo.")
    comuna: ComunaRef


class AdvisorRecord(StrictBody):
    name: str = Field(min_length=2, max_length=200)
    email: str | None = Field(None, max_length=200, pattern=EMAIL_PATTERN)
    center_id: str = Field(max_length=64, description="Centro donde trabaja.")


class SessionsRecord(StrictBody):
    firm_rut: Rut
    sessions: int = Field(ge=1, le=10_000, description="Sesiones de asesoría a sumar.")
    hours: float = Field(ge=0, le=100_000, allow_inf_nan=False, description="Horas a sumar.")


class ProjectQuery(PageQuery):
    kind: ProjectKind | None = None
    center: str | None = Field(None, max_length=64, description="Id del centro.")
    region: str | None = Field(None, max_length=80, description="Código CUT de región o nombre.")


class AllianceQuery(PageQuery):
    project: str | None = Field(None, max_length=64, description="Id del proyecto.")
    buyer: Rut | None = Field(None, description="RUT del comprador (una llave de comprador ve solo las suyas).")
    firm: Rut | None = Field(None, description="RUT de una empresa participante.")


class CenterQuery(PageQuery):
    kind: CenterKind | None = None
    region: str | None = Field(None, max_length=80, description="Código CUT de región o nombre.")


class AdvisorQuery(PageQuery):
    center: str | None = Field(None, max_length=64, description="Id del centro.")


def _by_id(items: list[dict], limit: int, kind: str, state_key: str = "id") -> dict:
    last = items[limit - 1][state_key] if len(items) > limit else None
    return page(items, limit, kind, {"after": last})


def _region(value: str | int | None) -> str | None:
    return get_catalog().resolve_region(str(value)) if value is not None else None


# -- projects -------------------------------------------------------------------------------

@bp.post("/projects", responses={201: Project}, summary="Crear un proyecto de encadenamiento")
@require("admin", "advisor")
def create_project(body: ProjectRecord):
    if body.end_date and body.end_date < body.start_date:
        raise InvalidInput(FieldError(
            "end_date", f"El fin ({body.end_date}) es anterior al inicio ({body.start_date})."))
    values = {
        "name": body.name, "kind": body.kind, "start_date": body.start_date.isoformat(),
        "end_date": body.end_date.isoformat() if body.end_date else None, "region_cut": _region(body.region),
        "center_id": body.center_id,
    }
    return repo.create_project(get_driver(), values), 201


@bp.get("/projects/<id>", responses={200: Project}, summary="Ver un proyecto")
@require("admin", "advisor", "buyer")
def get_project(path: IdPath):
    return repo.get_project(get_driver(), path.id)


@bp.get("/projects", responses={200: ProjectPage}, summary="Listar proyectos")
@require("admin", "advisor", "buyer")
def list_projects(query: ProjectQuery):
    state = decode_cursor(query.cursor, "projects")
    items = repo.list_projects(get_driver(), after=state.get("after", ""), limit=query.limit + 1, kind=query.kind,
                               center=query.center, region=_region(query.region))
    return _by_id(items, query.limit, "projects")


# -- alliances ------------------------------------------------------------------------------

@bp.post("/alliances", responses={201: Alliance}, summary="Registrar una alianza del programa")
@require("admin", "advisor")
def create_alliance(body: AllianceRecord):
    alliance = network.register_alliance(
        get_driver(), project_id=body.project_id, buyer_rut=body.buyer_rut, firm_ruts=body.firm_ruts,
        origin=body.origin, status=body.status, viewer=current_principal())
    return alliance, 201


@bp.get("/alliances/<id>", responses={200: Alliance}, summary="Ver una alianza")
@require("admin", "advisor", "buyer")
def get_alliance(path: IdPath):
    return network.get_alliance(get_driver(), path.id, current_principal())


@bp.get("/alliances", responses={200: AlliancePage}, summary="Listar alianzas (las más recientes primero)")
@require("admin", "advisor", "buyer")
def list_alliances(query: AllianceQuery):
    items = network.list_alliances(
        get_driver(), current_principal(), buyer=query.buyer, project=query.project, firm=query.firm,
        after=decode_time_cursor(query.cursor, "alliances"), limit=query.limit + 1,
    )
    return time_page(items, query.limit, "alliances")


# -- centers --------------------------------------------------------------------------------

@bp.post("/centers", responses={201: Center}, summary="Crear un centro (CDN)")
@require("admin", "advisor")
def create_center(body: CenterRecord):
    comuna = get_catalog().resolve_comuna(body.comuna)
    values = {"name": body.name, "kind": body.kind, "comuna": comuna.cut, "region_cut": comuna.region_cut}
    return repo.create_center(get_driver(), values), 201


@bp.get("/centers/<id>", responses={200: Center}, summary="Ver un centro")
@require("admin", "advisor", "buyer")
def get_center(path: IdPath):
    return repo.get_center(get_driver(), path.id)


@bp.get("/centers", responses={200: CenterPage}, summary="Listar centros")
@require("admin", "advisor", "buyer")
def list_centers(query: CenterQuery):
    state = decode_cursor(query.cursor, "centers")
    items = repo.list_centers(get_driver(), after=state.get("after", ""), limit=query.limit + 1, kind=query.kind,
                              region=_region(query.region))
    return _by_id(items, query.limit, "centers")


# -- advisors -------------------------------------------------------------------------------

@bp.post("/advisors", responses={201: Advisor}, summary="Registrar un asesor")
@require("admin", "advisor")
def create_advisor(body: AdvisorRecord):
    return repo.create_advisor(get_driver(), body.model_dump()), 201


@bp.get("/advisors/<id>", responses={200: Advisor}, summary="Ver un asesor")
@require("admin", "advisor")
def get_advisor(path: IdPath):
    return repo.get_advisor(get_driver(), path.id)


@bp.get("/advisors", responses={200: AdvisorPage}, summary="Listar asesores")
@require("admin", "advisor")
def list_advisors(query: AdvisorQuery):
    state = decode_cursor(query.cursor, "advisors")
    items = repo.list_advisors(get_driver(), after=state.get("after", ""), limit=query.limit + 1, center=query.center)
    return _by_id(items, query.limit, "advisors")


@bp.post("/advisors/<id>/sessions", responses={200: Advised},
         summary="Sumar sesiones y horas de asesoría a una empresa")
@require("admin", "advisor")
def add_sessions(path: IdPath, body: SessionsRecord):
    return network.record_sessions(get_driver(), path.id, body.firm_rut, body.sessions, body.hours,
                                   current_principal())
