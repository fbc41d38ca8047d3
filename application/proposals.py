"""Record a proposal (an advisor proposes a firm for a need) and the buyer's decision on it.

An accepted proposal becomes an alliance (``graph_schema.proposals.decide``, one transaction);
decisions are the ranker's training labels.
"""

from __future__ import annotations

from datetime import UTC, datetime

from application.access import Viewer, for_viewer
from graph_schema import proposals as repo
from graph_schema.driver import Graph
from matching.errors import Forbidden


def _now() -> str:
    return datetime.now(UTC).isoformat()


def propose(graph: Graph, need_id: str, values: dict, viewer: Viewer) -> dict:
    """Propose a firm (``values``: rut, note, and optionally advisor_id, score, rank, model_version).

    A viewer bound to an advisor proposes as that advisor and never on another's behalf.
    """
    values = {**values, "created_by": viewer.actor, "created_by_name": viewer.name}
    if viewer.advisor_id:
        if values.get("advisor_id") and values["advisor_id"] != viewer.advisor_id:
            raise Forbidden(f"Su cuenta es del asesor {viewer.advisor_id}; no puede proponer a nombre de otro.")
        values["advisor_id"] = viewer.advisor_id
    return repo.create_proposal(graph, need_id, values, _now())


def decide(graph: Graph, proposal_id: str, decision: str, reason: str | None, viewer: Viewer) -> dict:
    """Accept or reject a proposal (the need's buyer, or an admin); ``{"proposal", "alliance"}``."""
    result = repo.decide(graph, proposal_id, decision, reason, _now(), buyer=viewer.buyer_scope, by=viewer.actor,
                         by_name=viewer.name)
    return for_viewer(result, viewer)


def get_proposal(graph: Graph, proposal_id: str, viewer: Viewer) -> dict:
    return for_viewer(repo.get_proposal(graph, proposal_id, buyer=viewer.buyer_scope), viewer)


def proposals_for_need(graph: Graph, need_id: str, viewer: Viewer, *, status: str | None,
                       after: tuple[str, str] | None, limit: int) -> list[dict]:
    items = repo.list_for_need(graph, need_id, buyer=viewer.buyer_scope, status=status, after=after, limit=limit)
    return for_viewer(items, viewer)
