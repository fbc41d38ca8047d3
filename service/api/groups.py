"""Group supply for a need: ``GET /api/v1/needs/{id}/groups`` (a cooperative, or nearby firms together)."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from application.groups import MAX_GROUP_SIZE, group_offers
from matching.groups import DEFAULT_LIMIT, DEFAULT_MAX_SIZE
from service.auth import BEARER, current_principal, require
from service.db import get_driver
from service.query_models import QueryModel
from service.ranking import current_ranker, planner_counts
from service.rate_limits import limited
from service.reference import get_catalog

bp = APIBlueprint("groups", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Ofertas conjuntas")],
                  abp_security=BEARER)


class NeedPath(BaseModel):
    need_id: str = Field(min_length=1, max_length=64, description="Id de la necesidad (need_...).")


class GroupQuery(QueryModel):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=10, description="Cuántas ofertas conjuntas (1 a 10).")
    max_size: int = Field(DEFAULT_MAX_SIZE, ge=2, le=MAX_GROUP_SIZE,
                          description=f"Empresas por grupo como máximo (2 a {MAX_GROUP_SIZE}).")


class GroupMember(BaseModel):
    rut: str
    name: str
    capacity_uf: float = Field(description="Lo que puede abastecer al año (declarado o estimado de sus ventas).")
    share_uf: float = Field(description="Su parte del volumen, proporcional a su capacidad.")
    km_to_buyer: float
    is_cooperative: bool
    comuna: str | None = None


class Group(BaseModel):
    members: list[GroupMember]
    volume_uf: float
    capacity_uf: float
    coverage: float
    coverage_percent: float
    spread_km: float = Field(description="La mayor distancia entre dos integrantes (centros de comuna).")
    mean_km_to_buyer: float
    existing_cooperative: bool
    cooperative_rut: str | None = None
    allied_pairs: int = Field(description="Pares de integrantes que ya trabajaron juntos en una alianza.")
    score: float
    terms: dict[str, float] = Field(description="Aporte de cada término al puntaje del grupo.")
    method: str = Field(description="exact (programa entero) o heuristic (búsqueda local).")
    reasons: list[str]


class Groups(BaseModel):
    need_id: str
    volume_uf: float | None
    max_size: int
    status: str = Field(description="found, no_volume, no_eligible_firms, pool_below_volume, needs_more_members o "
                                    "no_valid_group.")
    groups: list[Group]
    single_covers: bool = Field(description="Una sola empresa elegible cubre el volumen (vea las coincidencias).")
    pool: int = Field(description="Empresas con capacidad conocida consideradas.")
    pool_coverage: float | None = None
    message: str | None = None
    elapsed_ms: float | None = None


@bp.get("/needs/<need_id>/groups", responses={200: Groups},
        summary="Ofertas conjuntas: grupos de empresas cercanas (o una cooperativa) que cubren el volumen")
@require("admin", "advisor", "buyer")
@limited("matches")
def get_groups(path: NeedPath, query: GroupQuery):
    return group_offers(get_driver(), get_catalog(), path.need_id, viewer=current_principal(), ranker=current_ranker(),
                        counts=planner_counts(), limit=query.limit, max_size=query.max_size)
