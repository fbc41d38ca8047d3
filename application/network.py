"""The program's network: alliances (with their visibility) and advisory sessions.

Projects, centers and advisors are plain records that the blueprints write through the
repository; what carries a rule lives here so the pages apply the same one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from application.access import Viewer, for_viewer
from graph_schema import network as repo
from graph_schema.driver import Graph
from matching.errors import FieldError, Forbidden, InvalidInput


def register_alliance(graph: Graph, *, project_id: str | None, buyer_rut: str | None, firm_ruts: list[str],
                      origin: str, status: str, viewer: Viewer) -> dict:
    """A program alliance; without a buyer it needs at least two distinct firms."""
    firm_ruts = list(dict.fromkeys(firm_ruts))
    if buyer_rut is None and len(firm_ruts) < 2:
        raise InvalidInput(FieldError("firm_ruts",
                                      "Una alianza sin comprador necesita al menos dos empresas distintas."))
    values = {"project_id": project_id, "buyer_rut": buyer_rut, "firm_ruts": firm_ruts, "origin": origin,
              "status": status}
    return for_viewer(repo.create_alliance(graph, values, datetime.now(UTC).isoformat()), viewer)


def get_alliance(graph: Graph, alliance_id: str, viewer: Viewer) -> dict:
    """An alliance (``NotFound`` for a buyer that is not party to it)."""
    return for_viewer(repo.get_alliance(graph, alliance_id, buyer=viewer.buyer_scope), viewer)


def list_alliances(graph: Graph, viewer: Viewer, *, buyer: str | None = None, project: str | None = None,
                   firm: str | None = None, after: tuple[str, str] | None = None, limit: int = 50) -> list[dict]:
    """Alliances newest first; a buyer sees only those it is party to."""
    items = repo.list_alliances(graph, buyer=viewer.buyer_scope or buyer, project=project, firm=firm, after=after,
                                limit=limit)
    return for_viewer(items, viewer)


def record_sessions(graph: Graph, advisor_id: str, firm_rut: str, sessions: int, hours: float, viewer: Viewer) -> dict:
    """Add advisory sessions and hours; an advisor bound to an Advisor records only its own."""
    if viewer.advisor_id and viewer.advisor_id != advisor_id:
        raise Forbidden(f"Su cuenta es del asesor {viewer.advisor_id}; solo puede registrar sus propias sesiones.")
    return repo.add_sessions(graph, advisor_id, firm_rut, sessions, hours, datetime.now(UTC).isoformat(),
                             recorded_by=viewer.name or viewer.actor)


# Centers a page lists at most (the program has about 60).
CENTERS_LIMIT = 1000


def list_centers(graph: Graph) -> list[dict]:
    """Every center (id, name, kind, region), for the pages' filters."""
    return repo.list_centers(graph, after="", limit=CENTERS_LIMIT, kind=None, region=None)


def advisor_choices(graph: Graph, limit: int = 1000) -> list[dict]:
    """``{"id", "name", "center"}`` of every advisor (up to ``limit``), by name: what a form lets an admin pick."""
    return repo.advisor_choices(graph, limit)
