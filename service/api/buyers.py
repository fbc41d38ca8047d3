"""Buyers (large companies): upsert by RUT, read (a buyer key only its own) and list."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel

from graph_schema import buyers as repo
from matching.errors import Forbidden
from matching.records import BuyerRecord, Rut, normalize_buyer
from service.auth import BEARER, current_principal, require
from service.db import get_driver
from service.pagination import PageQuery, decode_cursor, page
from service.reference import get_catalog
from service.schemas import Buyer, BuyerPage

bp = APIBlueprint("buyers", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Compradores")],
                  abp_security=BEARER)


class BuyerPath(BaseModel):
    rut: Rut


@bp.post("/buyers", responses={200: Buyer, 201: Buyer}, summary="Crear o actualizar un comprador (por RUT)")
@require("admin", "advisor")
def create_buyer(body: BuyerRecord):
    values = normalize_buyer(body, get_catalog())
    buyer, created = repo.upsert_buyer(get_driver(), values, datetime.now(UTC).isoformat())
    return buyer, 201 if created else 200


@bp.get("/buyers/<rut>", responses={200: Buyer}, summary="Ver un comprador")
def get_buyer(path: BuyerPath):
    principal = current_principal()
    if principal.is_buyer and path.rut != principal.buyer_rut:
        raise Forbidden(f"Su llave de comprador solo permite ver al comprador {principal.buyer_rut}.")
    return repo.get_buyer(get_driver(), path.rut)


@bp.get("/buyers", responses={200: BuyerPage}, summary="Listar compradores")
@require("admin", "advisor")
def list_buyers(query: PageQuery):
    state = decode_cursor(query.cursor, "buyers")
    items = repo.list_buyers(get_driver(), after=state.get("after", ""), limit=query.limit + 1)
    last = items[query.limit - 1]["rut"] if len(items) > query.limit else None
    return page(items, query.limit, "buyers", {"after": last})
