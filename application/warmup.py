"""Warm-up after a restart: Neo4j's page cache, then each web worker before it takes traffic.

Right after a restart every request paid for something cold: Neo4j read the store from disk into an
empty page cache and planned each query shape anew, and each worker read the catalog, the model and the
planner's counts on its first requests and met every product text for the first time. Measured at
100,000 firms (issue 17): the first 60 requests of one client had p95 1.7 s against 67 ms warm.

- ``warm_page_cache`` (``encadena neo4j start``): reads the firm graph once, recorded in the graph so
  ``/readyz`` says "warming" meanwhile.
- ``warm_plans`` (gunicorn's master, before it forks the workers): plans every shape the candidate query
  takes, once for the whole server.
- ``warm_matching`` (a gunicorn worker, before it accepts connections): the same shapes (found planned),
  then ranks a sample of open needs exactly as requests do.
- ``record_worker_state`` / ``siblings_warming``: the workers of one gunicorn tell each other whether they
  are warm, through a directory the master makes (``WORKERS_DIR_ENV``; a file per worker, named by its
  pid, holding "warming" or "warm"), so ``/readyz`` waits for all of them: a warm worker answering while
  its siblings still warm would share the two cores with them.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from neo4j import RoutingControl

from application.access import Viewer
from graph_schema import warmup as warmup_repo
from graph_schema.candidates import candidate_query, planner_counts
from graph_schema.driver import Graph
from graph_schema.reference import fetch_catalog
from matching.candidates import CandidatePlan, PlannerCounts, SearchArea, Walk, rings_of, search_area
from matching.catalog import Catalog
from matching.ranker import Ranker

log = logging.getLogger(__name__)

# Open needs a worker ranks before it takes traffic, and the most time it spends warming.
WARM_NEEDS = 12
WARM_DEADLINE_S = 90.0
# Needs read to find one area of each kind (one, two and three sector tiers) for the query shapes.
_SHAPE_SAMPLE = 200
_WARM_STAFF = Viewer(role="admin", id="warm-up")
WORKERS_DIR_ENV = "ENCADENA_WORKERS_DIR"

OPEN_NEEDS = ("MATCH (n:Need {status: 'open'}) WITH n ORDER BY n.id LIMIT $limit "
              "RETURN n.id AS id, n.radius_km AS radius, "
              "COLLECT { MATCH (n)-[:LOCATED_IN]->(c:Comuna) RETURN c.cut LIMIT 1 }[0] AS comuna, "
              "COLLECT { MATCH (n)-[:IN_SECTOR]->(s:Sector) RETURN s.code } AS sectors")


def warm_page_cache(graph: Graph, echo: Callable[[str], None] = lambda _m: None) -> float:
    """Read the firm graph once so the page cache holds it; seconds taken. Recorded for ``/readyz``."""
    started_at = time.monotonic()
    try:
        database_started = warmup_repo.database_started(graph)
    except Exception:  # noqa: BLE001 - without the start time the record cannot be keyed; warm all the same
        database_started = None
    warmup_repo.mark_warming(graph, database_started)
    for label, query in warmup_repo.PAGE_CACHE_WARMERS:
        part_started = time.monotonic()
        try:
            warmup_repo.run_warmer(graph, query)
        except Exception as exc:  # noqa: BLE001 - e.g. no full-text index before the first migration
            echo(f"  {label}: omitido ({type(exc).__name__})")
            continue
        echo(f"  {label}: {time.monotonic() - part_started:.1f} s")
    seconds = time.monotonic() - started_at
    warmup_repo.mark_warm(graph, database_started, seconds)
    return seconds


def page_cache_state(graph: Graph) -> str | None:
    """'warming' while ``warm_page_cache`` runs for this start of the database; else 'warm' or None."""
    try:
        return warmup_repo.warmup_state(graph, warmup_repo.database_started(graph))
    except Exception:  # noqa: BLE001 - a server that does not say (no rights, Aura) is not warming
        return None


def _workers_dir() -> Path | None:
    path = os.environ.get(WORKERS_DIR_ENV)
    return Path(path) if path else None


def record_worker_state(pid: int, state: str) -> None:
    """Tell the sibling workers that worker ``pid`` is "warming" or "warm" (no-op outside gunicorn)."""
    folder = _workers_dir()
    if folder is None:
        return
    scratch = folder / f".{pid}.tmp"
    scratch.write_text(state)
    scratch.replace(folder / str(pid))  # atomic: a reader sees the old state or the new one


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def siblings_warming() -> int:
    """How many other live workers of this gunicorn are still warming (0 outside gunicorn)."""
    folder = _workers_dir()
    if folder is None or not folder.is_dir():
        return 0
    warming = 0
    for entry in folder.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            state = entry.read_text()
        except OSError:
            continue
        warming += state == "warming" and _alive(int(entry.name))
    return warming


def _open_needs(graph: Graph, limit: int) -> list[dict]:
    records, _, _ = graph.execute_query(OPEN_NEEDS, limit=limit, routing_=RoutingControl.READ)
    return [dict(r) for r in records]


def plan_query_shapes(graph: Graph, catalog: Catalog, counts: PlannerCounts, needs: list[dict]) -> int:
    """Have Neo4j plan every shape of the planned candidate query (each walk in each tier, from one to
    three tiers) and the certification-first one, with the parameter types requests send: each runs with
    a cap of 0, so nothing is read. Returns how many shapes were planned."""
    areas: dict[int, SearchArea] = {}
    for need in needs:
        if need["comuna"] not in catalog.comunas or not need["sectors"]:
            continue
        area = search_area(catalog, need["comuna"], float(need["radius"] or 0), need["sectors"])
        areas.setdefault(len(set(area.tiers.values())), area)
    today = datetime.now(UTC).date()
    queries = []
    for tiers, area in sorted(areas.items()):
        rings = tuple(tuple(r) for r in rings_of(area, counts[1]))
        codes = [tuple(sorted(c for c, t in area.tiers.items() if t == tier))
                 for tier in sorted(set(area.tiers.values()))]
        shapes = [CandidatePlan(walks, tuple(codes), rings) for walks in itertools.product(list(Walk), repeat=tiers)]
        if tiers == 1:
            shapes.append(CandidatePlan((Walk.SECTORS,), tuple(codes), rings, start="HACCP"))
        queries += [candidate_query(codes=area.codes, tiers=area.tiers, cuts=area.cuts, km=area.km, required=["HACCP"],
                                    mandatory=True, today=today, cap=0, plan=plan) for plan in shapes]
    # Planning is CPU work in Neo4j: as many at once as the machine has cores (~0.3 s each at 100,000 firms).
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="warm-plans") as pool:
        list(pool.map(lambda q: graph.execute_query(q[0], q[1], routing_=RoutingControl.READ), queries))
    return len(queries)


def warm_plans(graph: Graph) -> dict:
    """Plan every candidate query shape once for the whole server (gunicorn's master runs it before it
    forks the workers): Neo4j's plan cache is shared, so the workers' own warm-ups then find every plan
    made instead of planning the same shapes at once on the same two cores."""
    started = time.monotonic()
    shapes = plan_query_shapes(graph, fetch_catalog(graph), planner_counts(graph), _open_needs(graph, _SHAPE_SAMPLE))
    return {"query_shapes": shapes, "seconds": round(time.monotonic() - started, 1)}


def warm_matching(graph: Graph, catalog: Catalog, ranker: Ranker, counts: PlannerCounts,
                  tick: Callable[[], None] = lambda: None, needs: int = WARM_NEEDS,
                  deadline_s: float = WARM_DEADLINE_S) -> dict:
    """Plan the candidate query's shapes, then rank ``needs`` open needs as a request would (in this
    process: its memos, numpy and scikit-learn paths); ``tick`` is called between steps (gunicorn's
    heartbeat). Returns what was done and how long it took."""
    from application.matching import match_need

    started = time.monotonic()
    sample = _open_needs(graph, _SHAPE_SAMPLE)
    shapes = plan_query_shapes(graph, catalog, counts, sample)
    tick()
    ranked = 0
    step = max(1, len(sample) // max(needs, 1))
    for need in sample[::step][:needs]:
        if time.monotonic() - started > deadline_s:
            break
        try:
            match_need(graph, catalog, need["id"], viewer=_WARM_STAFF, limit=20, ranker=ranker, counts=counts)
        except Exception:  # noqa: BLE001 - a need that cannot be ranked (no comuna) warms nothing, harms nothing
            log.debug("warm-up: need %s not ranked", need["id"], exc_info=True)
        ranked += 1
        tick()
    return {"query_shapes": shapes, "needs_ranked": ranked, "seconds": round(time.monotonic() - started, 1)}
