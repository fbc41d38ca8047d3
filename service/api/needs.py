"""Needs: a buyer posts what it wants to buy; a buyer key sees and changes only its own needs."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from graph_schema import needs as repo
from matching.errors import Forbidden
from matching.needs import NeedPatch, NeedRecord, NeedStatus, normalize_need
from matching.records import Rut
from service.auth import BEARER, current_principal
from service.db import get_driver
from service.pagination import PageQuery, decode_time_cursor, time_page
from service.reference import get_catalog
from service.schemas import Need, NeedPage
from service.visibility import buyer_scope

bp = APIBlueprint("needs", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Necesidades")],
                  abp_security=BEARER)


class NeedPath(BaseModel):
    id: str = Field(max_length=64, description="Id de la necesidad, p. ej. need_3f2a9c0d1e4b.")


class NeedQuery(PageQuery):
    buyer: Rut | None = Field(None, description="RUT del comprador (una llave de comprador ve solo las suyas).")
    status: NeedStatus | None = None
    project: str | None = Field(None, max_length=64, description="Id del proyecto.")


@bp.post("/needs", responses={201: Need}, summary="Publicar una necesidad de compra")
def create_need(body: NeedRecord):
    principal = current_principal()
    if principal.is_buyer and body.buyer_rut != principal.buyer_rut:
        raise Forbidden(f"Su llave de comprador solo permite publicar necesidades del comprador "
                        f"{principal.buyer_rut}; buyer_rut dice {body.buyer_rut}.")
    values = normalize_need(body, get_catalog())
    need = repo.create_need(get_driver(), values, datetime.now(UTC).isoformat())
    return need, 201, {"Location": f"/api/v1/needs/{need['id']}"}


@bp.get("/needs/<id>", responses={200: Need}, summary="Ver una necesidad")
def get_need(path: NeedPath):
    return repo.get_need(get_driver(), path.id, buyer=buyer_scope(current_principal()))


@bp.patch("/needs/<id>", responses={200: Need}, summary="Abrir o cerrar una necesidad")
def patch_need(path: NeedPath, body: NeedPatch):
    return repo.set_status(get_driver(), path.id, body.status, buyer=buyer_scope(current_principal()))


@bp.get("/needs", responses={200: NeedPage}, summary="Listar necesidades (las más recientes primero)")
def list_needs(query: NeedQuery):
    buyer = buyer_scope(current_principal()) or query.buyer
    items = repo.list_needs(
        get_driver(), buyer=buyer, status=query.status, project=query.project,
        after=decode_time_cursor(query.cursor, "needs"), limit=query.limit + 1,
    )
    return time_page(items, query.limit, "needs")
