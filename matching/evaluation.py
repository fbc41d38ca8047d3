"""Offline ranking metrics per need (NDCG@10, MAP, recall@20) and the rankers they compare.

A held-out need is ranked over its whole candidate set, as ``GET /needs/{id}/matches`` would
show it; the firms the buyer accepted (or allied with) are relevant, every other candidate is
not. Metrics are averaged over needs with at least one relevant firm.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matching.features import FeatureTable, NeedContext


NDCG_K = 10
RECALL_K = 20

# Sector-only baseline: same sector first (tier), then nearest; tiers dwarf any distance in km.
_TIER_WEIGHT_KM = 100_000.0


def dcg(relevance: Sequence[float], k: int) -> float:
    rel = np.asarray(relevance, dtype=float)[:k]
    if rel.size == 0:
        return 0.0
    return float(np.sum((2.0 ** rel - 1.0) / np.log2(np.arange(2, rel.size + 2))))


def ndcg_at_k(relevance: Sequence[float], k: int = NDCG_K) -> float:
    """NDCG@k of relevance labels listed in ranked order (1.0 = ideal; 0.0 when nothing is relevant)."""
    ideal = dcg(sorted(relevance, reverse=True), k)
    return dcg(relevance, k) / ideal if ideal > 0 else 0.0


def average_precision(relevance: Sequence[float]) -> float:
    """Mean of precision at each relevant position (labels in ranked order)."""
    rel = np.asarray(relevance, dtype=float) > 0
    if not rel.any():
        return 0.0
    hits = np.cumsum(rel)
    return float(np.mean(hits[rel] / (np.flatnonzero(rel) + 1)))


def recall_at_k(relevance: Sequence[float], k: int = RECALL_K) -> float:
    rel = np.asarray(relevance, dtype=float) > 0
    total = rel.sum()
    return float(rel[:k].sum() / total) if total else 0.0


@dataclass
class NeedHistory:
    """One need with decisions: its context as of the first proposal, its candidates and labels."""

    context: NeedContext
    candidates: list[dict]
    tiers: dict[str, int]
    labels: dict[str, int]  # RUT -> 1 accepted / allied, 0 rejected
    first_decided_at: float
    decided_at: dict[str, float] = field(default_factory=dict)  # RUT -> when that label was decided

    @property
    def positives(self) -> int:
        return sum(self.labels.values())


# A scorer takes a need's feature table and returns one score per candidate (higher is better).
Scorer = Callable[["FeatureTable"], np.ndarray]


def sector_only(table: FeatureTable) -> np.ndarray:
    """The baseline: candidates of the need's own sector first, nearest first within each tier."""
    return -(table.raw["tier"] * _TIER_WEIGHT_KM + table.raw["distance_km"])


def rank_relevance(scores: np.ndarray, ruts: list[str], labels: dict[str, int]) -> list[int]:
    """Labels in the order a scorer ranks the candidates (ties by RUT, as the API orders them)."""
    from matching.ranker import order

    return [labels.get(ruts[i], 0) for i in order(scores, ruts).tolist()]


def evaluate(scorers: dict[str, Scorer], needs: list[tuple[NeedHistory, FeatureTable]]) -> dict[str, dict]:
    """``{scorer: {"ndcg@10", "map", "recall@20", "needs"}}`` over needs with a relevant firm."""
    out: dict[str, dict] = {}
    usable = [(h, t) for h, t in needs if h.positives > 0 and t.matrix.shape[0] > 0]
    for name, scorer in scorers.items():
        ndcg, ap, recall = [], [], []
        for history, table in usable:
            ruts = [c["rut"] for c in history.candidates]
            ranked = rank_relevance(scorer(table), ruts, history.labels)
            ndcg.append(ndcg_at_k(ranked, NDCG_K))
            ap.append(average_precision(ranked))
            recall.append(recall_at_k(ranked, RECALL_K))
        out[name] = {
            f"ndcg@{NDCG_K}": round(float(np.mean(ndcg)), 4) if ndcg else None,
            "map": round(float(np.mean(ap)), 4) if ap else None,
            f"recall@{RECALL_K}": round(float(np.mean(recall)), 4) if recall else None,
            "needs": len(usable),
        }
    return out
