"""Train and evaluate the ranker on the decision history; store the model (promoted only if better).

The history of each decided need is rebuilt with the same assembly as a live match
(``application.matching.find_candidates``), as of just before its first proposal.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime

from application.matching import context_as_of, find_candidates
from graph_schema import candidates as candidates_repo
from graph_schema import models as models_repo
from graph_schema.driver import Graph
from graph_schema.training_data import labeled_rows
from matching.candidates import PlannerCounts
from matching.catalog import Catalog
from matching.evaluation import NeedHistory
from matching.features import FEATURES
from matching.model_store import pipeline_to_data, sign
from matching.ranker import prior
from matching.training import HOLDOUT_FRACTION, TrainingReport, split_evaluation, train

Progress = Callable[[int, int], None]


def load_histories(graph: Graph, catalog: Catalog, progress: Progress | None = None) -> list[NeedHistory]:
    """One ``NeedHistory`` per need with labels: context and candidates as of its first proposal.

    ``progress(done, total)`` is called after each need (for progress bars and jobs).
    """
    by_need: dict[str, list[dict]] = defaultdict(list)
    for row in labeled_rows(graph):
        by_need[row["need_id"]].append(row)
    histories = []
    counts = candidates_repo.planner_counts(graph)
    for done, (need_id, rows) in enumerate(by_need.items(), start=1):
        history = load_history(graph, catalog, need_id, rows, counts)
        if history is not None:
            histories.append(history)
        if progress:
            progress(done, len(by_need))
    return histories


def load_history(graph: Graph, catalog: Catalog, need_id: str, rows: list[dict],
                 counts: PlannerCounts | None = None) -> NeedHistory | None:
    """A need's candidates as the matches endpoint would have listed them just before its first proposal,
    plus the labeled firms outside that list (``counts`` only plan the query; the result is the same)."""
    ctx = context_as_of(graph, need_id, as_of=min(r["proposed"] for r in rows) - 1.0)
    if ctx is None:
        return None
    found = find_candidates(graph, catalog, ctx, counts)
    labels = {r["rut"]: int(r["accepted"]) for r in rows}
    present = {c["rut"] for c in found.candidates}
    candidates = found.candidates + candidates_repo.fetch_firms(graph, sorted(set(labels) - present))
    return NeedHistory(
        context=ctx, candidates=candidates, tiers=found.area.tiers, labels=labels,
        first_decided_at=min(r["decided"] for r in rows),
        decided_at={r["rut"]: float(r["decided"]) for r in rows},
    )


def train_and_store(graph: Graph, catalog: Catalog, signing_key: bytes, now: datetime | None = None,
                    progress: Progress | None = None) -> TrainingReport:
    """Read the decision history, train and evaluate, store the model as signed data (promoted only if it
    beats the prior)."""
    histories = load_histories(graph, catalog, progress=progress)
    report = train(histories, catalog, now=now or datetime.now(UTC))
    ranker = report.ranker
    data = pipeline_to_data(ranker.estimator)
    models_repo.save_model(
        graph, version=ranker.version, kind=ranker.kind, created_at=report.created_at,
        params_json=json.dumps(data, sort_keys=True), signature=sign(data, signing_key),
        features=list(FEATURES), training_size=report.training_size,
        decisions=report.decisions, metrics=report.metrics, weights=ranker.weights, cutoff=report.cutoff,
        promote=report.promoted,
    )
    return report


def evaluate_rankers(graph: Graph, catalog: Catalog, holdout: float = HOLDOUT_FRACTION,
                     progress: Progress | None = None) -> tuple[dict, dict, str]:
    """``(metrics, info, served_version)``: the learned model, the prior and sector-only on later decisions."""
    histories = load_histories(graph, catalog, progress=progress)
    metrics, info = split_evaluation(histories, catalog, holdout_fraction=holdout)
    return metrics, info, models_repo.promoted_version(graph) or prior().version


def model_summary(graph: Graph, served_version: str) -> dict:
    """What ``GET /model`` shows: the promoted version (or the prior) and the latest trained ones."""
    version = models_repo.promoted_version(graph)
    history = models_repo.list_models(graph)
    if version is None:
        base = prior()
        served = {"version": base.version, "kind": "prior", "features": list(FEATURES), "training_size": 0,
                  "decisions": 0, "created_at": None, "metrics": None, "weights": base.weights, "promoted": True}
    else:
        served = models_repo.get_model(graph, version) or {"version": version}
    return {**served, "served_by_this_worker": served_version, "history": history}
