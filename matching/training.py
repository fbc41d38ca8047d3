"""Fit the learned ranker on buyers' decisions, evaluate it on later decisions, decide promotion.

Input: ``NeedHistory`` per need with decisions (``graph_schema.training_data`` builds them),
each with its candidate set and features read as of the need's first proposal.

Recipe (docs/matching.md):

1. Time-ordered split: the cut-off is the ``1 - holdout_fraction`` quantile of decision times.
   Needs whose first decision falls after it are held out; the other needs train, using only the
   decisions made before the cut-off.
2. Examples: every decided proposal (accepted 1, rejected 0) and alliance (1), plus up to
   ``UNLABELED_PER_NEED`` candidates nobody proposed, as negatives weighing ``UNLABELED_WEIGHT``:
   the model must learn both what the buyer accepts among proposals and what makes a firm worth
   proposing out of the whole candidate set it will rank.
3. Evaluate the learned model, the prior and the sector-only baseline on the held-out needs.
4. Refit the same recipe on every decision; promote it only if its held-out NDCG@10 beats the
   prior's.
"""

from __future__ import annotations

import secrets
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from matching.catalog import Catalog
from matching.errors import Conflict
from matching.evaluation import NDCG_K, NeedHistory, evaluate, sector_only
from matching.features import FEATURES, CandidateBatch, CandidateFeaturizer, FeatureTable
from matching.ranker import LEARNED_PREFERENCE_BOOST, Ranker, learned_pipeline, prior

HOLDOUT_FRACTION = 0.25
# Fewer decisions than this, or no accepted and rejected among them, cannot train anything useful.
MIN_DECISIONS = 20
# Held-out needs with an accepted firm needed for metrics worth comparing.
MIN_HOLDOUT_NEEDS = 3
UNLABELED_PER_NEED = 20
UNLABELED_WEIGHT = 0.3
SEED = 4

_FEATURIZER = CandidateFeaturizer()
_N_MODEL = len(FEATURES)
METRIC = f"ndcg@{NDCG_K}"


@dataclass
class TrainingReport:
    """What a training run produced and how it compares."""

    ranker: Ranker
    promoted: bool
    metrics: dict[str, dict]
    training_size: int
    decisions: int
    holdout_needs: int
    cutoff: str
    created_at: str
    extra: dict = field(default_factory=dict)


def featurize(histories: list[NeedHistory], catalog: Catalog) -> list[tuple[NeedHistory, FeatureTable]]:
    """Each need's feature table (its whole candidate set at once)."""
    return [(h, _FEATURIZER.extract(CandidateBatch(h.context, h.candidates, catalog, h.tiers))) for h in histories]


def time_split(histories: list[NeedHistory], holdout_fraction: float = HOLDOUT_FRACTION,
               ) -> tuple[list[NeedHistory], list[NeedHistory], float]:
    """``(train, test, cutoff)``: test needs were first decided at or after the cut-off."""
    times = sorted(t for h in histories for t in h.decided_at.values())
    if not times:
        return [], [], 0.0
    cutoff = float(np.quantile(times, 1.0 - holdout_fraction, method="lower"))
    test = [h for h in histories if h.first_decided_at >= cutoff]
    train = []
    for h in histories:
        if h.first_decided_at >= cutoff:
            continue
        labels = {rut: y for rut, y in h.labels.items() if h.decided_at.get(rut, 0.0) < cutoff}
        if labels:
            train.append(NeedHistory(h.context, h.candidates, h.tiers, labels, h.first_decided_at,
                                     {r: h.decided_at[r] for r in labels}))
    return train, test, cutoff


def examples(pairs: list[tuple[NeedHistory, FeatureTable]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X, y, sample_weight)`` from labeled candidates plus sampled unlabeled ones."""
    rows, ys, weights = [], [], []
    for history, table in pairs:
        ruts = [c["rut"] for c in history.candidates]
        unlabeled = [i for i, rut in enumerate(ruts) if rut not in history.labels]
        rng = np.random.default_rng(zlib.crc32(history.context.need_id.encode()) + SEED)
        sampled = rng.choice(unlabeled, size=min(UNLABELED_PER_NEED, len(unlabeled)), replace=False).tolist() \
            if unlabeled else []
        for i, rut in enumerate(ruts):
            if rut in history.labels:
                rows.append(_model_row(table, i))
                ys.append(history.labels[rut])
                weights.append(1.0)
        for i in sorted(sampled):
            rows.append(_model_row(table, i))
            ys.append(0)
            weights.append(UNLABELED_WEIGHT)
    if not rows:
        return np.zeros((0, _N_MODEL)), np.zeros(0, dtype=int), np.zeros(0)
    return np.vstack(rows), np.asarray(ys, dtype=int), np.asarray(weights)


def _model_row(table: FeatureTable, index: int) -> np.ndarray:
    return table.matrix[index, :_N_MODEL]


def fit(pairs: list[tuple[NeedHistory, FeatureTable]]):
    """The learned pipeline fitted on ``pairs``."""
    X, y, w = examples(pairs)
    model = learned_pipeline()
    model.fit(X, y, model__sample_weight=w)
    return model, len(y)


def _check_enough(histories: list[NeedHistory]) -> None:
    labels = [y for h in histories for y in h.labels.values()]
    if len(labels) < MIN_DECISIONS or len(set(labels)) < 2:
        accepted = sum(labels)
        raise Conflict(
            f"Hay {len(labels)} decisiones registradas ({accepted} aceptadas, {len(labels) - accepted} rechazadas); "
            f"para entrenar se necesitan al menos {MIN_DECISIONS}, con aceptadas y rechazadas. Registre más "
            "decisiones de compradores sobre propuestas."
        )


def split_evaluation(histories: list[NeedHistory], catalog: Catalog,
                     pairs: list[tuple[NeedHistory, FeatureTable]] | None = None,
                     holdout_fraction: float = HOLDOUT_FRACTION) -> tuple[dict[str, dict], dict]:
    """Fit on the earlier decisions, rank the later needs: metrics of learned, prior and sector-only.

    Returns ``(metrics, info)`` with ``info = {"cutoff", "holdout_needs", "train_decisions"}``.
    """
    _check_enough(histories)
    pairs = pairs if pairs is not None else featurize(histories, catalog)
    table_of = {h.context.need_id: t for h, t in pairs}
    train_needs, test_needs, cutoff = time_split(histories, holdout_fraction)
    held_out = [h for h in test_needs if h.positives > 0]
    if len(held_out) < MIN_HOLDOUT_NEEDS or not train_needs:
        raise Conflict(
            f"Solo {len(held_out)} necesidades recientes tienen una propuesta aceptada; para evaluar el modelo "
            f"contra la regla base se necesitan al menos {MIN_HOLDOUT_NEEDS}. Registre más decisiones."
        )
    if len({y for h in train_needs for y in h.labels.values()}) < 2:
        raise Conflict("Las decisiones anteriores al corte temporal son todas del mismo tipo (solo aceptadas o "
                       "solo rechazadas); registre decisiones de ambos tipos para entrenar.")
    split_model, _ = fit([(h, table_of[h.context.need_id]) for h in train_needs])
    learned = Ranker("split", "learned", split_model, LEARNED_PREFERENCE_BOOST)
    baseline = prior()
    metrics = evaluate(
        {"learned": lambda t: learned.scores(t.matrix), "prior": lambda t: baseline.scores(t.matrix),
         "sector_only": sector_only},
        [(h, table_of[h.context.need_id]) for h in held_out],
    )
    info = {
        "cutoff": datetime.fromtimestamp(cutoff, UTC).isoformat(),
        "holdout_needs": len(held_out),
        "train_decisions": sum(len(h.labels) for h in train_needs),
    }
    return metrics, info


def train(histories: list[NeedHistory], catalog: Catalog, now: datetime | None = None,
          holdout_fraction: float = HOLDOUT_FRACTION) -> TrainingReport:
    """Evaluate the recipe on a time split, refit it on every decision, decide promotion."""
    now = now or datetime.now(UTC)
    pairs = featurize(histories, catalog)
    metrics, info = split_evaluation(histories, catalog, pairs, holdout_fraction)
    promoted = (metrics["learned"][METRIC] or 0.0) > (metrics["prior"][METRIC] or 0.0)
    final_model, size = fit(pairs)
    version = "lr-" + now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)
    decisions = sum(len(h.labels) for h in histories)
    ranker = Ranker(version, "learned", final_model, LEARNED_PREFERENCE_BOOST)
    return TrainingReport(
        ranker=ranker, promoted=promoted, metrics=metrics, training_size=size, decisions=decisions,
        holdout_needs=info["holdout_needs"], cutoff=info["cutoff"], created_at=now.isoformat(),
        extra={"train_decisions_before_cutoff": info["train_decisions"]},
    )
