"""Pair models of duplicate detection in the graph: versions, which one is promoted, signed JSON.

``(:PairModel {version, kind, created_at, params (JSON, matching.pair_model), signature, metrics (JSON),
promoted, promoted_at})``. At most one is promoted; without one, the documented prior scores pairs.
"""

from __future__ import annotations

import json
from typing import LiteralString

from neo4j import ManagedTransaction, RoutingControl

from graph_schema.driver import Graph

DEMOTE_ALL: LiteralString = "MATCH (m:PairModel) WHERE m.promoted = true SET m.promoted = false"

CREATE_MODEL: LiteralString = """
CREATE (m:PairModel {version: $version, kind: $kind, created_at: datetime($created_at), params: $params,
                     signature: $signature, metrics: $metrics, promoted: $promoted,
                     promoted_at: CASE WHEN $promoted THEN datetime($created_at) END})
"""

PROMOTED: LiteralString = """
MATCH (m:PairModel) WHERE m.promoted = true
RETURN m.version AS version, m.params AS params, m.signature AS signature ORDER BY m.created_at DESC LIMIT 1
"""

LIST_MODELS: LiteralString = """
MATCH (m:PairModel)
RETURN m {.version, .kind, .promoted, .metrics, created_at: toString(m.created_at)} AS model
ORDER BY m.created_at DESC LIMIT $limit
"""


def save_pair_model(driver: Graph, *, version: str, kind: str, created_at: str, params_json: str, signature: str,
                    metrics: dict, promote: bool) -> None:
    """Store a trained pair model; when ``promote``, it replaces the promoted one in the same transaction."""

    def work(tx: ManagedTransaction) -> None:
        if promote:
            tx.run(DEMOTE_ALL).consume()
        tx.run(CREATE_MODEL, version=version, kind=kind, created_at=created_at, params=params_json,
               signature=signature, metrics=json.dumps(metrics), promoted=promote).consume()

    with driver.session() as session:
        session.execute_write(work)


def promoted_pair_model(driver: Graph) -> dict | None:
    """``{"version", "params", "signature"}`` of the promoted pair model, or None."""
    records, _, _ = driver.execute_query(PROMOTED, routing_=RoutingControl.READ)
    return dict(records[0]) if records else None


def list_pair_models(driver: Graph, limit: int = 10) -> list[dict]:
    records, _, _ = driver.execute_query(LIST_MODELS, limit=limit, routing_=RoutingControl.READ)
    return [{**r["model"], "metrics": json.loads(r["model"]["metrics"] or "{}")} for r in records]
