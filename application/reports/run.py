"""Run a batch report: match every open need in scope (in parallel), total, render, write the files.

Each worker process opens its own driver and receives the catalog and the served ranker once.
Needs go out in chunks and come back keyed by id; everything after that walks the needs in id
order, so the output does not depend on how many workers ran or which finished first.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from application.matching import diagnose, promoted_ranker
from application.secrets import model_signing_key
from application.settings import Settings
from graph_schema import reports as repo
from graph_schema.candidates import planner_counts
from graph_schema.driver import Graph, graph_from_settings
from graph_schema.reference import fetch_catalog
from matching.candidates import CANDIDATE_CAP, search_area
from matching.catalog import Catalog
from matching.features import NeedContext, need_context
from matching.firm_table import FirmTable
from matching.ranker import Ranker
from matching.reports import (
    NeedResult,
    ReportParams,
    Scope,
    need_result,
    resolve_scope,
    summarize,
    unmatchable_result,
)

# Needs per task sent to a worker: large enough to batch the need-context query, small enough
# to keep both cores busy until the end and the progress bar moving.
CHUNK_SIZE = 8
NO_COMUNA_MESSAGE = "La necesidad no tiene una comuna válida; corríjala para buscar proveedores."

Progress = Callable[[int, int], None]


@dataclass
class ReportData:
    """Everything the renderers need, computed once."""

    scope: Scope
    params: dict
    as_of: float
    model_version: str
    needs: list[dict]
    results: dict[str, NeedResult]
    summary: dict
    indicators: dict
    seconds_matching: float = 0.0


def resolve(driver: Graph, params: ReportParams, catalog: Catalog) -> Scope:
    """Validate the filters against the graph (``InvalidInput`` names every bad one)."""
    exists = repo.buyer_exists(driver, params.buyer) if params.buyer else None
    return resolve_scope(params, catalog, repo.list_centers(driver), exists)


def scope_area(catalog: Catalog, needs: list[dict]) -> tuple[list[str], list[str]]:
    """``(codes, cuts)``: every ISIC class and comuna the search areas of ``needs`` (scope rows) cover."""
    codes: set[str] = set()
    cuts: set[str] = set()
    for need in needs:
        if need.get("comuna_cut") not in catalog.comunas:
            continue
        area = search_area(catalog, need["comuna_cut"], float(need.get("radius_km") or 0.0),
                           tuple(need.get("sectors") or ()))
        codes.update(area.codes)
        cuts.update(area.cuts)
    return sorted(codes), sorted(cuts)


# -- matching, in one process or many --------------------------------------------------------

class _Matcher:
    """Turns need ids into results with one graph; a worker process holds one.

    Candidates come from the report's firm table (``FirmTable.select``: the candidate query's rule,
    one table read instead of a query per need); the need contexts from one query per chunk; short
    lists are explained by ``application.matching.diagnose``, as on the need page and in the API.
    """

    def __init__(self, driver: Graph, catalog: Catalog, table: FirmTable, ranker: Ranker, as_of: float, top: int,
                 class_comuna: dict[str, dict[str, int]]):
        self.driver, self.catalog, self.table = driver, catalog, table
        self.ranker, self.as_of, self.top, self.class_comuna = ranker, as_of, top, class_comuna

    def _context(self, found: dict | None) -> NeedContext | None:
        if found is None or found["need"].get("comuna") not in self.catalog.comunas:
            return None
        return need_context(found, as_of=self.as_of)

    def run(self, need_ids: list[str]) -> list[NeedResult]:
        contexts = repo.fetch_need_contexts(self.driver, need_ids)
        out = []
        for need_id in need_ids:
            ctx = self._context(contexts.get(need_id))
            if ctx is None:
                out.append(unmatchable_result(need_id, NO_COMUNA_MESSAGE, self.ranker.version))
                continue
            area = search_area(self.catalog, ctx.comuna, ctx.radius_km, ctx.sectors)
            candidates, extras = self.table.select(ctx, area, CANDIDATE_CAP)
            diagnostics = None
            if len(candidates) < self.top:
                diagnostics = diagnose(self.driver, self.catalog, ctx, area, self.class_comuna)
            out.append(need_result(ctx, candidates, extras, self.catalog, area.tiers, area.km, self.ranker,
                                   self.top, CANDIDATE_CAP, diagnostics))
        return out


_worker: _Matcher | None = None
# What forked workers inherit instead of receiving it pickled (the firm table is tens of MB).
_inherited: tuple | None = None


def _init_worker(settings: Settings, shared: tuple | None) -> None:
    """Open this worker's own graph; ``shared`` is None when inherited through fork."""
    global _worker
    shared = shared if shared is not None else _inherited
    assert shared is not None, "a forked worker inherits the shared state"
    catalog, table, ranker, as_of, top, class_comuna = shared
    _worker = _Matcher(graph_from_settings(settings), catalog, table, ranker, as_of, top, class_comuna)


def _run_chunk(need_ids: list[str]) -> list[NeedResult]:
    assert _worker is not None, "worker not initialised"
    return _worker.run(need_ids)


def match_all(driver: Graph, settings: Settings, catalog: Catalog, table: FirmTable, ranker: Ranker,
              need_ids: list[str], as_of: float, top: int, jobs: int, progress: Progress | None = None,
              chunk_size: int = CHUNK_SIZE) -> dict[str, NeedResult]:
    """Every need's result; ``jobs`` > 1 spreads chunks over that many worker processes."""
    chunks = [need_ids[i:i + chunk_size] for i in range(0, len(need_ids), chunk_size)]
    results: dict[str, NeedResult] = {}
    total = len(need_ids)
    if progress:
        progress(0, total)
    class_comuna = planner_counts(driver)[0]  # where the nearest firms are, for short lists
    if jobs <= 1 or len(chunks) <= 1:
        matcher = _Matcher(driver, catalog, table, ranker, as_of, top, class_comuna)
        for chunk in chunks:
            for result in matcher.run(chunk):
                results[result.need_id] = result
            if progress:
                progress(len(results), total)
        return results
    # Fork where there is one: workers inherit the catalog, the firm table and the ranker instead of
    # unpickling them. They never touch this process's driver (they open their own and leave with
    # os._exit, so no finalizer closes the parent's sockets).
    global _inherited
    shared = (catalog, table, ranker, as_of, top, class_comuna)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    _inherited = shared if method == "fork" else None
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, len(chunks)), mp_context=multiprocessing.get_context(method),
                                 initializer=_init_worker,
                                 initargs=(settings, None if method == "fork" else shared)) as pool:
            futures = [pool.submit(_run_chunk, chunk) for chunk in chunks]
            for future in as_completed(futures):
                for result in future.result():
                    results[result.need_id] = result
                if progress:
                    progress(len(results), total)
    finally:
        _inherited = None
    return results


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def compute(driver: Graph, settings: Settings, params: ReportParams, *, jobs: int = 1,
            as_of: float | None = None, progress: Progress | None = None,
            catalog: Catalog | None = None, chunk_size: int = CHUNK_SIZE) -> ReportData:
    """Resolve the scope, match every open need in it and total the results (no files yet)."""
    from graph_schema.indicators import program_indicators

    catalog = catalog or fetch_catalog(driver)
    scope = resolve(driver, params, catalog)
    as_of = time.time() if as_of is None else as_of
    ranker = promoted_ranker(driver, model_signing_key(settings))
    needs = repo.scope_needs(driver, **scope.as_params())
    started = time.perf_counter()
    table = repo.fetch_firm_table(driver, *scope_area(catalog, needs), threads=max(2, jobs))
    results = match_all(driver, settings, catalog, table, ranker, [n["id"] for n in needs], as_of, scope.top, jobs,
                        progress, chunk_size)
    seconds = time.perf_counter() - started
    return ReportData(
        scope=scope, params=params.model_dump(), as_of=as_of, model_version=ranker.version, needs=needs,
        results=results, summary=summarize(needs, results, catalog), indicators=program_indicators(driver),
        seconds_matching=seconds,
    )


def build_report(driver: Graph, settings: Settings, params: ReportParams, out_dir: Path, *, jobs: int = 1,
                 as_of: float | None = None, progress: Progress | None = None,
                 stage: Callable[[str], None] | None = None, chunk_size: int = CHUNK_SIZE) -> list[Path]:
    """Compute and write recommendations.csv, the chart PNGs, report.html and report.pdf into ``out_dir``."""
    from application.reports.render import write_all

    catalog = fetch_catalog(driver)
    data = compute(driver, settings, params, jobs=jobs, as_of=as_of, progress=progress, catalog=catalog,
                   chunk_size=chunk_size)
    return write_all(data, catalog, out_dir, stage=stage)
