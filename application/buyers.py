"""Register and read buyers (large companies); a buyer reaches only itself."""

from __future__ import annotations

from datetime import UTC, datetime

from application.access import Viewer
from graph_schema import buyers as repo
from graph_schema.driver import Graph
from matching.catalog import Catalog
from matching.errors import Forbidden
from matching.records import BuyerRecord, normalize_buyer


def register_buyer(graph: Graph, catalog: Catalog, record: BuyerRecord) -> tuple[dict, bool]:
    """Create or replace a buyer by RUT; ``(buyer, created)``."""
    return repo.upsert_buyer(graph, normalize_buyer(record, catalog), datetime.now(UTC).isoformat())


def get_buyer(graph: Graph, rut: str, viewer: Viewer) -> dict:
    if viewer.is_buyer and rut != viewer.buyer_rut:
        raise Forbidden(f"Su cuenta de comprador solo permite ver al comprador {viewer.buyer_rut}.")
    return repo.get_buyer(graph, rut)


def list_buyers(graph: Graph, *, after: str, limit: int) -> list[dict]:
    return repo.list_buyers(graph, after=after, limit=limit)


def buyer_choices(graph: Graph, limit: int = 500) -> list[dict]:
    """``{"rut", "name"}`` of every buyer (up to ``limit``), by name: what a form lets staff pick."""
    return repo.buyer_choices(graph, limit)
