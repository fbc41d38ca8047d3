"""The learning ranker: ``GET /api/v1/model`` (what is served) and ``POST /api/v1/model/train``."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from application.training import model_summary, train_and_store
from matching.explain import number
from matching.training import METRIC
from service.auth import BEARER, require
from service.db import get_driver
from service.ranking import forget_served_ranker, served_model_version, signing_key
from service.rate_limits import limited
from service.reference import get_catalog

bp = APIBlueprint("model", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Modelo")], abp_security=BEARER)


class ModelInfo(BaseModel):
    version: str
    kind: str = Field(description="prior (regla base con pesos documentados) o learned (entrenado).")
    features: list[str] | None = None
    training_size: int | None = None
    decisions: int | None = None
    created_at: str | None = None
    metrics: dict | None = Field(None, description="NDCG@10, MAP y recall@20 en decisiones recientes reservadas.")
    weights: dict | None = None
    promoted: bool | None = None
    served_by_this_worker: str
    history: list[dict]


class TrainResult(BaseModel):
    version: str
    promoted: bool
    training_size: int
    decisions: int
    holdout_needs: int
    cutoff: str
    metrics: dict
    served_version: str
    message: str


@bp.get("/model", responses={200: ModelInfo}, summary="Modelo de ranking en uso y entrenamientos recientes")
@require("admin", "advisor")
def get_model():
    return model_summary(get_driver(), served_model_version())


@bp.post("/model/train", responses={201: TrainResult},
         summary="Entrenar el ranking con las decisiones registradas (solo administradores)")
@require("admin")
@limited("training")
def post_train():
    report = train_and_store(get_driver(), get_catalog(), signing_key())
    forget_served_ranker()
    learned, base = report.metrics["learned"][METRIC], report.metrics["prior"][METRIC]
    verdict = "promovido: supera a la regla base" if report.promoted else \
        "no promovido: no supera a la regla base, que sigue en uso"
    message = (f"Modelo {report.ranker.version} entrenado con {number(report.training_size)} ejemplos "
               f"({number(report.decisions)} decisiones). NDCG@10 en decisiones recientes: "
               f"{number(learned or 0, 3)} frente a {number(base or 0, 3)} de la regla base; {verdict}.")
    return {
        "version": report.ranker.version, "promoted": report.promoted, "training_size": report.training_size,
        "decisions": report.decisions, "holdout_needs": report.holdout_needs, "cutoff": report.cutoff,
        "metrics": report.metrics, "served_version": served_model_version(), "message": message,
    }, 201
