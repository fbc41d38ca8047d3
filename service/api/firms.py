"""Firms and cooperatives: upsert by RUT, read, patch and list with filters and search."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from application import firms
from matching.records import FirmPatch, FirmRecord, Rut
from matching.search import lucene_query
from matching.segments import SizeSegment
from service.auth import BEARER, current_principal, require
from service.db import get_driver
from service.pagination import PageQuery, decode_cursor, encode_cursor
from service.reference import get_catalog

bp = APIBlueprint("firms", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Empresas")], abp_security=BEARER)

class RutPath(BaseModel):
    rut: Rut


class FirmQuery(PageQuery):
    q: str | None = Field(None, max_length=200, description="Búsqueda por nombre o productos; tolera errores de tipeo.")
    sector: str | None = Field(None, max_length=10, description="Código CIIU (cualquier nivel).")
    comuna: str | None = Field(None, max_length=80, description="Código CUT o nombre.")
    region: str | None = Field(None, max_length=80, description="Código CUT de región o nombre.")
    certification: str | None = Field(None, max_length=60, description="Con esta certificación vigente.")
    size: SizeSegment | str | None = Field(
        None, max_length=20, description="Segmento SII (micro_1...) o clase (micro, pequena, mediana, grande)."
    )
    is_cooperative: bool | None = None


class Firm(BaseModel):
    rut: str
    name: str
    is_cooperative: bool
    sectors: list[dict]
    comuna: dict | None
    annual_sales_uf: float | None = None
    supply_capacity_uf: float | None = Field(None, description="Capacidad declarada de abastecer a un comprador "
                                                                "al año, en UF.")
    size_segment: str
    employees: int | None = None
    owner_gender: str | None = Field(None, description="Solo visible para asesores y administradores.")
    products: str | None = None
    certifications: list[dict]
    member_of: list[str]


class FirmPage(BaseModel):
    items: list[Firm]
    next_cursor: str | None


@bp.post("/firms", responses={200: Firm, 201: Firm}, summary="Crear o actualizar una empresa (por RUT)")
@require("admin", "advisor")
def create_firm(body: FirmRecord):
    firm, created = firms.register_firm(get_driver(), get_catalog(), body, current_principal())
    return firm, 201 if created else 200


@bp.get("/firms/<rut>", responses={200: Firm}, summary="Ver una empresa")
@require("admin", "advisor", "buyer")
def get_firm(path: RutPath):
    return firms.get_firm(get_driver(), path.rut, current_principal())


@bp.patch("/firms/<rut>", responses={200: Firm}, summary="Modificar campos de una empresa")
@require("admin", "advisor")
def patch_firm(path: RutPath, body: FirmPatch):
    return firms.change_firm(get_driver(), get_catalog(), path.rut, body, current_principal())


@bp.get("/firms", responses={200: FirmPage}, summary="Listar y buscar empresas")
@require("admin", "advisor", "buyer")
def list_firms(query: FirmQuery):
    filters = firms.FirmFilters(sector=query.sector, comuna=query.comuna, region=query.region,
                                certification=query.certification, size=query.size,
                                is_cooperative=query.is_cooperative)
    kind = "firms-search" if query.q and lucene_query(query.q) else "firms"
    state = decode_cursor(query.cursor, kind)
    items, more = firms.find_firms(get_driver(), get_catalog(), filters, current_principal(), q=query.q,
                                   limit=query.limit, after=str(state.get("after", "")),
                                   offset=int(state.get("offset", 0)))
    return {"items": items, "next_cursor": encode_cursor({"k": kind, **more}) if more else None}
