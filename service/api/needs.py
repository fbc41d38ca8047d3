"""Needs: a buyer posts what it wants to buy; a buyer key sees and changes only its own needs."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from application import needs
from matching.needs import NeedPatch, NeedRecord, NeedStatus
from matching.records import Rut
from service.auth import BEARER, current_principal, require
from service.db import get_driver
from service.pagination import PageQuery, decode_time_cursor, time_page
from service.reference import get_catalog
from service.schemas import Need, NeedPage

bp = APIBlueprint("needs", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Necesidades")],
                  abp_security=BEARER)


class NeedPath(BaseModel):
    id: str = Field(max_length=64, description="Id de la necesidad, p. ej. need_3f2a9c0d1e4b.")


class NeedQuery(PageQuery):
    buyer: Rut | None = Field(None, description="RUT del comprador (una llave de comprador ve solo las suyas).")
    status: NeedStatus | None = None
    project: str | None = Field(None, max_length=64, description="Id del proyecto.")


@bp.post("/needs", responses={201: Need}, summary="Publicar una necesidad de compra")
@require("admin", "advisor", "buyer")
def create_need(body: NeedRecord):
    need = needs.post_need(get_driver(), get_catalog(), body, current_principal())
    return need, 201, {"Location": f"/api/v1/needs/{need['id']}"}


@bp.get("/needs/<id>", responses={200: Need}, summary="Ver una necesidad")
@require("admin", "advisor", "buyer")
def get_need(path: NeedPath):
    return needs.get_need(get_driver(), path.id, current_principal())


@bp.patch("/needs/<id>", responses={200: Need}, summary="Abrir o cerrar una necesidad")
@require("admin", "advisor", "buyer")
def patch_need(path: NeedPath, body: NeedPatch):
    return needs.set_status(get_driver(), path.id, body.status, current_principal())


@bp.get("/needs", responses={200: NeedPage}, summary="Listar necesidades (las más recientes primero)")
@require("admin", "advisor", "buyer")
def list_needs(query: NeedQuery):
    items = needs.list_needs(
        get_driver(), current_principal(), buyer=query.buyer, status=query.status, project=query.project,
        after=decode_time_cursor(query.cursor, "needs"), limit=query.limit + 1,
    )
    return time_page(items, query.limit, "needs")
