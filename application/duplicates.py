"""Possible duplicate firms: scan the whole register for them, and resolve a pair (merge or distinct).

An import checks its own rows (``application.imports``); a scan compares every stored firm with
every other in its blocks (``matching.dedupe``) and records the pairs for advisors to review.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from application.access import Viewer
from graph_schema.driver import Graph
from graph_schema.duplicates import all_firm_names, decided_pairs, firm_name, known_pairs, record_candidates_tx
from graph_schema.duplicates import resolve as resolve_tx
from graph_schema.firm_merges import MERGE_FIELDS
from graph_schema.pair_models import promoted_pair_model, save_pair_model
from matching.catalog import Catalog
from matching.dedupe import DUPLICATE_THRESHOLD, find_duplicates
from matching.dedupe_training import LabeledPair, PairTrainingReport, register_of, train
from matching.errors import FieldError, InvalidInput
from matching.model_store import sign
from matching.pair_model import PairModel, prior_model

log = logging.getLogger(__name__)

# Pairs recorded per transaction.
RECORD_BATCH = 1000


def scan(driver: Graph, *, threshold: float = DUPLICATE_THRESHOLD, now: str | None = None, dry_run: bool = False,
         on_progress: Callable[[str, int, int], None] | None = None, model: PairModel | None = None,
         adjacency: Mapping[str, frozenset[str]] | None = None) -> dict:
    """Compare every firm with every other in its blocks; record new pairs. Returns counts and pairs.

    ``model`` scores pairs (the promoted pair model, ``serving_pair_model``; the prior when None);
    ``adjacency`` (the catalog's) lets neighbouring comunas count as evidence.
    """
    now = now or datetime.now(UTC).isoformat()
    firms = all_firm_names(driver)
    step = (lambda done, total: on_progress("compare", done, total)) if on_progress else None
    matches = find_duplicates(firms, threshold=threshold, on_progress=step, model=model, adjacency=adjacency)
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
            note: str | None = None, take: list[str] | None = None) -> dict:
    """Merge a pair into ``keep`` (default: the firm registered first), keeping the other firm's value of
    each field in ``take`` (``graph_schema.firm_merges.MERGE_FIELDS``), or mark it distinct. The merge
    keeps a snapshot of both firms, so it can be undone (``application.duplicate_review.undo_merge``)."""
    if action == "distinct" and (keep or take):
        raise InvalidInput(FieldError("keep" if keep else "take", "«keep» y «take» solo se usan con action=merge."))
    unknown = sorted(set(take or []) - set(MERGE_FIELDS))
    if unknown:
        raise InvalidInput(FieldError("take", f"Campos que no se eligen al fusionar: {', '.join(unknown)}; use "
                                              f"{', '.join(MERGE_FIELDS)}."))
    return resolve_tx(graph, candidate_id, action=action, keep=keep, now=datetime.now(UTC).isoformat(),
                      actor=viewer.actor, actor_name=viewer.name, note=note, take=list(take or []))


# -- the pair model: served, and learned from advisors' decisions -----------------------------------

def serving_pair_model(graph: Graph, signing_key: bytes) -> PairModel:
    """The promoted pair model, or the documented prior when none is promoted or it fails its signature."""
    stored = promoted_pair_model(graph)
    if stored is None:
        return prior_model()
    try:
        data = json.loads(stored["params"] or "")
        if not isinstance(data, dict) or not hmac.compare_digest(sign(data, signing_key), stored["signature"] or ""):
            raise ValueError("signature")
        return PairModel.from_dict(data)
    except (ValueError, KeyError, TypeError):
        log.exception("Pair model %s refused; the prior scores pairs", stored["version"])
        return prior_model()


def labeled_pairs(graph: Graph) -> list[LabeledPair]:
    """Every advisor decision on a pair, with the records as they were when decided, oldest first."""
    out = []
    for row in decided_pairs(graph):
        left, right = (firm_name(r) for r in row["records"])
        out.append(LabeledPair(left, right, bool(row["merged"]), float(row["decided"])))
    return out


def train_pair_model(graph: Graph, catalog: Catalog, signing_key: bytes,
                     now: datetime | None = None) -> PairTrainingReport:
    """Fit the pair model on advisors' merges and «distintas», evaluate it on the latest decisions and
    store it (promoted only when it beats the prior on them). ``Conflict`` when there are too few."""
    pairs = labeled_pairs(graph)
    register = register_of(all_firm_names(graph) + [p.left for p in pairs] + [p.right for p in pairs],
                           catalog.adjacency)
    report = train(pairs, register, now=now)
    data = report.model.to_dict()
    save_pair_model(graph, version=report.model.version, kind=report.model.kind, created_at=report.created_at,
                    params_json=json.dumps(data, ensure_ascii=False), signature=sign(data, signing_key),
                    metrics=report.metrics, promote=report.promoted)
    return report
