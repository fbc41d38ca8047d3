"""Benchmark of the supplier-group optimizer (``matching.groups``): heuristic against exact, and time.

``python -m scripts.bench_groups``, no database. Three parts, each printed and written to
``bench/results/groups-<stamp>.md``:

- **demo needs**: the demo data set (``scripts.demo``, generated in memory; written for the
  matcher, not for this optimizer) gives needs, firms, cooperatives and alliances. Each need's pool
  is what a caller would pass: firms of the need's sector tiers within its radius
  (``matching.candidates``), scored by the prior ranker (``matching.matcher.score_candidates``),
  capacity from ``matching.capacity``, eligible when they hold or will hold every mandatory
  certification in time, the best ``POOL_CAP`` by score. For each need: the time of
  ``find_groups`` with the default budget, and the gap of the heuristic's best group (and of the
  returned best group) against the exact optimum found by HiGHS with a long time limit;
- **random pools** of 10 to 200 firms (the tests' kind of pool), for how time and gap scale;
- **a rejected alternative**: the exact program on a score-and-proximity shortlist of
  ``EXACT_POOL_LIMIT`` firms (plus the largest capacities), against the same optimum.

Times are wall-clock on whatever else the machine runs; the load average is recorded.
"""

from __future__ import annotations

import io
import json
import math
import os
import platform
import statistics
import time
from datetime import UTC, date, datetime
from itertools import combinations
from pathlib import Path

import click
import numpy as np
from rich.console import Console
from rich.table import Table

from graph_schema.reference import read_certifications, read_sectors, read_territory
from matching.candidates import sector_tiers
from matching.capacity import cooperative_capacity_uf, firm_capacity_uf
from matching.catalog import Catalog, haversine_km
from matching.features import NeedContext, cert_states
from matching.group_exact import solve_exact
from matching.group_heuristic import solve_heuristic
from matching.group_problem import build_problem
from matching.groups import (
    DEFAULT_BUDGET_S,
    DEFAULT_MAX_SIZE,
    EXACT_POOL_LIMIT,
    GroupCandidate,
    eligible_pool,
    find_groups,
    possible_members,
)
from matching.matcher import score_candidates
from matching.ranker import prior
from scripts.demo.generator import generate
from scripts.settings import REPO_ROOT

RESULTS_DIR = REPO_ROOT / "bench" / "results"
# The caller caps a need's pool at this many eligible firms with a capacity (best score first).
POOL_CAP = 200
MAX_GAP = 0.05


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def demo_pools(catalog: Catalog, firms: int, seed: int):
    """``(need_id, volume, pool, allied_pairs)`` for each demo need with a volume, as a caller builds them."""
    data = generate(catalog, firms=firms, seed=seed)
    coops_of: dict[str, set[str]] = {}
    for row in data.memberships:
        coops_of.setdefault(row["rut"], set()).add(row["coop"])
    allied = {frozenset(pair) for a in data.alliances for pair in combinations(sorted(set(a["firms"])), 2)}
    by_class: dict[str, list[dict]] = {}
    for f in data.firms:
        for code in f["sectors"]:
            by_class.setdefault(code, []).append(f)
    ranker = prior()
    for need in data.needs:
        props = need["props"]
        volume = props.get("volume_uf")
        if not volume:
            continue
        tiers = sector_tiers(catalog, need["sectors"])
        area = set(catalog.comunas_within(need["comuna"], float(props["radius_km"])))
        seen: dict[str, dict] = {}
        for code in tiers:
            for f in by_class.get(code, ()):
                if f["comuna"] in area and f["props"]["size_segment"] != "grande":
                    seen[f["rut"]] = f
        if not seen:
            continue
        rows = list(seen.values())
        candidates = [{
            "rut": f["rut"], "name": f["props"]["name"], "comuna": f["comuna"], "sectors": f["sectors"],
            "size_segment": f["props"]["size_segment"], "annual_sales_uf": f["props"]["annual_sales_uf"],
            "owner_gender": f["props"]["owner_gender"], "cooperative": f["cooperative"],
            "coops": sorted(coops_of.get(f["rut"], ())), "products": f["props"]["products"],
            "certs": [[c["code"], c["status"], c["valid_until"]] for c in f["certifications"]],
            "advisory_hours": sum(a["hours"] for a in f["advised"]), "alliances": [], "proposals": [],
        } for f in rows]
        ctx = NeedContext(
            need_id=need["id"], buyer_rut=props["buyer_rut"], comuna=need["comuna"],
            radius_km=float(props["radius_km"]), sectors=tuple(need["sectors"]),
            text=f"{props['title']} {props['description']}", required=tuple(need["certifications"]),
            mandatory=bool(props["certifications_mandatory"]), deadline=date.fromisoformat(need["deadline"]),
            volume_uf=float(volume), as_of=_epoch(need["created"]),
        )
        _, scores, _ = score_candidates(ctx, candidates, catalog, tiers, ranker, None)
        origin = catalog.comunas[need["comuna"]]
        pool = []
        for cand, score in sorted(zip(candidates, scores.tolist(), strict=True), key=lambda cs: -cs[1]):
            sales = cand["annual_sales_uf"]
            capacity = (cooperative_capacity_uf(None, sales) if cand["cooperative"] else firm_capacity_uf(None, sales))
            if not capacity:
                continue
            states = cert_states(ctx.required, cand["certs"], ctx.as_of_date, ctx.deadline)
            comuna = catalog.comunas[cand["comuna"]]
            pool.append(GroupCandidate(
                rut=cand["rut"], name=cand["name"], capacity_uf=capacity, lat=comuna.lat, lon=comuna.lon,
                km_to_buyer=haversine_km(origin.lat, origin.lon, comuna.lat, comuna.lon), score=score,
                eligible=not ctx.mandatory or all(s.credit > 0 for s in states),
                is_cooperative=bool(cand["cooperative"]), cooperatives=frozenset(cand["coops"])))
            if sum(f.eligible for f in pool) >= POOL_CAP:
                break
        yield need["id"], float(volume), pool, allied


def random_pool(seed: int, n: int):
    """``n`` firms in ``n // 4`` places within ~70 km of a buyer; the volume needs ~3 median firms."""
    rng = np.random.default_rng(seed)
    buyer = (-34.17, -70.74)
    centres = [(buyer[0] + rng.uniform(-0.45, 0.45), buyer[1] + rng.uniform(-0.55, 0.55))
               for _ in range(max(3, n // 4))]
    cooperatives = [f"7{seed:04d}{k}-K" for k in range(max(1, n // 12))]
    pool = []
    for i in range(n):
        lat, lon = centres[rng.integers(len(centres))]
        is_coop = bool(rng.random() < 0.1)
        capacity = float(np.exp(rng.normal(math.log(400), 0.8))) * (3 if is_coop else 1)
        pool.append(GroupCandidate(
            rut=f"{seed}-{i}", name=f"Firma {i}", capacity_uf=round(capacity, 1), lat=lat, lon=lon,
            km_to_buyer=haversine_km(lat, lon, *buyer), score=float(rng.uniform(0.2, 0.9)),
            eligible=bool(rng.random() > 0.1), is_cooperative=is_coop,
            cooperatives=frozenset() if is_coop else frozenset(c for c in cooperatives if rng.random() < 0.1)))
    ruts = [f.rut for f in pool]
    allied = {frozenset(rng.choice(ruts, 2, replace=False).tolist()) for _ in range(n // 3)}
    return float(round(3 * np.median([f.capacity_uf for f in pool]))), pool, allied


def shortlist(problem, size: int) -> list[int]:
    """The rejected pre-filter: the best ``size`` by score and proximity, plus the largest capacities."""
    best = np.argsort(-problem.utility, kind="stable")[:size].tolist()
    largest = np.argsort(-problem.capacity, kind="stable")[:DEFAULT_MAX_SIZE].tolist()
    return sorted(set(best) | set(largest))


def compare(volume: float, pool: list[GroupCandidate], allied, exact_budget_s: float) -> dict | None:
    """One pool: ``find_groups`` time and method, and gaps against the exact optimum."""
    started = time.perf_counter()
    result = find_groups(volume, pool, allied)
    wall = time.perf_counter() - started
    row = {"eligible": result.eligible_firms, "status": result.status, "ms": round(wall * 1000, 1),
           "methods": sorted({g.method for g in result.groups}), "groups": len(result.groups)}
    if result.status != "found":
        return row
    problem = build_problem(possible_members(eligible_pool(pool), volume, DEFAULT_MAX_SIZE), volume, allied,
                            DEFAULT_MAX_SIZE)
    row["members_possible"] = problem.size
    t = time.perf_counter()
    exact, complete = solve_exact(problem, 1, time.perf_counter() + exact_budget_s)
    row["exact_ms"] = round((time.perf_counter() - t) * 1000, 1)
    if not complete or not exact:
        row["exact_complete"] = False
        return row
    best = exact[0][0]
    t = time.perf_counter()
    heuristic = solve_heuristic(problem, 1, time.perf_counter() + DEFAULT_BUDGET_S)
    row["heuristic_ms"] = round((time.perf_counter() - t) * 1000, 1)

    def gap(value: float | None) -> float:
        return math.inf if value is None else (best - value) / abs(best)

    row["gap_heuristic"] = gap(heuristic[0][0] if heuristic else None)
    row["gap_returned"] = gap(result.groups[0].score)
    keep = shortlist(problem, EXACT_POOL_LIMIT)
    if len(keep) < problem.size:
        small = build_problem([problem.firms[i] for i in keep], volume, allied, DEFAULT_MAX_SIZE)
        restricted, _ = solve_exact(small, 1, time.perf_counter() + exact_budget_s)
        row["gap_shortlist_exact"] = gap(restricted[0][0] if restricted else None)
    return row


def summary(label: str, rows: list[dict]) -> dict:
    found = [r for r in rows if "gap_heuristic" in r]
    ms = [r["ms"] for r in rows]
    short = [r["gap_shortlist_exact"] for r in found if "gap_shortlist_exact" in r]
    return {
        "set": label, "pools": len(rows), "with_groups": sum(r["status"] == "found" for r in rows),
        "compared": len(found), "eligible_median": statistics.median(r["eligible"] for r in rows) if rows else 0,
        "eligible_max": max((r["eligible"] for r in rows), default=0),
        "ms_p50": float(np.percentile(ms, 50)) if ms else 0, "ms_p95": float(np.percentile(ms, 95)) if ms else 0,
        "ms_max": max(ms, default=0),
        "gap_heuristic_max": max((r["gap_heuristic"] for r in found), default=0.0),
        "gap_heuristic_nonzero": sum(r["gap_heuristic"] > 1e-9 for r in found),
        "gap_returned_max": max((r["gap_returned"] for r in found), default=0.0),
        "exact_ms_max": max((r["exact_ms"] for r in found), default=0.0),
        "shortlist_compared": len(short), "shortlist_misses": sum(g > 1e-9 for g in short),
        "shortlist_gap_max": max(short, default=0.0),
    }


@click.command("groups")
@click.option("--firms", default=20_000, show_default=True, help="Demo data set size.")
@click.option("--seed", default=1, show_default=True)
@click.option("--needs", "max_needs", default=150, show_default=True, help="Demo needs compared (first ones).")
@click.option("--sizes", default="10,15,20,30,50,100,200", show_default=True, help="Random pool sizes.")
@click.option("--pools", default=8, show_default=True, help="Random pools per size.")
@click.option("--exact-budget", default=120.0, show_default=True, help="Seconds for each exact optimum.")
def bench_groups(firms: int, seed: int, max_needs: int, sizes: str, pools: int, exact_budget: float) -> None:
    """Heuristic against exact on demo needs and random pools; time per call with the default budget."""
    console = Console()
    territory = read_territory()
    catalog = Catalog.from_rows(territory.comunas, territory.regions, territory.provinces, read_sectors(),
                                read_certifications(), territory.adjacency)
    find_groups(1.0, [GroupCandidate("1-9", "warm-up", 1.0, 0, 0, 0, 0.5, True, True)])  # import and first solve
    sets: list[tuple[str, list[dict]]] = []
    rows = []
    for k, (_, volume, pool, allied) in enumerate(demo_pools(catalog, firms, seed)):
        if k >= max_needs:
            break
        rows.append(compare(volume, pool, allied, exact_budget))
    sets.append((f"demo needs ({firms:,} firms, seed {seed})", rows))
    for n in (int(s) for s in sizes.split(",")):
        sets.append((f"random pools of {n}", [compare(*random_pool(seed * 1000 + n * 10 + i, n), exact_budget)
                                              for i in range(pools)]))
        console.print(f"random pools of {n}: done")
    summaries = [summary(label, rs) for label, rs in sets]
    table = Table(title=f"Supplier groups: default budget {DEFAULT_BUDGET_S} s, exact up to {EXACT_POOL_LIMIT} firms")
    for column in ("set", "pools", "with groups", "eligible (median/max)", "ms p50/p95/max", "heuristic gap max",
                   "returned gap max", "exact 1st solve max ms", "shortlist+exact misses"):
        table.add_column(column)
    for s in summaries:
        table.add_row(s["set"], str(s["pools"]), f"{s['with_groups']} ({s['compared']} compared)",
                      f"{s['eligible_median']:.0f}/{s['eligible_max']}",
                      f"{s['ms_p50']:.0f}/{s['ms_p95']:.0f}/{s['ms_max']:.0f}", f"{s['gap_heuristic_max']:.2%}",
                      f"{s['gap_returned_max']:.2%}", f"{s['exact_ms_max']:.0f}",
                      f"{s['shortlist_misses']}/{s['shortlist_compared']} (max {s['shortlist_gap_max']:.1%})")
    console.print(table)
    worst = max(s["gap_heuristic_max"] for s in summaries)
    console.print(f"Largest heuristic gap: {worst:.2%} (target ≤ {MAX_GAP:.0%}).")
    load = os.getloadavg()[0]
    data = {"finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_average_1m": load},
            "summaries": summaries, "rows": {label: rs for label, rs in sets}}
    _write(table, data, console)
    if worst > MAX_GAP:
        raise SystemExit(1)


def _write(table: Table, data: dict, console: Console) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"groups-{datetime.now(UTC):%Y%m%d-%H%M%S}.md"
    text = Console(file=io.StringIO(), width=160, color_system=None, record=True)
    text.print(table)
    body = ["# Supplier groups benchmark", "", f"Run {data['finished_at']} on {data['machine']['platform']} "
            f"({data['machine']['cpus']} CPUs, load {data['machine']['load_average_1m']:.2f}).", "",
            "```", text.export_text().rstrip(), "```", "", "```json",
            json.dumps(data, indent=1, ensure_ascii=False, default=str), "```", ""]
    path.write_text("\n".join(body), encoding="utf-8")
    console.print(f"Results written to {path.relative_to(REPO_ROOT)}")
    return path


if __name__ == "__main__":
    bench_groups()
