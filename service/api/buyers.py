"""Buyers (large companies): upsert by RUT, read (a buyer key only its own) and list."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel

from application import buyers
from matching.records import BuyerRecord, Rut
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
    buyer, created = buyers.register_buyer(get_driver(), get_catalog(), body)
    return buyer, 201 if created else 200


@bp.get("/buyers/<rut>", responses={200: Buyer}, summary="Ver un comprador")
@require("admin", "advisor", "buyer")
def get_buyer(path: BuyerPath):
    return buyers.get_buyer(get_driver(), path.rut, current_principal())


@bp.get("/buyers", responses={200: BuyerPage}, summary="Listar compradores")
@require("admin", "advisor")
def list_buyers(query: PageQuery):
    state = decode_cursor(query.cursor, "buyers")
    items = buyers.list_buyers(get_driver(), after=state.get("after", ""), limit=query.limit + 1)
    last = items[query.limit - 1]["rut"] if len(items) > query.limit else None
    return page(items, query.limit, "buyers", {"after": last})
