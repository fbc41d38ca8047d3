"""Everything the need page shows, in one call: the need, its ranked candidates with their reasons and
cards (place, size, certifications with dates), and the proposals made for it.

The candidates come from ``application.matching.match_need`` (once per page), so the page ranks and
explains exactly as ``GET /api/v1/needs/{id}/matches`` does, under the same viewer: a buyer reaches
only its own needs (``NotFound`` otherwise) and never a personal field.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from application.access import Viewer, for_viewer
from application.matching import match_need
from application.needs import get_need
from application.proposals import proposals_for_need
from graph_schema import firm_pages
from graph_schema.driver import Graph
from matching.candidates import PlannerCounts
from matching.catalog import Catalog
from matching.errors import Conflict
from matching.ranker import Ranker

# Candidates a need page shows, and proposals of one need it lists at most.
PAGE_CANDIDATES = 20
PAGE_PROPOSALS = 200

# The proposals are read beside the match (created on first use, after gunicorn forks the worker).
_BESIDE = ThreadPoolExecutor(max_workers=2, thread_name_prefix="encadena-page")


def need_page(graph: Graph, catalog: Catalog, need_id: str, viewer: Viewer, *, ranker: Ranker,
              counts: PlannerCounts, limit: int = PAGE_CANDIDATES) -> dict:
    """``{"need", "matches", "candidates", "proposals", "problem"}`` for the need page.

    ``candidates`` are the ranked matches, each with its ``card`` and the ``proposal`` already made
    for it (or None); ``problem`` says why there are no matches when the need cannot be matched.
    """
    need = get_need(graph, need_id, viewer)
    proposals = _BESIDE.submit(proposals_for_need, graph, need_id, viewer, status=None, after=None,
                               limit=PAGE_PROPOSALS)
    matches, problem = None, None
    try:
        matches = match_need(graph, catalog, need_id, viewer=viewer, limit=limit, ranker=ranker, counts=counts)
    except Conflict as exc:
        problem = str(exc)
    ranked = matches["candidates"] if matches else []
    cards = for_viewer(firm_pages.firm_cards(graph, [c["rut"] for c in ranked]), viewer)
    made = proposals.result()
    by_firm = {p["firm"]["rut"]: p for p in made if p.get("firm")}
    candidates = [{**c, "card": cards.get(c["rut"]), "proposal": by_firm.get(c["rut"])} for c in ranked]
    return {"need": need, "matches": matches, "candidates": candidates, "proposals": made, "problem": problem}
