"""Versioned ranker artifacts in Neo4j, so every worker on every machine serves the same model.

``(:RankerModel {version, kind, created_at, features, training_size, decisions, metrics (JSON),
weights (JSON), cutoff, promoted, promoted_at, params (JSON), signature})``: ``params`` are the
fitted numbers (``matching.model_store``), ``signature`` their HMAC under a key kept outside Neo4j.
Written only by ``encadena train`` / ``POST /model/train`` (admins). At most one model has
``promoted = true``; without one, the prior is served.
"""

from __future__ import annotations

import json
from typing import LiteralString

from neo4j import ManagedTransaction, RoutingControl

from graph_schema.driver import Graph
from matching.errors import NotFound

DEMOTE_ALL: LiteralString = """
MATCH (m:RankerModel) WHERE m.promoted = true
SET m.promoted = false
"""

CREATE_MODEL: LiteralString = """
CREATE (m:RankerModel {
  version: $version, kind: $kind, created_at: datetime($created_at), features: $features,
  training_size: $training_size, decisions: $decisions, metrics: $metrics, weights: $weights, cutoff: $cutoff,
  promoted: $promoted, promoted_at: CASE WHEN $promoted THEN datetime($created_at) END, params: $params,
  signature: $signature
})
"""

PROMOTED_VERSION: LiteralString = """
MATCH (m:RankerModel) WHERE m.promoted = true
RETURN m.version AS version ORDER BY m.created_at DESC LIMIT 1
"""

LOAD_MODEL: LiteralString = """
MATCH (m:RankerModel {version: $version}) RETURN m.params AS params, m.signature AS signature, m.kind AS kind
"""

MODEL_PROJECTION: LiteralString = """
m {.version, .kind, .features, .training_size, .decisions, .metrics, .weights, .cutoff, .promoted,
   created_at: toString(m.created_at), promoted_at: toString(m.promoted_at)}
"""

LIST_MODELS: LiteralString = """
MATCH (m:RankerModel)
RETURN """ + MODEL_PROJECTION + """ AS model
ORDER BY m.created_at DESC LIMIT $limit
"""

GET_MODEL: LiteralString = "MATCH (m:RankerModel {version: $version}) RETURN " + MODEL_PROJECTION + " AS model"


def save_model(driver: Graph, *, version: str, kind: str, created_at: str, params_json: str, signature: str,
               features: list[str], training_size: int, decisions: int, metrics: dict, weights: dict,
               cutoff: str | None, promote: bool) -> None:
    """Store a trained model; when ``promote``, it replaces the served one in the same transaction."""
    params = {
        "version": version, "kind": kind, "created_at": created_at, "features": features,
        "training_size": training_size, "decisions": decisions, "metrics": json.dumps(metrics),
        "weights": json.dumps(weights), "cutoff": cutoff, "promoted": promote, "params": params_json,
        "signature": signature,
    }

    def work(tx: ManagedTransaction) -> None:
        if promote:
            tx.run(DEMOTE_ALL).consume()
        tx.run(CREATE_MODEL, **params).consume()

    with driver.session() as session:
        session.execute_write(work)


def promoted_version(driver: Graph) -> str | None:
    """The version every worker should serve (None: the prior). One index-backed lookup."""
    records, _, _ = driver.execute_query(PROMOTED_VERSION, routing_=RoutingControl.READ)
    return records[0]["version"] if records else None


def load_params(driver: Graph, version: str) -> tuple[str | None, str | None]:
    """``(params JSON, signature)`` stored under ``version`` (``matching.model_store`` checks them)."""
    records, _, _ = driver.execute_query(LOAD_MODEL, version=version, routing_=RoutingControl.READ)
    if not records:
        raise NotFound(f"No existe el modelo {version}.")
    return records[0]["params"], records[0]["signature"]


def _decode(model: dict) -> dict:
    out = dict(model)
    for key in ("metrics", "weights"):
        out[key] = json.loads(out[key]) if out.get(key) else None
    return out


def list_models(driver: Graph, limit: int = 10) -> list[dict]:
    """The latest models, newest first (without their blobs)."""
    records, _, _ = driver.execute_query(LIST_MODELS, limit=limit, routing_=RoutingControl.READ)
    return [_decode(r["model"]) for r in records]


def get_model(driver: Graph, version: str) -> dict | None:
    records, _, _ = driver.execute_query(GET_MODEL, version=version, routing_=RoutingControl.READ)
    return _decode(records[0]["model"]) if records else None
