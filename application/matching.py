"""Match a need: its context, its search area, its capped candidate set, and why a short list is short.

One assembly for every caller: ``GET /needs/{id}/matches`` and the need page (``match_need``), the
ranker's training histories (``find_candidates`` as of a past moment) and batch reports, which
select candidates from a preloaded table but explain short lists with the same ``diagnose``.

A process serves one ranker (``ServedRanker``: the promoted model, re-checked every few seconds)
and keeps the firm counts that plan candidate queries (``PlannerCountsCache``); both are plain
objects the caller keeps (a Flask app keeps them in ``app.extensions``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from application.access import Viewer
from graph_schema import candidates as candidates_repo
from graph_schema import models as models_repo
from graph_schema.driver import Graph
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
from matching.features import NeedContext, need_context, peers_among
from matching.matcher import match_response
from matching.model_store import TamperedModel, verified_pipeline
from matching.ranker import LEARNED_PREFERENCE_BOOST, Ranker, prior

log = logging.getLogger(__name__)

# How often a process asks which model is promoted (one index lookup), and how long it keeps the
# firm counts per (ISIC class, comuna) that plan candidate queries (one aggregate over every firm,
# ~1 s at 100,000 firms). Settings may change both.
MODEL_RECHECK_SECONDS = 30.0
PLANNER_COUNTS_SECONDS = 600.0

# The thread that refreshes the planner's counts outside any request (created on first use, after
# gunicorn forks the worker).
_BACKGROUND = ThreadPoolExecutor(max_workers=1, thread_name_prefix="encadena-read")


# -- the served ranker and the planner's counts -------------------------------------------------

def load_ranker(graph: Graph, version: str | None, signing_key: bytes) -> Ranker:
    """The stored model ``version`` as a servable ``Ranker`` (the prior for None).

    ``TamperedModel`` when its signature under ``signing_key`` does not match or its data is not a
    model's: callers serve the prior then (fail closed).
    """
    if version is None:
        return prior()
    params_json, signature = models_repo.load_params(graph, version)
    estimator = verified_pipeline(params_json, signature, signing_key)
    return Ranker(version, "learned", estimator, LEARNED_PREFERENCE_BOOST)


def promoted_ranker(graph: Graph, signing_key: bytes) -> Ranker:
    """The ranker every process serves now: the promoted model, or the prior when there is none or it
    cannot be verified."""
    version = models_repo.promoted_version(graph)
    try:
        return load_ranker(graph, version, signing_key)
    except TamperedModel:
        log.exception("Model %s refused; the prior serves", version)
        return prior()


class ServedRanker:
    """One process's ranker: the promoted version, re-checked at most every ``recheck_seconds``.

    Without a promoted model, or when its artifact cannot be loaded, the prior serves: a broken
    model never takes matching down. Workers on any number of machines converge on the same
    version within the interval.
    """

    def __init__(self, signing_key: bytes, recheck_seconds: float = MODEL_RECHECK_SECONDS):
        self.signing_key = signing_key
        self.recheck_seconds = recheck_seconds
        self._lock = threading.Lock()
        self._ranker: Ranker = prior()
        self._checked_at = float("-inf")

    def get(self, graph: Graph) -> Ranker:
        if time.monotonic() - self._checked_at < self.recheck_seconds:
            return self._ranker
        with self._lock:
            if time.monotonic() - self._checked_at < self.recheck_seconds:
                return self._ranker
            version = models_repo.promoted_version(graph)
            if version != (self._ranker.version if self._ranker.kind == "learned" else None):
                try:
                    self._ranker = load_ranker(graph, version, self.signing_key)
                except Exception:  # noqa: BLE001 - a tampered or broken model must not take matching down
                    log.exception("Could not load ranker %s; serving the prior", version)
                    self._ranker = prior()
            self._checked_at = time.monotonic()
            return self._ranker

    def forget(self) -> None:
        """Re-check the promoted version on the next request (after a training run here)."""
        self._checked_at = float("-inf")


class PlannerCountsCache:
    """Firms per (ISIC class, comuna) and per comuna, and holders per certification, read at most every
    ``max_age_seconds``. They only choose how to read candidates and where to suggest widening, never
    which firms qualify, so slightly stale counts change costs, not results.

    Only the first read waits for the graph (``max_age_seconds`` 0: every read does). Once counts are
    older than ``max_age_seconds`` the next request still gets them and one background thread reads
    new ones: reading every firm's class and comuna takes seconds at a million firms, and a request
    that had to wait for it was the p99.
    """

    def __init__(self, max_age_seconds: float = PLANNER_COUNTS_SECONDS):
        self.max_age_seconds = max_age_seconds
        self._cached: tuple[float, PlannerCounts] | None = None
        self._lock = threading.Lock()
        self._refreshing = False

    def get(self, graph: Graph) -> PlannerCounts:
        cached = self._cached
        if self.max_age_seconds <= 0:  # fresh counts on every call (tests, reports' consistency checks)
            self._cached = (time.monotonic(), candidates_repo.planner_counts(graph))
            return self._cached[1]
        if cached is None:
            with self._lock:
                if self._cached is None:
                    self._cached = (time.monotonic(), candidates_repo.planner_counts(graph))
                return self._cached[1]
        if time.monotonic() - cached[0] >= self.max_age_seconds and not self._refreshing:
            with self._lock:
                if not self._refreshing:
                    self._refreshing = True
                    _BACKGROUND.submit(self._refresh, graph)
        return cached[1]

    def _refresh(self, graph: Graph) -> None:
        try:
            self._cached = (time.monotonic(), candidates_repo.planner_counts(graph))
        except Exception:  # noqa: BLE001 - stale counts keep serving; the next request tries again
            log.exception("Could not refresh the planner's counts; the previous ones keep serving")
        finally:
            self._refreshing = False


# -- one need -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CandidateSet:
    """A need's search area and its capped candidate set, in (tier, distance, RUT) order."""

    area: SearchArea
    candidates: list[dict]


def find_candidates(graph: Graph, catalog: Catalog, ctx: NeedContext, counts: PlannerCounts | None = None,
                    cap: int = CANDIDATE_CAP) -> CandidateSet:
    """The candidate query for ``ctx`` (as of ``ctx.as_of``); ``counts`` plan it, else the reference query runs.

    Both give the same candidates in the same order.
    """
    area = search_area(catalog, ctx.comuna, ctx.radius_km, ctx.sectors)
    plan = plan_need(area, counts, ctx.required, ctx.mandatory) if counts else None
    candidates = candidates_repo.fetch_candidates(
        graph, codes=area.codes, tiers=area.tiers, cuts=area.cuts, km=area.km, required=list(ctx.required),
        mandatory=ctx.mandatory, today=ctx.as_of_date, cap=cap, plan=plan,
    )
    return CandidateSet(area, candidates)


def diagnose(graph: Graph, catalog: Catalog, ctx: NeedContext, area: SearchArea,
             class_comuna: dict[str, dict[str, int]]) -> dict:
    """What a short list's message needs (``matching.matcher.short_list_message``).

    The nearest comuna outside the radius with a non-large firm of the need's own classes (or, if
    none has one, of any tier), from the cached counts, or from the graph when the counts know
    none; and, when the certifications are mandatory, how many firms the area holds before that
    filter (a query). The API, the pages and batch reports all explain short lists with this.
    """
    own = sorted(code for code, tier in area.tiers.items() if tier == TIER_OWN)
    cut, km = nearest_with_firms(catalog, area, ctx.comuna, own, class_comuna)
    if cut is None:
        cut, km = nearest_with_firms(catalog, area, ctx.comuna, area.codes, class_comuna)
    if cut is None:
        # The cached counts know no such firm; before saying none exists, ask the graph itself
        # (a firm may have been registered since the counts were read).
        for codes in (own, area.codes):
            found = candidates_repo.diagnose_pool(graph, origin=ctx.comuna, codes=codes, cuts=area.cuts)
            cut, km = found["nearest_cut"], found["nearest_km"]
            if cut is not None:
                break
    in_radius = 0
    if ctx.mandatory and ctx.required:
        in_radius = candidates_repo.pool_count(graph, codes=area.codes, cuts=area.cuts)
    return {"in_radius": in_radius, "nearest_km": km, "nearest_cut": cut}


def with_peers(catalog: Catalog, buyer: dict | None, candidates: list[dict]) -> dict | None:
    """``fetch_buyer_context``'s buyer with its ``peers``: the buyers of its industry among those the
    candidates' alliances name (``matching.features.peers_among``), all the features ever look up."""
    if buyer is None:
        return None
    return {**buyer, "peers": peers_among(catalog, buyer["rut"], buyer.get("sectors") or (), candidates)}


def _seen(need: dict | None, need_id: str, viewer: Viewer) -> dict:
    """``need`` when ``viewer`` may see it; ``NotFound`` for an unknown need or another buyer's (a buyer
    learns nothing of needs that are not its own)."""
    if need is None or not viewer.may_see_buyer(need["buyer_rut"]):
        raise NotFound(f"No existe una necesidad con id {need_id}.")
    return need


def visible_need(graph: Graph, need_id: str, viewer: Viewer) -> dict:
    """The need's own fields for matching; ``NotFound`` for an unknown need or another buyer's."""
    return _seen(candidates_repo.fetch_need(graph, need_id), need_id, viewer)


def match_need(graph: Graph, catalog: Catalog, need_id: str, *, viewer: Viewer, limit: int, ranker: Ranker,
               counts: PlannerCounts) -> dict:
    """The ranked, explained candidates of a need (``GET /needs/{id}/matches``).

    A buyer reaches only its own needs (``NotFound`` otherwise, as if the need did not exist); a
    need without a valid comuna is a ``Conflict``.
    """
    # The collector resumes after ``_match_need`` has returned, when its 1,000 decoded candidates are
    # already freed: resuming while they were alive made the first collection walk them all (~1.5 ms
    # of every request's CPU under load, measured with py-spy on a worker).
    with cyclic_gc_paused():
        return _match_need(graph, catalog, need_id, viewer=viewer, limit=limit, ranker=ranker, counts=counts)


def _match_need(graph: Graph, catalog: Catalog, need_id: str, *, viewer: Viewer, limit: int, ranker: Ranker,
                counts: PlannerCounts) -> dict:
    need, buyer = candidates_repo.fetch_need_and_buyer(graph, need_id) or (None, None)
    need = _seen(need, need_id, viewer)
    if need.get("comuna") not in catalog.comunas:
        raise Conflict(f"La necesidad {need_id} no tiene una comuna válida; corríjala antes de buscar "
                       "proveedores.")
    ctx = need_context({"need": need, "buyer": None})
    found = find_candidates(graph, catalog, ctx, counts)
    ctx = need_context({"need": need, "buyer": with_peers(catalog, buyer, found.candidates)}, as_of=ctx.as_of)
    diagnostics = None
    if len(found.candidates) < limit:
        diagnostics = diagnose(graph, catalog, ctx, found.area, counts[0])
    return match_response(ctx, found.candidates, catalog, found.area.tiers, ranker, limit,
                          sees_personal_data=viewer.sees_personal_data, diagnostics=diagnostics)


def context_as_of(graph: Graph, need_id: str, as_of: float) -> NeedContext | None:
    """The need's context read now, as it stood at ``as_of`` (None for an unknown need or no comuna)."""
    found = candidates_repo.fetch_need_context(graph, need_id)
    if found is None or not found["need"].get("comuna"):
        return None
    return need_context(found, as_of=as_of)


def now_epoch() -> float:
    return datetime.now(UTC).timestamp()


Progress = Callable[[int, int], None]
