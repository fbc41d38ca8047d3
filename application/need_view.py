"""Everything the need page shows, in one call: the need, its ranked candidates with their reasons and
cards (place, size, certifications with dates), the group offers when no single candidate covers its
volume, and the proposals made for it.

The candidates come from ``application.matching.match_need`` (once per page), so the page ranks and
explains exactly as ``GET /api/v1/needs/{id}/matches`` does, under the same viewer: a buyer reaches
only its own needs (``NotFound`` otherwise) and never a personal field.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from application.access import Viewer, for_viewer
from application.groups import group_offers
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

# The proposals and the group offers are read beside the match (created on first use, after
# gunicorn forks the worker).
_BESIDE = ThreadPoolExecutor(max_workers=2, thread_name_prefix="encadena-page")


def need_page(graph: Graph, catalog: Catalog, need_id: str, viewer: Viewer, *, ranker: Ranker,
              counts: PlannerCounts, limit: int = PAGE_CANDIDATES) -> dict:
    """``{"need", "matches", "candidates", "groups", "proposals", "problem"}`` for the need page.

    ``candidates`` are the ranked matches, each with its ``card`` and the ``proposal`` already made
    for it (or None); ``problem`` says why there are no matches when the need cannot be matched.
    ``groups`` is ``application.groups.group_offers`` for a need with a volume (None without one, or
    when its comuna is unknown); the page shows them only when no single candidate covers the volume.
    """
    need = get_need(graph, need_id, viewer)
    proposals = _BESIDE.submit(proposals_for_need, graph, need_id, viewer, status=None, after=None,
                               limit=PAGE_PROPOSALS)
    offers = None
    if need.get("volume"):
        offers = _BESIDE.submit(group_offers, graph, catalog, need_id, viewer=viewer, ranker=ranker, counts=counts)
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
    groups = None
    if offers is not None:
        try:
            groups = offers.result()
        except Conflict:
            groups = None  # the match above already says why (a need without a valid comuna)
    if groups:
        by_group = {_group_key(f["rut"] for f in p.get("firms") or []): p for p in made if p.get("kind") == "group"}
        for group in groups["groups"]:
            group["proposal"] = by_group.get(_group_key(m["rut"] for m in group["members"]))
    return {"need": need, "matches": matches, "candidates": candidates, "groups": groups, "proposals": made,
            "problem": problem}


def _group_key(ruts) -> str:
    return "|".join(sorted(ruts))
