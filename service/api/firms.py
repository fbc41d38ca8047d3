"""Firms and cooperatives: upsert by RUT, read, patch and list with filters and search."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from graph_schema import firms as repo
from matching.records import FirmPatch, FirmRecord, Rut, normalize_firm
from matching.search import lucene_query, rerank
from matching.segments import SIZE_CLASSES, SizeSegment
from service.auth import BEARER, Principal, current_principal, require
from service.db import get_driver
from service.pagination import PageQuery, decode_cursor, page
from service.reference import get_catalog

bp = APIBlueprint("firms", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Empresas")], abp_security=BEARER)

PERSONAL_FIELDS = ("owner_gender", "phone", "email")
# How many full-text hits a search re-ranks; pages of a search come from this set.
SEARCH_RECALL = 500


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
    size_segment: str
    employees: int | None = None
    owner_gender: str | None = Field(None, description="Solo visible para asesores y administradores.")
    products: str | None = None
    certifications: list[dict]
    member_of: list[str]


class FirmPage(BaseModel):
    items: list[Firm]
    next_cursor: str | None


def visible(firm: dict, principal: Principal) -> dict:
    """Drop personal fields (owner gender, contact) unless the caller is an advisor or admin."""
    if principal.sees_personal_data:
        return firm
    return {k: v for k, v in firm.items() if k not in PERSONAL_FIELDS}


def _now() -> str:
    return datetime.now(UTC).isoformat()


@bp.post("/firms", responses={200: Firm, 201: Firm}, summary="Crear o actualizar una empresa (por RUT)")
@require("admin", "advisor")
def create_firm(body: FirmRecord):
    values = normalize_firm(body, get_catalog())
    firm, created = repo.upsert_firm(get_driver(), values, _now())
    return visible(firm, current_principal()), 201 if created else 200


@bp.get("/firms/<rut>", responses={200: Firm}, summary="Ver una empresa")
def get_firm(path: RutPath):
    return visible(repo.get_firm(get_driver(), path.rut), current_principal())


@bp.patch("/firms/<rut>", responses={200: Firm}, summary="Modificar campos de una empresa")
@require("admin", "advisor")
def patch_firm(path: RutPath, body: FirmPatch):
    values = normalize_firm(body, get_catalog())
    return visible(repo.patch_firm(get_driver(), path.rut, values, _now()), current_principal())


def _filters(query: FirmQuery) -> dict:
    catalog = get_catalog()
    sizes = None
    if query.size:
        sizes = list(SIZE_CLASSES.get(query.size, (query.size,)))
        known = {s for members in SIZE_CLASSES.values() for s in members}
        if not set(sizes) <= known:
            from matching.errors import FieldError, InvalidInput

            raise InvalidInput(FieldError(
                "size", f"Tamaño desconocido «{query.size}»; use micro, pequena, mediana, grande o un segmento SII "
                        "como micro_1."))
    return {
        "sizes": sizes,
        "cooperative": query.is_cooperative,
        "comuna": catalog.resolve_comuna(query.comuna).cut if query.comuna else None,
        "region": catalog.resolve_region(query.region) if query.region else None,
        "sector": catalog.resolve_sector(query.sector, "sector").code if query.sector else None,
        "certification": catalog.resolve_certification(query.certification, "certification")
        if query.certification else None,
    }


@bp.get("/firms", responses={200: FirmPage}, summary="Listar y buscar empresas")
def list_firms(query: FirmQuery):
    principal = current_principal()
    filters = _filters(query)
    driver = get_driver()
    if query.q and (lucene := lucene_query(query.q)):
        state = decode_cursor(query.cursor, "firms-search")
        offset = int(state.get("offset", 0))
        ranked = rerank(query.q, repo.search_firms(driver, lucene=lucene, recall=SEARCH_RECALL, filters=filters))
        items = [visible(f, principal) for f in ranked[offset: offset + query.limit + 1]]
        return page(items, query.limit, "firms-search", {"offset": offset + query.limit})
    state = decode_cursor(query.cursor, "firms")
    items = repo.list_firms(driver, after=state.get("after", ""), limit=query.limit + 1, filters=filters)
    items = [visible(f, principal) for f in items]
    last = items[query.limit - 1]["rut"] if len(items) > query.limit else None
    return page(items, query.limit, "firms", {"after": last})
