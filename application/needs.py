"""Post, read, list and open or close buyers' needs; a buyer reaches only its own."""

from __future__ import annotations

from datetime import UTC, datetime

from application.access import Viewer
from graph_schema import needs as repo
from graph_schema.driver import Graph
from matching.catalog import Catalog
from matching.errors import Forbidden
from matching.needs import NeedRecord, normalize_need


def post_need(graph: Graph, catalog: Catalog, record: NeedRecord, viewer: Viewer) -> dict:
    """Publish a need; a buyer may post only for the buyer it is bound to."""
    if viewer.is_buyer and record.buyer_rut != viewer.buyer_rut:
        raise Forbidden(f"Su cuenta de comprador solo permite publicar necesidades del comprador "
                        f"{viewer.buyer_rut}; buyer_rut dice {record.buyer_rut}.")
    return repo.create_need(graph, normalize_need(record, catalog), datetime.now(UTC).isoformat())


def get_need(graph: Graph, need_id: str, viewer: Viewer) -> dict:
    """A need (``NotFound`` for another buyer's, as for a missing one)."""
    return repo.get_need(graph, need_id, buyer=viewer.buyer_scope)


def set_status(graph: Graph, need_id: str, status: str, viewer: Viewer) -> dict:
    return repo.set_status(graph, need_id, status, buyer=viewer.buyer_scope)


def list_needs(graph: Graph, viewer: Viewer, *, buyer: str | None = None, status: str | None = None,
               project: str | None = None, after: tuple[str, str] | None = None, limit: int = 50) -> list[dict]:
    """Needs newest first (``limit`` of them); a buyer sees only its own whatever ``buyer`` says."""
    return repo.list_needs(graph, buyer=viewer.buyer_scope or buyer, status=status, project=project, after=after,
                           limit=limit)
