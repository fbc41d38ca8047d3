"""The duplicate review queue for advisors: open pairs best first, filtered by comuna, region, center and
score (each option with how many pairs it leaves); one pair side by side with the evidence for and
against and the fields where the two records differ; the merges into a firm, and undoing one.

Resolving a pair (merge, choosing which values stay, or "distintas") is ``application.duplicates.resolve``,
the same call the API makes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from application.access import Viewer, for_viewer
from graph_schema import duplicate_review as repo
from graph_schema import firm_merges
from graph_schema.driver import Graph
from graph_schema.duplicates import get_candidate
from matching.errors import Forbidden
from matching.pair_model import split_evidence

# Score floors a reviewer may ask for (the queue's "score" filter).
SCORE_FLOORS: tuple[int, ...] = (90, 75, 50)
# Alliances, proposals and advisers shown per firm on a pair's page (the counts are complete).
SIDE_ITEMS = 5


@dataclass(frozen=True)
class QueueFilters:
    """What the reviewer narrowed the queue to; None means any."""

    region: str | None = None
    comuna: str | None = None
    center: str | None = None
    min_score: int | None = None

    def passes(self, pair: dict, without: str | None = None) -> bool:
        return ((without == "region" or self.region is None or self.region in pair["regions"])
                and (without == "comuna" or self.comuna is None or self.comuna in pair["comunas"])
                and (without == "center" or self.center is None or self.center in pair["centers"])
                and (without == "min_score" or self.min_score is None or pair["score"] >= self.min_score))


def _staff(viewer: Viewer) -> None:
    if viewer.is_buyer:
        raise Forbidden("La revisión de posibles duplicados es para asesores y administradores.")


def _facets(keys: list[dict], filters: QueueFilters) -> dict[str, dict]:
    """How many open pairs each option of each filter leaves, the other filters applied."""
    def count(name: str, values) -> dict:
        counter: Counter = Counter()
        for pair in keys:
            if filters.passes(pair, without=name):
                counter.update(set(values(pair)))
        return dict(counter)

    return {
        "region": count("region", lambda p: [r for r in p["regions"] if r]),
        "comuna": count("comuna", lambda p: [c for c in p["comunas"] if c]) if filters.region else {},
        "center": count("center", lambda p: p["centers"]),
        "min_score": count("min_score", lambda p: [str(f) for f in SCORE_FLOORS if p["score"] >= f]),
    }


def review_queue(graph: Graph, viewer: Viewer, filters: QueueFilters, *, offset: int = 0, limit: int = 25) -> dict:
    """``{"total", "items", "facets"}``: the open pairs that pass ``filters``, best first, one page of them."""
    _staff(viewer)
    keys = repo.open_pair_keys(graph)
    matched = [k for k in keys if filters.passes(k)]
    page = matched[offset:offset + limit]
    items = repo.pair_summaries(graph, [p["id"] for p in page])
    for item in items:
        item["evidence"] = split_evidence(item["evidence"] or [])
    return {"total": len(matched), "open": len(keys), "items": items, "facets": _facets(keys, filters)}


def neighbours(graph: Graph, filters: QueueFilters, pair_id: str) -> dict:
    """Where ``pair_id`` stands in the filtered queue: ``{"position", "total", "next", "previous"}``
    (``next`` is the pair to review after this one, also once this one is resolved)."""
    keys = repo.open_pair_keys(graph)
    total = sum(1 for k in keys if filters.passes(k))
    ids = [k["id"] for k in keys if filters.passes(k) or k["id"] == pair_id]
    if pair_id not in ids:
        return {"position": None, "total": total, "next": ids[0] if ids else None, "previous": None}
    at = ids.index(pair_id)
    return {"position": at + 1, "total": total, "next": ids[at + 1] if at + 1 < len(ids) else None,
            "previous": ids[at - 1] if at > 0 else None}


def _value(firm: dict, field: str):
    if field == "comuna":
        return (firm.get("comuna") or {}).get("cut")
    return firm.get(field)


def differences(sides: list[dict]) -> list[str]:
    """The fields (``firm_merges.MERGE_FIELDS``) both firms fill with different values: the choices of a merge.
    A field only one fills needs no choice: the merge keeps the filled value."""
    if len(sides) != 2:
        return []
    out = []
    for field in firm_merges.MERGE_FIELDS:
        left, right = _value(sides[0], field), _value(sides[1], field)
        if left not in (None, "", "unknown") and right not in (None, "", "unknown") and left != right:
            out.append(field)
    return out


def pair_view(graph: Graph, viewer: Viewer, pair_id: str) -> dict:
    """One pair for review: ``{"pair", "sides", "evidence", "differences"}`` (``NotFound`` when unknown)."""
    _staff(viewer)
    pair = get_candidate(graph, pair_id)
    sides = repo.pair_sides(graph, pair_id, SIDE_ITEMS)
    return for_viewer({"pair": pair, "sides": sides, "evidence": split_evidence(pair.get("evidence") or []),
                       "differences": differences(sides)}, viewer)


def merges_into(graph: Graph, viewer: Viewer, rut: str) -> list[dict]:
    """The merges into firm ``rut`` with who and when, each saying whether it can be undone and why not."""
    _staff(viewer)
    merges = firm_merges.merges_into(graph, rut)
    for merge in merges:
        if merge["undone_at"]:
            merge["undoable"], merge["reason"] = False, None
        else:
            check = firm_merges.undo_check(graph, merge["id"])
            merge["undoable"], merge["reason"] = check["undoable"], check["reason"]
    return merges


def undo_merge(graph: Graph, viewer: Viewer, merge_id: str) -> dict:
    """Undo a merge: both firms as they were, the pair open again; ``Conflict`` saying why not."""
    _staff(viewer)
    return firm_merges.undo(graph, merge_id, now=datetime.now(UTC).isoformat(), actor=viewer.actor,
                            actor_name=viewer.name)
