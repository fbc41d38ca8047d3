"""Trained rankers as data, never as code: the fitted numbers in JSON, signed with an HMAC.

The learned ranker is ``StandardScaler -> LogisticRegression`` over ``FEATURES``; what it needs to
score is a handful of arrays. They are stored as JSON (no pickle: loading a pickle runs whatever
code it names, so anyone able to write to Neo4j could run code in every web worker), and signed
with a key that lives outside Neo4j (``SECRET_KEY``). A model whose signature does not match, or
whose shape is wrong, is refused: the caller serves the prior instead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from matching.features import FEATURES
from matching.ranker import learned_pipeline

FORMAT = "encadena-linear-v1"


class TamperedModel(ValueError):
    """A stored model whose signature or shape is not what Encadena wrote."""


def canonical(data: dict) -> bytes:
    """The bytes that are signed: sorted keys, no spaces, floats as Python prints them (round-trip exact)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")


def sign(data: dict, key: bytes) -> str:
    return hmac.new(key, canonical(data), hashlib.sha256).hexdigest()


def pipeline_to_data(estimator: Pipeline) -> dict[str, Any]:
    """The fitted numbers of the learned pipeline, as plain JSON-ready data."""
    scaler, model = estimator.named_steps["scale"], estimator.named_steps["model"]
    return {
        "format": FORMAT,
        "features": list(FEATURES),
        "mean": [float(v) for v in scaler.mean_],
        "scale": [float(v) for v in scaler.scale_],
        "coef": [float(v) for v in np.ravel(model.coef_)],
        "intercept": float(np.ravel(model.intercept_)[0]),
        "classes": [int(v) for v in model.classes_],
    }


def pipeline_from_data(data: dict[str, Any]) -> Pipeline:
    """The learned pipeline back from ``pipeline_to_data``'s output; ``TamperedModel`` when it does not fit."""
    n = len(FEATURES)
    try:
        if data.get("format") != FORMAT or list(data["features"]) != list(FEATURES):
            raise TamperedModel("el modelo no corresponde a los factores de esta versión")
        mean = np.asarray(data["mean"], dtype=float)
        scale = np.asarray(data["scale"], dtype=float)
        coef = np.asarray(data["coef"], dtype=float)
        intercept = float(data["intercept"])
        classes = np.asarray(data["classes"], dtype=int)
    except (KeyError, TypeError, ValueError) as exc:
        raise TamperedModel(f"el modelo guardado está incompleto ({exc})") from exc
    if mean.shape != (n,) or scale.shape != (n,) or coef.shape != (n,) or not (
            np.isfinite(mean).all() and np.isfinite(scale).all() and (scale > 0).all() and np.isfinite(coef).all()
            and np.isfinite(intercept)) or classes.tolist() != [0, 1]:
        raise TamperedModel("el modelo guardado tiene una forma inválida")
    pipeline = learned_pipeline()
    scaler, model = pipeline.named_steps["scale"], pipeline.named_steps["model"]
    scaler.mean_, scaler.scale_, scaler.var_ = mean, scale, scale ** 2
    scaler.n_features_in_, scaler.n_samples_seen_ = n, 0
    model.coef_, model.intercept_, model.classes_ = coef.reshape(1, n), np.array([intercept]), classes
    model.n_features_in_ = n
    return pipeline


def verified_pipeline(data_json: str | None, signature: str | None, key: bytes) -> Pipeline:
    """The pipeline stored as ``data_json`` when ``signature`` is its HMAC under ``key``; else ``TamperedModel``."""
    if not data_json or not signature:
        raise TamperedModel("el modelo no tiene datos firmados (se guardó con una versión anterior)")
    try:
        data = json.loads(data_json)
    except ValueError as exc:
        raise TamperedModel("los datos del modelo no son JSON") from exc
    if not isinstance(data, dict) or not hmac.compare_digest(sign(data, key), signature):
        raise TamperedModel("la firma del modelo no corresponde: fue modificado fuera de Encadena")
    return pipeline_from_data(data)
