"""``encadena bench groups``: top-5 group offers through HTTP at N demo firms, and the heuristic's gap.

In one run, on the demo data set (``encadena demo-data --firms N``; its supplier-network and short
value chain needs have volumes no single nearby firm covers): pick open needs whose volume no
single eligible candidate covers and that have groups; time ``GET /api/v1/needs/{id}/groups?limit=5``
through a gunicorn started here (p50, p95, after warm-up); and, on each of those needs' own pools
(``application.groups.group_pool``), the gap of the heuristic's best group against the exact
integer program (HiGHS, long time limit) where the exact program can solve it. The pure,
in-memory benchmark of the optimizer alone is ``python -m scripts.bench_groups``.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from application.settings import REPO_ROOT

RESULTS_DIR = REPO_ROOT / "bench" / "results"
LIMIT = 5
TARGET_P95_MS = 500.0
TARGET_GAP = 0.05


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@click.command("groups")
@click.option("--firms", default=100_000, show_default=True, help="Demo data size (loaded with --reset if needed).")
@click.option("--needs", "n_needs", default=30, show_default=True, help="Needs timed (those no single firm covers).")
@click.option("--rounds", default=5, show_default=True, help="Requests per need after warm-up.")
@click.option("--seed", default=1, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Results file (default bench/results/).")
def bench_groups(firms: int, n_needs: int, rounds: int, seed: int, out: Path | None) -> None:
    """Group offers at N firms through HTTP (p50/p95) and the heuristic's gap to the exact optimum."""
    import requests

    from application.access import COMMAND_LINE
    from application.groups import group_pool
    from application.matching import promoted_ranker
    from application.secrets import model_signing_key
    from application.settings import Settings
    from graph_schema.candidates import planner_counts
    from graph_schema.keys import create_key, revoke_key
    from graph_schema.reference import fetch_catalog
    from matching.groups import find_groups, optimality_gap
    from scripts.bench_matching import DEMO_NEEDS, Gunicorn, load_demo
    from scripts.cli import open_driver

    console = Console()
    with open_driver() as driver:
        load_demo(driver, firms, seed, console)
        catalog = fetch_catalog(driver)
        counts = planner_counts(driver)
        ranker = promoted_ranker(driver, model_signing_key(Settings()))
        records, _, _ = driver.execute_query(DEMO_NEEDS)
        chosen, gaps, unsolved = [], [], 0
        for record in records:
            found = group_pool(driver, catalog, record["id"], viewer=COMMAND_LINE, ranker=ranker, counts=counts)
            if not found.ctx.volume_uf or found.single_covers or not found.pool:
                continue
            search = find_groups(found.ctx.volume_uf, found.pool, found.allied, limit=LIMIT)
            if not search.groups:
                continue
            chosen.append(record["id"])
            try:
                gaps.append(optimality_gap(found.pool, found.ctx.volume_uf, found.allied, exact_budget_s=60.0))
            except RuntimeError:
                unsolved += 1
            if len(chosen) >= n_needs:
                break
        if not chosen:
            raise click.ClickException("No open demo need has group offers (load a demo data set first).")
        key_id, secret = create_key(driver, "advisor", label="bench-groups")
        try:
            with Gunicorn(None) as server:
                session = requests.Session()
                headers = {"Authorization": f"Bearer {secret}"}
                for need_id in chosen:
                    session.get(f"{server.url}/api/v1/needs/{need_id}/groups", params={"limit": LIMIT},
                                headers=headers, timeout=60)
                latencies = []
                for _ in range(rounds):
                    for need_id in chosen:
                        start = time.perf_counter()
                        response = session.get(f"{server.url}/api/v1/needs/{need_id}/groups", params={"limit": LIMIT},
                                               headers=headers, timeout=60)
                        latencies.append((time.perf_counter() - start) * 1000)
                        if response.status_code != 200:
                            raise click.ClickException(f"{need_id}: HTTP {response.status_code} {response.text[:300]}")
        finally:
            revoke_key(driver, key_id)
    p50, p95 = statistics.median(latencies), _percentile(latencies, 95)
    finite = [g for g in gaps if math.isfinite(g)]
    worst = max(finite) if finite else float("nan")
    within = sum(1 for g in gaps if g <= TARGET_GAP)
    table = Table(title=f"Group offers at {firms:,} demo firms (limit={LIMIT}, {rounds} rounds)")
    for column in ("needs", "requests", "p50 ms", "p95 ms", "target p95", "pools compared", "worst gap",
                   "within 5 %", "exact unsolved"):
        table.add_column(column, justify="right")
    table.add_row(str(len(chosen)), str(len(latencies)), f"{p50:.1f}", f"{p95:.1f}", f"< {TARGET_P95_MS:.0f}",
                  str(len(gaps)), f"{100 * worst:.2f} %", f"{within}/{len(gaps)}", str(unsolved))
    console.print(table)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = out or RESULTS_DIR / f"groups-http-{stamp}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    path.write_text(
        f"# Group offers benchmark — {stamp}\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores; load average {load:.1f}. Demo data: "
        f"`encadena demo-data --firms {firms} --seed {seed}`. Command: `encadena bench groups --firms {firms} "
        f"--needs {n_needs} --rounds {rounds}`.\n\n"
        "| needs | requests | p50 ms | p95 ms | pools compared | worst gap | within 5 % | exact unsolved |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        f"| {len(chosen)} | {len(latencies)} | {p50:.1f} | {p95:.1f} | {len(gaps)} | {100 * worst:.2f} % | "
        f"{within}/{len(gaps)} | {unsolved} |\n", encoding="utf-8")
    console.print(f"written to {path}")
