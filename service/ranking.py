"""The ranker a worker serves, and the match and training jobs built on it.

Every worker keeps the promoted model in memory (``app.extensions``) and asks Neo4j which version
is promoted at most every ``MODEL_RECHECK_SECONDS`` (one index lookup); when it changed, the worker
loads the new artifact. Nothing else is kept between requests, so workers on any number of
machines converge on the same version within that interval. Without a promoted model, or if an
artifact cannot be loaded, the prior serves.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from flask import current_app
from neo4j import Driver

from graph_schema import candidates as candidates_repo
from graph_schema import models as models_repo
from graph_schema.training_data import load_histories
from matching.candidates import (
    CANDIDATE_CAP,
    TIER_OWN,
    PlannerCounts,
    SearchArea,
    nearest_with_firms,
    plan_need,
    search_area,
)
from matching.catalog import Catalog
from matching.collector import cyclic_gc_paused
from matching.errors import Conflict, NotFound
from matching.features import FEATURES, NeedContext, need_context
from matching.matcher import match_response
from matching.ranker import LEARNED_PREFERENCE_BOOST, Ranker, prior
from matching.training import TrainingReport, train
from service.auth import Principal
from service.db import get_driver
from service.reference import get_catalog

log = logging.getLogger(__name__)

MODEL_RECHECK_SECONDS = 30.0
# How long a worker keeps the firm counts per (ISIC class, comuna) that plan the candidate query
# and locate the nearest firms outside a radius (config PLANNER_COUNTS_SECONDS may change it).
PLANNER_COUNTS_SECONDS = 600.0
_KEY = "encadena.ranker"
# Threads that run a request's independent reads beside its main query (created on first use,
# after gunicorn forks the worker).
_BACKGROUND = ThreadPoolExecutor(max_workers=4, thread_name_prefix="encadena-read")
_COUNTS_KEY = "encadena.planner_counts"


class _Served:
    """This worker's ranker and when the promoted version was last checked."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ranker: Ranker = prior()
        self.checked_at = float("-inf")


def _served() -> _Served:
    served = current_app.extensions.get(_KEY)
    if served is None:
        served = current_app.extensions.setdefault(_KEY, _Served())
    return served


def load_ranker(driver: Driver, version: str | None) -> Ranker:
    """The stored model ``version`` as a servable ``Ranker`` (the prior for None)."""
    if version is None:
        return prior()
    estimator = models_repo.load_estimator(driver, version)
    return Ranker(version, "learned", estimator, LEARNED_PREFERENCE_BOOST)


def current_ranker() -> Ranker:
    """The promoted ranker, re-checked at most every ``MODEL_RECHECK_SECONDS`` (config may lower it)."""
    served = _served()
    interval = float(current_app.config.get("MODEL_RECHECK_SECONDS", MODEL_RECHECK_SECONDS))
    if time.monotonic() - served.checked_at < interval:
        return served.ranker
    with served.lock:
        if time.monotonic() - served.checked_at < interval:
            return served.ranker
        driver = get_driver()
        version = models_repo.promoted_version(driver)
        if version != (served.ranker.version if served.ranker.kind == "learned" else None):
            try:
                served.ranker = load_ranker(driver, version)
            except Exception:  # noqa: BLE001 - a broken artifact must not take matching down
                log.exception("Could not load ranker %s; serving the prior", version)
                served.ranker = prior()
        served.checked_at = time.monotonic()
        return served.ranker


def planner_counts() -> PlannerCounts:
    """Firms per (ISIC class, comuna) and per comuna, and holders per certification, read at most
    every ``PLANNER_COUNTS_SECONDS``.

    One aggregate over every firm (~1 s at 100,000 firms), so a worker reads it rarely; the counts
    only choose how to read candidates and where to suggest widening, never which firms qualify.
    """
    interval = float(current_app.config.get("PLANNER_COUNTS_SECONDS", PLANNER_COUNTS_SECONDS))
    cached = current_app.extensions.get(_COUNTS_KEY)
    if cached is None or time.monotonic() - cached[0] >= interval:
        cached = (time.monotonic(), *candidates_repo.planner_counts(get_driver()))
        current_app.extensions[_COUNTS_KEY] = cached
    return cached[1], cached[2], cached[3]


def forget_served_ranker() -> None:
    """Make this worker re-check the promoted version on its next request (after training here)."""
    _served().checked_at = float("-inf")


def served_model_version() -> str:
    """The version this worker serves (``/readyz`` reports it)."""
    return current_ranker().version


def match_need(need_id: str, principal: Principal, limit: int) -> dict:
    """The ranked, explained candidates of a need; a buyer only reaches its own needs (404 otherwise)."""
    with cyclic_gc_paused():
        return _match_need(need_id, principal, limit)


def _match_need(need_id: str, principal: Principal, limit: int) -> dict:
    driver = get_driver()
    catalog = get_catalog()
    need = candidates_repo.fetch_need(driver, need_id)
    if need is None or (principal.is_buyer and need["buyer_rut"] != principal.buyer_rut):
        raise NotFound(f"No existe una necesidad con id {need_id}.")
    if need.get("comuna") not in catalog.comunas:
        raise Conflict(f"La necesidad {need_id} no tiene una comuna válida; corríjala antes de buscar proveedores.")
    # The buyer's part of the context (its industry's buyers, its suppliers) only feeds the
    # features: Neo4j reads it on another thread while the candidate query runs.
    buyer = _BACKGROUND.submit(candidates_repo.fetch_buyer_context, driver, need["buyer_rut"])
    ctx = need_context({"need": need, "buyer": None})
    area = search_area(catalog, ctx.comuna, ctx.radius_km, ctx.sectors)
    counts = planner_counts()
    candidates = candidates_repo.fetch_candidates(
        driver, codes=area.codes, tiers=area.tiers, cuts=area.cuts, km=area.km, required=list(ctx.required),
        mandatory=ctx.mandatory, today=ctx.as_of_date, cap=CANDIDATE_CAP,
        plan=plan_need(area, counts, ctx.required, ctx.mandatory),
    )
    ctx = need_context({"need": need, "buyer": buyer.result()}, as_of=ctx.as_of)
    diagnostics = None
    if len(candidates) < limit:
        diagnostics = diagnose(driver, catalog, ctx, area, counts[0])
    return match_response(ctx, candidates, catalog, area.tiers, current_ranker(), limit,
                          sees_personal_data=principal.sees_personal_data, diagnostics=diagnostics)


def diagnose(driver: Driver, catalog: Catalog, ctx: NeedContext, area: SearchArea,
             class_comuna: dict[str, dict[str, int]]) -> dict:
    """What a short list's message needs: the nearest comuna outside the radius with a firm of the
    need's own classes (or, if none has one, of any tier), from the cached counts, or from the graph
    when the counts know none; and, when the certifications are mandatory, how many firms the area
    holds before that filter (a query).
    """
    own = sorted(code for code, tier in area.tiers.items() if tier == TIER_OWN)
    cut, km = nearest_with_firms(catalog, area, ctx.comuna, own, class_comuna)
    if cut is None:
        cut, km = nearest_with_firms(catalog, area, ctx.comuna, area.codes, class_comuna)
    if cut is None:
        # The cached counts know no such firm; before saying none exists, ask the graph itself
        # (a firm may have been registered since the counts were read).
        for codes in (own, area.codes):
            found = candidates_repo.diagnose_pool(driver, origin=ctx.comuna, codes=codes, cuts=area.cuts)
            cut, km = found["nearest_cut"], found["nearest_km"]
            if cut is not None:
                break
    in_radius = 0
    if ctx.mandatory and ctx.required:
        in_radius = candidates_repo.pool_count(driver, codes=area.codes, cuts=area.cuts)
    return {"in_radius": in_radius, "nearest_km": km, "nearest_cut": cut}


def train_and_store(driver: Driver, catalog: Catalog, now: datetime | None = None, progress=None) -> TrainingReport:
    """Read the decision history, train and evaluate, store the model (promoted only if it beats the prior)."""
    histories = load_histories(driver, catalog, progress=progress)
    report = train(histories, catalog, now=now or datetime.now(UTC))
    ranker = report.ranker
    models_repo.save_model(
        driver, version=ranker.version, kind=ranker.kind, created_at=report.created_at,
        estimator=ranker.estimator, features=list(FEATURES), training_size=report.training_size,
        decisions=report.decisions, metrics=report.metrics, weights=ranker.weights, cutoff=report.cutoff,
        promote=report.promoted,
    )
    return report


def model_summary(driver: Driver) -> dict:
    """What ``GET /model`` shows: the served version and the latest trained ones."""
    version = models_repo.promoted_version(driver)
    history = models_repo.list_models(driver)
    if version is None:
        base = prior()
        served = {"version": base.version, "kind": "prior", "features": list(FEATURES), "training_size": 0,
                  "decisions": 0, "created_at": None, "metrics": None, "weights": base.weights, "promoted": True}
    else:
        served = models_repo.get_model(driver, version) or {"version": version}
    return {**served, "served_by_this_worker": served_model_version(), "history": history}
