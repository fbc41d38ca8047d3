"""Post, read, list and open or close buyers' needs; a buyer reaches only its own (and the lists the pages show)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from application.access import Viewer
from graph_schema import need_lists as lists
from graph_schema import needs as repo
from graph_schema.driver import Graph
from matching.candidates import TIER_OWN, PlannerCounts, search_area
from matching.catalog import Catalog
from matching.errors import Forbidden
from matching.needs import NeedRecord, chile_today, normalize_need


def post_need(graph: Graph, catalog: Catalog, record: NeedRecord, viewer: Viewer) -> dict:
    """Publish a need; a buyer may post only for the buyer it is bound to."""
    if viewer.is_buyer and record.buyer_rut != viewer.buyer_rut:
        raise Forbidden(f"Su cuenta de comprador solo permite publicar necesidades del comprador "
                        f"{viewer.buyer_rut}; buyer_rut dice {record.buyer_rut}.")
    values = {**normalize_need(record, catalog), "posted_by": viewer.actor, "posted_by_name": viewer.name}
    return repo.create_need(graph, values, datetime.now(UTC).isoformat())


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


# -- what the pages list ------------------------------------------------------------------------

# Needs and pending proposals a buyer's home page lists at most.
MY_NEEDS_LIMIT = 100
PENDING_LIMIT = 50

# The counting queries of the open needs run beside the list (created on first use, after the fork).
_COUNTING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="encadena-need-facets")


def estimated_suppliers(catalog: Catalog, need: dict, counts: PlannerCounts) -> int:
    """Firms (not large) of the need's own classes within its radius, from the cached planner counts:
    what a buyer's list shows beside each need without running its match (certifications not applied)."""
    comuna = (need.get("comuna") or {}).get("cut")
    if comuna not in catalog.comunas:
        return 0
    area = search_area(catalog, comuna, float(need.get("radius_km") or 0), need.get("sectors") or [])
    class_comuna = counts[0]
    own = [code for code, tier in area.tiers.items() if tier == TIER_OWN]
    return sum(class_comuna.get(code, {}).get(cut, 0) for code in own for cut in area.cuts)


def buyer_home(graph: Graph, catalog: Catalog, viewer: Viewer, counts: PlannerCounts) -> dict:
    """A buyer's needs (open first, with proposals by status and the suppliers of their sector nearby)
    and the proposals waiting for its decision."""
    if not viewer.buyer_rut:
        raise Forbidden("Esta página es para cuentas de comprador.")
    needs = lists.my_needs(graph, viewer.buyer_rut, MY_NEEDS_LIMIT)
    for need in needs:
        need["suppliers_nearby"] = estimated_suppliers(catalog, need, counts) if need["status"] == "open" else None
    return {"needs": needs, "pending": lists.pending_for_buyer(graph, viewer.buyer_rut, PENDING_LIMIT)}


def open_needs(graph: Graph, viewer: Viewer, filters: dict, *, offset: int, limit: int) -> dict:
    """Open needs that pass ``filters`` (region CUT, center id, ISIC division, deadline bucket, proposed:
    bool; None for any), soonest deadline first, and how many needs each option of each filter leaves.
    Program staff only: a buyer sees no other buyer's needs."""
    if viewer.is_buyer:
        raise Forbidden("La lista de necesidades abiertas es para asesores y administradores.")
    today = chile_today().isoformat()
    futures = {facet: _COUNTING.submit(lists.facet_counts, graph, facet, filters, today) for facet in lists.NeedFacet}
    items, total = lists.open_needs(graph, filters, today, offset, limit)
    return {"items": items, "total": total, "facets": {facet.value: f.result() for facet, f in futures.items()}}
