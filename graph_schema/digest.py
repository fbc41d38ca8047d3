"""A stable digest of a graph: every node (labels, properties) and relationship (type, its endpoints'
natural keys, properties), canonically serialised and sorted, then SHA-256.

Two graphs with the same digest hold the same firms, relationships and properties, whatever the
internal ids or the order things were written in. Backups are checked with it, and the fault tests
compare an import interrupted by a dead Neo4j with a clean one.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, LiteralString

from neo4j import RoutingControl

from graph_schema.driver import Graph

# A relationship names its endpoints by their natural keys (RUT, CUT, code, pair key, id...).
NODES: LiteralString = """
MATCH (n) WHERE none(l IN labels(n) WHERE l IN $exclude)
RETURN labels(n) AS labels, properties(n) AS props
"""

RELATIONSHIPS: LiteralString = """
MATCH (a)-[r]->(b) WHERE none(l IN labels(a) + labels(b) WHERE l IN $exclude)
RETURN type(r) AS type, labels(a) AS a_labels, coalesce(toString(a.rut), a.cut, a.code, a.pair_key, a.id,
       toString(a.version), a.kind, a.hash) AS a_key, labels(b) AS b_labels,
       coalesce(toString(b.rut), b.cut, b.code, b.pair_key, b.id, toString(b.version), b.kind, b.hash) AS b_key,
       properties(r) AS props
"""


def _canonical(value: Any) -> Any:
    """JSON-ready: temporal and spatial values as their ISO text, lists element by element."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    iso = getattr(value, "iso_format", None)
    return iso() if callable(iso) else str(value)


def graph_digest(graph: Graph, *, exclude_labels: tuple[str, ...] = (),
                 exclude_properties: dict[str, tuple[str, ...]] | None = None) -> dict:
    """``{"digest", "nodes", "relationships"}`` of the graph without nodes carrying ``exclude_labels``
    (and their relationships) and without ``exclude_properties[label]`` on nodes of that label."""
    exclude_properties = exclude_properties or {}
    lines: list[str] = []
    records, _, _ = graph.execute_query(NODES, exclude=list(exclude_labels), routing_=RoutingControl.READ)
    for record in records:
        labels = sorted(record["labels"])
        dropped = {p for label in labels for p in exclude_properties.get(label, ())}
        props = {k: v for k, v in record["props"].items() if k not in dropped}
        lines.append(json.dumps(["node", labels, _canonical(props)], ensure_ascii=False, sort_keys=True))
    nodes = len(records)
    records, _, _ = graph.execute_query(RELATIONSHIPS, exclude=list(exclude_labels), routing_=RoutingControl.READ)
    for record in records:
        lines.append(json.dumps(["rel", record["type"], sorted(record["a_labels"]), record["a_key"],
                                 sorted(record["b_labels"]), record["b_key"], _canonical(record["props"])],
                                ensure_ascii=False, sort_keys=True))
    lines.sort()
    digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    return {"digest": digest, "nodes": nodes, "relationships": len(records)}
