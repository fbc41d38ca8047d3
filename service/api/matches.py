"""Ranked, explained supplier candidates for a need: ``GET /api/v1/needs/{id}/matches``."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from application.matching import match_need
from matching.matcher import DEFAULT_LIMIT, MAX_LIMIT
from service.auth import BEARER, current_principal, require
from service.db import get_driver
from service.query_models import QueryModel
from service.ranking import current_ranker, planner_counts
from service.rate_limits import limited
from service.reference import get_catalog

bp = APIBlueprint("matches", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Coincidencias")],
                  abp_security=BEARER)


class NeedPath(BaseModel):
    need_id: str = Field(min_length=1, max_length=64, description="Id de la necesidad (need_...).")


class MatchQuery(QueryModel):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Cuántos candidatos (1 a {MAX_LIMIT}).")


class Reason(BaseModel):
    feature: str = Field(description="Nombre del factor (p. ej. proximity, cert_coverage).")
    value: float = Field(description="Valor del factor: km, cantidad, horas o un valor entre 0 y 1.")
    contribution: float = Field(description="Aporte al puntaje, respecto de score_baseline.")
    text: str = Field(description="La razón en una frase.")


class Candidate(BaseModel):
    rut: str
    name: str
    score: float = Field(description="score_baseline más la suma de los aportes de sus razones.")
    rank: int
    reasons: list[Reason]


class Shares(BaseModel):
    top: int = Field(description="Cuántos candidatos se devolvieron.")
    micro: float | None = Field(None, description="Proporción de microempresas entre ellos.")
    women_owned: float | None = Field(
        None, description="Proporción de empresas lideradas por mujeres (solo para asesores y administradores).")


class Matches(BaseModel):
    need_id: str
    model_version: str = Field(description="prior-v1 (regla base) o la versión del modelo entrenado.")
    score_baseline: float
    candidates: list[Candidate]
    candidates_considered: int = Field(description="Candidatos evaluados (como máximo 2.000, los más cercanos).")
    message: str | None = Field(None, description="Por qué la lista es corta o vacía y qué ampliar.")
    shares: Shares


@bp.get("/needs/<need_id>/matches", responses={200: Matches},
        summary="Proveedores candidatos para una necesidad, ordenados y explicados")
@require("admin", "advisor", "buyer")
@limited("matches")
def get_matches(path: NeedPath, query: MatchQuery):
    return match_need(get_driver(), get_catalog(), path.need_id, viewer=current_principal(), limit=query.limit,
                      ranker=current_ranker(), counts=planner_counts())
