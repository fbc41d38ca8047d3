"""Possible duplicate firms: scan the whole register for them, and resolve a pair (merge or distinct).

An import checks its own rows (``application.imports``); a scan compares every stored firm with
every other in its blocks (``matching.dedupe``) and records the pairs for advisors to review.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from application.access import Viewer
from graph_schema.driver import Graph
from graph_schema.duplicates import all_firm_names, known_pairs, record_candidates_tx
from graph_schema.duplicates import resolve as resolve_tx
from matching.dedupe import DUPLICATE_THRESHOLD, find_duplicates
from matching.errors import FieldError, InvalidInput

# Pairs recorded per transaction.
RECORD_BATCH = 1000


def scan(driver: Graph, *, threshold: float = DUPLICATE_THRESHOLD, now: str | None = None, dry_run: bool = False,
         on_progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Compare every firm with every other in its blocks; record new pairs. Returns counts and pairs."""
    now = now or datetime.now(UTC).isoformat()
    firms = all_firm_names(driver)
    step = (lambda done, total: on_progress("compare", done, total)) if on_progress else None
    matches = find_duplicates(firms, threshold=threshold, on_progress=step)
    if dry_run:
        known = known_pairs(driver, matches)
        recorded = [{"id": known.get(k, {}).get("id"), "pair_key": k, "status": known.get(k, {}).get("status", "open"),
                     "new": k not in known} for k in (f"{m.left}|{m.right}" for m in matches)]
    else:
        recorded = []
        for start in range(0, len(matches), RECORD_BATCH):
            with driver.session() as session:
                recorded += session.execute_write(record_candidates_tx, matches[start:start + RECORD_BATCH], now,
                                                  "scan")
            if on_progress:
                on_progress("record", min(start + RECORD_BATCH, len(matches)), len(matches))
    scores = {f"{m.left}|{m.right}": m.score for m in matches}
    return {
        "firms": len(firms),
        "pairs": len(matches),
        "new": sum(1 for r in recorded if r["new"]),
        "open": sum(1 for r in recorded if r["status"] == "open"),
        "decided": sum(1 for r in recorded if r["status"] != "open"),
        "candidates": [{**r, "score": scores[r["pair_key"]]} for r in recorded],
    }




def resolve(graph: Graph, candidate_id: str, *, action: str, keep: str | None, viewer: Viewer,
            note: str | None = None) -> dict:
    """Merge a pair into ``keep`` (default: the firm registered first) or mark it distinct."""
    if action == "distinct" and keep:
        raise InvalidInput(FieldError("keep", "«keep» solo se usa con action=merge."))
    return resolve_tx(graph, candidate_id, action=action, keep=keep, now=datetime.now(UTC).isoformat(),
                      actor=viewer.actor, note=note)
