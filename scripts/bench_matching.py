"""``encadena bench matching``: match latency through HTTP at 10,000 and 100,000 firms, beside a naive baseline.

For each size: load firms up to that size (progress bar), write a fixed set of needs, start
gunicorn on a free loopback port, warm up, then time ``GET /api/v1/needs/{id}/matches`` for every
need in turn (p50, p95). In the same run, the naive baseline ranks a sample of the same needs
in-process: fetch every firm of the need's sectors nationwide with one query, then score the
firms one by one in Python (one feature row and one model call per firm), keep those within the
radius and sort. The table goes to stdout and to ``bench/results/matching-<date>.md``.
"""

from __future__ import annotations

import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import LiteralString

import click
import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from application.settings import REPO_ROOT, Settings

RESULTS_DIR = REPO_ROOT / "bench" / "results"
LIMIT = 20
# Workers import scikit-learn and build the app; on a loaded 2-core machine that takes a while.
STARTUP_TIMEOUT_S = 180


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn serving ``create_app()`` on a free loopback port, as ``make run`` does."""

    def __init__(self, workers: int | None, extra_env: dict[str, str] | None = None, code_dir: Path | None = None,
                 probe: str = "/healthz"):
        """``code_dir``: serve the code of another checkout (e.g. ``git archive main``) with this environment,
        so a benchmark can time the code before a change beside it in the same run. ``probe``: the path
        that must answer 200 before the server counts as started (``/readyz``: as a load balancer would
        wait, every worker warm)."""
        self.probe = probe
        import requests  # a dev dependency: only the benchmark needs an HTTP client

        self._requests = requests
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # One client asks as fast as it can: the per-key limit of matches would stop it, so the bench
        # server gets its own counters and a limit no benchmark reaches.
        self._data = tempfile.TemporaryDirectory(prefix="encadena-bench-")
        from application.secrets import secret_key
        from application.settings import Settings

        env = {**os.environ, "PORT": str(self.port), "LOG_LEVEL": "warning", "ENCADENA_DATA_DIR": self._data.name,
               "SECRET_KEY": secret_key(Settings()).decode(),  # the key the CLI signs models with
               "RATE_LIMIT_MATCHES": "1000000 per minute", "RATE_LIMIT_AUTH_FAILURES": "1000000 per minute",
               **(extra_env or {})}
        if workers:
            env["WEB_CONCURRENCY"] = str(workers)
        self.code_dir = code_dir or REPO_ROOT
        if code_dir is not None:
            env["PYTHONPATH"] = str(code_dir)  # ahead of this checkout, which the venv installs as editable
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.proc = subprocess.Popen(
            [str(gunicorn), "--config", "service/gunicorn_conf.py", "--access-logfile", "/dev/null",
             "service:create_app()"],
            cwd=self.code_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.started = time.monotonic()

    def __enter__(self) -> Gunicorn:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if self._requests.get(f"{self.url}{self.probe}", timeout=1).ok:
                    return self
            except self._requests.RequestException:
                pass
            time.sleep(0.2)
        self.proc.kill()
        raise click.ClickException(f"gunicorn did not start within {STARTUP_TIMEOUT_S} s")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self._data.cleanup()


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=console, transient=True)


DEMO_NEEDS: LiteralString = "MATCH (n:Need {status: 'open'}) WHERE n.demo = true RETURN n.id AS id ORDER BY id"


def load_demo(driver, size: int, seed: int, console: Console) -> None:
    """``encadena demo-data --firms SIZE --reset`` unless that very data set is already loaded."""
    from scripts.demo.generator import firm_ruts
    from scripts.demo.writer import demo_counts, demo_firm_exists

    # Merges of the demo's duplicate review take a few firms away: within 2 % is this very data set.
    if abs(demo_counts(driver)["firms"] - size) <= size * 0.02 and demo_firm_exists(driver, firm_ruts(size, seed)[0]):
        console.print(f"demo data with {size:,} firms already loaded")
        return
    console.print(f"loading the demo data set with {size:,} firms (encadena demo-data --reset)")
    done = subprocess.run([str(Path(sys.executable).with_name("encadena")), "demo-data", "--firms", str(size),
                           "--seed", str(seed), "--reset"], cwd=REPO_ROOT, check=False)
    if done.returncode != 0:  # demo-data has said why; stop here without a traceback
        raise click.ClickException(f"`encadena demo-data` terminó con el código {done.returncode}; "
                                   "vea su mensaje más arriba.")


def demo_needs(driver, count: int) -> list[str]:
    """``count`` open demo needs spread evenly over them in id order (the same ones every run)."""
    records, _, _ = driver.execute_query(DEMO_NEEDS)
    ids = [r["id"] for r in records]
    if not ids:
        raise click.ClickException("The demo data set has no open needs.")
    step = max(1, len(ids) // count)
    return ids[::step][:count]


def load_data(driver, catalog, size: int, seed: int, console: Console) -> None:
    """Bring the benchmark firms up to ``size`` (only the missing ones are written)."""
    from scripts import bench_data

    world = bench_data.World(catalog, seed)
    have = bench_data.count_firms(driver)
    if have >= size:
        console.print(f"{have:,} benchmark firms already loaded")
        return
    with _progress(console) as bar:
        task = bar.add_task(f"loading firms up to {size:,}", total=size, completed=have)
        bench_data.load_firms(driver, world, size, progress=lambda n: bar.advance(task, n))
    console.print(f"loaded {size - have:,} firms ({size:,} benchmark firms in the graph)")


def time_http(url: str, key: str, need_ids: list[str], rounds: int, console: Console) -> tuple[list[float], list[int]]:
    """Latency (ms) of every matches request, and how many candidates each one scored."""
    import requests

    session = requests.Session()
    headers = {"Authorization": f"Bearer {key}"}
    for need_id in need_ids:  # warm-up: query plans, page cache, each worker's catalog and model
        for _ in range(3):
            session.get(f"{url}/api/v1/needs/{need_id}/matches", params={"limit": LIMIT}, headers=headers, timeout=60)
    latencies, considered = [], []
    with _progress(console) as bar:
        task = bar.add_task("timing matches over HTTP", total=rounds * len(need_ids))
        for _ in range(rounds):
            for need_id in need_ids:
                start = time.perf_counter()
                resp = session.get(f"{url}/api/v1/needs/{need_id}/matches", params={"limit": LIMIT},
                                   headers=headers, timeout=60)
                latencies.append((time.perf_counter() - start) * 1000)
                if resp.status_code != 200:
                    raise click.ClickException(f"{need_id}: HTTP {resp.status_code} {resp.text[:300]}")
                considered.append(resp.json()["candidates_considered"])
                bar.advance(task)
    return latencies, considered


def naive_match(driver, catalog, ranker, need_id: str) -> tuple[float, int]:
    """The baseline: every firm of the need's sectors, scored one at a time. Returns (ms, firms scored)."""
    from graph_schema.candidates import fetch_need_context, fetch_sector_firms
    from matching.candidates import search_area
    from matching.features import CandidateBatch, CandidateFeaturizer, need_context

    start = time.perf_counter()
    ctx = need_context(fetch_need_context(driver, need_id))
    area = search_area(catalog, ctx.comuna, ctx.radius_km, ctx.sectors)
    firms = fetch_sector_firms(driver, area.codes)
    featurizer = CandidateFeaturizer()
    inside = set(area.cuts)
    scored = []
    for candidate in firms:
        row = featurizer.transform(CandidateBatch(ctx, [candidate], catalog, area.tiers))
        score = float(ranker.scores(row)[0])
        if candidate["comuna"] in inside and candidate.get("size_segment") != "grande":
            scored.append((-score, candidate["rut"]))
    scored.sort()
    _top = scored[:LIMIT]
    return (time.perf_counter() - start) * 1000, len(firms)


def profile_candidates(driver, catalog, need_id: str) -> dict:
    """PROFILE of the candidate query for one need, planned as the service plans it."""
    from graph_schema.candidates import candidate_query, fetch_need_context, planner_counts
    from matching.candidates import CANDIDATE_CAP, plan_need, search_area
    from matching.features import need_context

    ctx = need_context(fetch_need_context(driver, need_id))
    area = search_area(catalog, ctx.comuna, ctx.radius_km, ctx.sectors)
    plan = plan_need(area, planner_counts(driver), ctx.required, ctx.mandatory)
    query, params = candidate_query(codes=area.codes, tiers=area.tiers, cuts=area.cuts, km=area.km,
                                    required=list(ctx.required), mandatory=ctx.mandatory,
                                    today=datetime.now(UTC).date(), cap=CANDIDATE_CAP, plan=plan)
    with driver.session() as session:
        result = session.run("PROFILE " + query, params)
        rows = sum(len(record["candidates"]) for record in result)
        summary = result.consume()
    operators = []

    def walk(plan, depth=0):
        args = plan.get("args", {}) if isinstance(plan, dict) else {}
        operators.append(("  " * depth + plan["operatorType"].split("@")[0], plan.get("rows", 0), plan.get("dbHits", 0),
                          args.get("Details", "")[:90]))
        for child in plan.get("children", []):
            walk(child, depth + 1)

    profile = summary.profile
    walk(profile)
    shown = f"holders of {plan.start}" if plan.start else "+".join(w.value for w in plan.walks)
    return {"need": need_id, "plan": shown, "codes": len(area.codes),
            "comunas": len(area.cuts), "rows": rows,
            "db_hits": sum(op[2] for op in operators), "operators": operators}


def write_results(rows: list[dict], profiles: list[dict], meta: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"# Matching benchmark — {meta['date']}",
        "",
        f"Machine: {meta['machine']}. Neo4j heap {meta['heap']}, page cache {meta['pagecache']}; "
        f"gunicorn {meta['workers']} workers x {Settings().gunicorn_threads} threads; one client, sequential requests, "
        f"limit={LIMIT}. "
        f"Load average (1 min) before/after each size: {meta['load']}.",
        f"Data: {meta['data']}. Command: `{meta['command']}`.",
        "",
        "| firms | model | needs | HTTP requests | candidates scored (median) | p50 ms | p95 ms | naive needs "
        "| naive firms scored (median) | naive p50 ms | naive p95 ms | speed-up p50 | speed-up p95 |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['firms']:,} | {r['model']} | {r['needs']} | {r['requests']} | {r['considered']:.0f} | "
            f"{r['p50']:.1f} | {r['p95']:.1f} | {r['naive_needs']} | {r['naive_firms']:.0f} | {r['naive_p50']:.0f} | "
            f"{r['naive_p95']:.0f} | {r['naive_p50'] / r['p50']:.0f}x | {r['naive_p95'] / r['p95']:.0f}x |"
        )
    for prof in profiles:
        lines += ["", f"## PROFILE of the candidate query at {prof['firms']:,} firms, slowest need "
                      f"({prof['need']}, median {prof['median_ms']:.0f} ms: "
                      f"{prof['codes']} ISIC classes, {prof['comunas']} comunas, plan {prof['plan']}, "
                      f"{prof['rows']} candidates, "
                      f"{prof['db_hits']:,} db hits)", "", "```"]
        for name, rows_, hits, details in prof["operators"]:
            lines.append(f"{name:<40} rows={rows_:<8} dbHits={hits:<9} {details}")
        lines.append("```")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@click.command("matching")
@click.option("--sizes", default="10000,100000", show_default=True, help="Firm counts, comma-separated, ascending.")
@click.option("--needs", "n_needs", default=40, show_default=True, help="Needs timed at each size.")
@click.option("--rounds", default=5, show_default=True, help="Times each need is requested (after warm-up).")
@click.option("--naive-needs", default=10, show_default=True, help="Needs ranked by the naive baseline per size.")
@click.option("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn_conf, cores + 1).")
@click.option("--data", type=click.Choice(["demo", "synthetic"]), default="demo", show_default=True,
              help="demo: `encadena demo-data --firms N --reset` and its open needs; synthetic: scripts/bench_data.py.")
@click.option("--seed", default=1, show_default=True, help="Seed of the data set.")
@click.option("--remove-synthetic", is_flag=True, help="Delete the synthetic benchmark data first.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Results file (default bench/results/).")
def bench_matching(sizes: str, n_needs: int, rounds: int, naive_needs: int, workers: int | None, data: str,
                   seed: int, remove_synthetic: bool, out: Path | None) -> None:
    """Match latency p50/p95 through HTTP at each size, beside a naive one-by-one baseline."""
    from application.matching import promoted_ranker
    from application.secrets import model_signing_key
    from application.settings import Settings
    from graph_schema.keys import create_key, revoke_key
    from graph_schema.migrate import migrate
    from graph_schema.reference import fetch_catalog
    from scripts import bench_data
    from scripts.cli import open_driver

    console = Console()
    targets = sorted(int(s) for s in sizes.split(","))
    rows, profiles = [], []
    loads: list[float] = []
    with open_driver() as driver:
        migrate(driver, echo=lambda *_: None)
        catalog = fetch_catalog(driver)
        if not catalog.comunas:
            raise click.ClickException("Reference data is missing: run `encadena load-reference` first.")
        if remove_synthetic:
            console.print(f"removed {bench_data.remove(driver, seed):,} synthetic benchmark firms")
        key_id, key = create_key(driver, "advisor", label="bench matching")
        try:
            for size in targets:
                if data == "demo":
                    load_demo(driver, size, seed, console)
                    need_ids = demo_needs(driver, n_needs)
                else:
                    load_data(driver, catalog, size, seed, console)
                    need_ids = bench_data.load_needs(driver, bench_data.World(catalog, seed), n_needs)
                loads.append(os.getloadavg()[0])
                with Gunicorn(workers) as server:
                    latencies, considered = time_http(server.url, key, need_ids, rounds, console)
                naive_ms, naive_firms = [], []
                ranker = promoted_ranker(driver, model_signing_key(Settings()))  # what the service serves
                with _progress(console) as bar:
                    task = bar.add_task("naive baseline (one firm at a time)", total=naive_needs)
                    for need_id in need_ids[:naive_needs]:
                        ms, firms = naive_match(driver, catalog, ranker, need_id)
                        naive_ms.append(ms)
                        naive_firms.append(firms)
                        bar.advance(task)
                row = {
                    "model": ranker.version, "firms": size, "needs": len(need_ids), "requests": len(latencies),
                    "considered": statistics.median(considered), "p50": percentile(latencies, 50),
                    "p95": percentile(latencies, 95), "naive_needs": len(naive_ms),
                    "naive_firms": statistics.median(naive_firms), "naive_p50": percentile(naive_ms, 50),
                    "naive_p95": percentile(naive_ms, 95),
                }
                rows.append(row)
                loads.append(os.getloadavg()[0])
                # The slowest need (median over the rounds): its plan shows where the time goes.
                per_need = [statistics.median(latencies[i::len(need_ids)]) for i in range(len(need_ids))]
                slowest = max(range(len(need_ids)), key=lambda i: per_need[i])
                profiles.append({"firms": size, "median_ms": per_need[slowest],
                                 **profile_candidates(driver, catalog, need_ids[slowest])})
                console.print(f"{size:,} firms: p50 {row['p50']:.1f} ms, p95 {row['p95']:.1f} ms; naive p50 "
                              f"{row['naive_p50']:.0f} ms, p95 {row['naive_p95']:.0f} ms")
        finally:
            revoke_key(driver, key_id)

    table = Table(title=f"Matching latency, limit={LIMIT} (ms)")
    for col in ("firms", "needs", "requests", "candidates", "p50", "p95", "naive p50", "naive p95", "x p50", "x p95"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(f"{r['firms']:,}", str(r["needs"]), str(r["requests"]), f"{r['considered']:.0f}",
                      f"{r['p50']:.1f}", f"{r['p95']:.1f}", f"{r['naive_p50']:.0f}", f"{r['naive_p95']:.0f}",
                      f"{r['naive_p50'] / r['p50']:.0f}", f"{r['naive_p95'] / r['p95']:.0f}")
    console.print(table)
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
                   f"{platform.python_version()}",
        "heap": os.environ.get("NEO4J_HEAP", "2g"), "pagecache": os.environ.get("NEO4J_PAGECACHE", "2g"),
        "workers": workers or (os.cpu_count() or 1) + 1,
        "load": ", ".join(f"{a:.1f}/{b:.1f}" for a, b in zip(loads[::2], loads[1::2], strict=False)),
        "data": f"demo data set (`encadena demo-data --firms N --seed {seed}`), {n_needs} of its open needs"
        if data == "demo" else f"synthetic benchmark firms and needs (scripts/bench_data.py, seed {seed})",
        "command": f"encadena bench matching --sizes {sizes} --needs {n_needs} --rounds {rounds} "
                   f"--naive-needs {naive_needs} --data {data} --seed {seed}",
    }
    path = out or RESULTS_DIR / f"matching-{datetime.now(UTC):%Y-%m-%d}.md"
    write_results(rows, profiles, meta, path)
    console.print(f"results written to {path}")
