"""The learning ranker: ``GET /api/v1/model`` (what is served) and ``POST /api/v1/model/train``.

Training is a ``train`` job (202 and ``Location: /api/v1/jobs/<id>``) and at most one is queued or
running: asking again while one is answers that same job, so a client that timed out and retries
does not start a second training. Every worker serves a newly promoted model within
``MODEL_RECHECK_SECONDS``.
"""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from application.training import model_summary
from service.api.jobs import JobModel
from service.auth import BEARER, require
from service.db import get_driver
from service.jobs import start_job
from service.ranking import served_model_version
from service.rate_limits import limited

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


@bp.get("/model", responses={200: ModelInfo}, summary="Modelo de ranking en uso y entrenamientos recientes")
@require("admin", "advisor")
def get_model():
    return model_summary(get_driver(), served_model_version())


@bp.post("/model/train", responses={202: JobModel},
         summary="Entrenar el ranking con las decisiones registradas (un trabajo; solo administradores)")
@require("admin")
@limited("training")
def post_train():
    return start_job("train", {})
