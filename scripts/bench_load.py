"""``encadena bench load``: a bounded load test of the running API, headless locust on loopback.

gunicorn is started on a free loopback port (as ``make run`` serves); locust runs in its own process
with ``scripts/load_locustfile.py`` for a fixed time and user count: match reads, firm searches,
need creation and proposals. First a one-user baseline in the same run, then the load. Reported per
operation: requests, errors, p50/p95/p99 and throughput, plus the gunicorn workers' memory (RSS) at
the start and the end. Results go to ``bench/results/load-<time>.md``. Not part of ``make test``.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

REPO_ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = REPO_ROOT / "scripts" / "load_locustfile.py"
RESULTS = REPO_ROOT / "bench" / "results"
WARM_UP_S = 20
SEARCH_WORDS = ("panaderia", "cooperativa", "transporte", "construccion", "agricola", "textil", "quesos",
                "mantencion", "limpieza", "madera", "ferreteria", "imprenta", "pesquera", "miel", "vinos")
AREAS = (("1071", "Rancagua"), ("4923", "Santiago"), ("1050", "Osorno"), ("8121", "Antofagasta"),
         ("0111", "Temuco"), ("4321", "Concepción"), ("1811", "Talca"), ("1629", "Renca"))


def _rss_mb(pids: list[int]) -> dict:
    import psutil

    sizes = []
    for pid in pids:
        try:
            sizes.append(psutil.Process(pid).memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            continue
    return {"workers": len(sizes), "total_mb": round(sum(sizes), 1), "max_mb": round(max(sizes, default=0), 1),
            "each_mb": [round(s, 1) for s in sizes]}


def _worker_pids(master: int) -> list[int]:
    import psutil

    return [child.pid for child in psutil.Process(master).children()]


def _params(driver, tag: str, seed: int) -> tuple[dict, list[str]]:
    """Who calls (fresh keys, revoked afterwards) and what they call with."""
    from graph_schema.keys import create_key

    records, _, _ = driver.execute_query(
        "MATCH (b:Buyer)-[:POSTED]->(n:Need {status: 'open'}) WITH b, collect(n.id) AS needs "
        "RETURN b.rut AS rut, needs ORDER BY size(needs) DESC, rut LIMIT 1")
    if not records:
        raise click.ClickException("No buyer has open needs: load the demo data first (`encadena demo-data`).")
    buyer_rut, needs = records[0]["rut"], records[0]["needs"]
    rng = random.Random(seed)
    # Large firms cannot be proposed (a 422 by design): the advisors draw from the others.
    firms, _, _ = driver.execute_query(
        "MATCH (f:Firm) WHERE coalesce(f.size_segment, '') <> 'grande' WITH f.rut AS rut SKIP $skip LIMIT 2000 "
        "RETURN collect(rut) AS r", skip=rng.randint(0, 1000))
    buyer_id, buyer_key = create_key(driver, "buyer", buyer_rut, label=f"bench load {tag}")
    advisor_id, advisor_key = create_key(driver, "advisor", None, label=f"bench load {tag}")
    return ({"tag": tag, "buyer_rut": buyer_rut, "needs": needs[:200], "ruts": firms[0]["r"],
             "words": list(SEARCH_WORDS), "areas": [list(a) for a in AREAS], "buyer_key": buyer_key,
             "advisor_key": advisor_key}, [buyer_id, advisor_id])


def _locust(url: str, params_path: Path, users: int, seconds: int, prefix: Path) -> list[dict]:
    env = {**os.environ, "ENCADENA_LOAD_PARAMS": str(params_path)}
    subprocess.run([str(Path(sys.executable).with_name("locust")), "-f", str(LOCUSTFILE), "--headless",
                    "--host", url, "-u", str(users), "-r", str(max(1, users // 4)), "-t", f"{seconds}s",
                    "--csv", str(prefix), "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"],
                   cwd=REPO_ROOT, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=seconds + 120)
    with open(f"{prefix}_failures.csv", encoding="utf-8") as fh:
        failures = [{"operation": r["Name"], "error": r["Error"], "count": int(r["Occurrences"])}
                    for r in csv.DictReader(fh)]
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        return [{**row, "failures": failures} for row in csv.DictReader(fh)]


def _failures(stats: list[dict]) -> list[dict]:
    return stats[0]["failures"] if stats else []


def _rows(stats: list[dict]) -> list[dict]:
    out = []
    for row in stats:
        out.append({"operation": row["Name"] if row["Name"] != "Aggregated" else "all operations",
                    "requests": int(row["Request Count"]), "errors": int(row["Failure Count"]),
                    "p50_ms": float(row["50%"]), "p95_ms": float(row["95%"]), "p99_ms": float(row["99%"]),
                    "per_second": round(float(row["Requests/s"]), 2)})
    return out


def _table(title: str, rows: list[dict]) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("operation", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "req/s"):
        table.add_column(col, justify="left" if col == "operation" else "right")
    for r in rows:
        table.add_row(r["operation"], f"{r['requests']:,}", str(r["errors"]), f"{r['p50_ms']:.0f}",
                      f"{r['p95_ms']:.0f}", f"{r['p99_ms']:.0f}", f"{r['per_second']:.1f}")
    return table


def _cleanup(driver, tag: str, key_ids: list[str]) -> None:
    from graph_schema.keys import revoke_key

    driver.execute_query("MATCH (n:Need) WHERE n.description CONTAINS $tag "
                         "OPTIONAL MATCH (p:Proposal)-[:FOR]->(n) DETACH DELETE p, n", tag=tag)
    for key_id in key_ids:
        revoke_key(driver, key_id)


@click.command("load")
@click.option("--users", type=click.IntRange(1, 100), default=20, show_default=True, help="Concurrent users.")
@click.option("--minutes", type=click.FloatRange(0.5, 15), default=3.0, show_default=True, help="Length of the load.")
@click.option("--baseline-seconds", type=click.IntRange(10, 300), default=30, show_default=True,
              help="Length of the one-user baseline run first.")
@click.option("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn_conf, cores + 1).")
@click.option("--seed", default=1, show_default=True)
def bench_load(users: int, minutes: float, baseline_seconds: int, workers: int | None, seed: int) -> None:
    """Load test: match reads, searches, needs and proposals by USERS users for MINUTES minutes (loopback)."""
    from scripts.bench_matching import Gunicorn
    from scripts.cli import open_driver

    console = Console(width=max(Console().width, 110))
    tag = f"carga-{uuid.uuid4().hex[:8]}"
    with open_driver() as driver:
        firms = driver.execute_query("MATCH (f:Firm) RETURN count(f) AS n")[0][0]["n"]
        params, key_ids = _params(driver, tag, seed)
        try:
            with tempfile.TemporaryDirectory(prefix="encadena-load-") as work, Gunicorn(workers) as server:
                params_path = Path(work) / "params.json"
                params_path.write_text(json.dumps(params), encoding="utf-8")
                console.print(f"{firms:,} firms; gunicorn on {server.url}; warm-up, then a baseline of 1 user for "
                              f"{baseline_seconds} s")
                # Every worker loads the ranker, the catalog and the planner's counts on its first requests.
                _locust(server.url, params_path, 4, WARM_UP_S, Path(work) / "warm-up")
                baseline = _rows(_locust(server.url, params_path, 1, baseline_seconds, Path(work) / "baseline"))
                memory_start = _rss_mb(_worker_pids(server.proc.pid))
                console.print(f"load: {users} users for {minutes:g} min")
                started = time.monotonic()
                load_stats = _locust(server.url, params_path, users, int(minutes * 60), Path(work) / "load")
                load, failures = _rows(load_stats), _failures(load_stats)
                seconds = time.monotonic() - started
                memory_end = _rss_mb(_worker_pids(server.proc.pid))
        finally:
            _cleanup(driver, tag, key_ids)
    title = f"Load: {users} users, {minutes:g} min, {firms:,} firms"
    tables = [_table(title, load), _table(f"Baseline in the same run: 1 user, {baseline_seconds} s", baseline)]
    for table in tables:
        console.print(table)
    console.print(f"gunicorn workers' memory (RSS): start {memory_start['total_mb']} MB "
                  f"(max {memory_start['max_mb']}), end {memory_end['total_mb']} MB (max {memory_end['max_mb']})")
    data = {"finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "firms": firms, "users": users,
            "minutes": minutes, "seconds": round(seconds, 1), "load": load, "baseline": baseline,
            "memory_start": memory_start, "memory_end": memory_end, "failures": failures,
            "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "load": os.getloadavg()[0]}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"load-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}.md"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(f"# Load test (issue 13)\n\nRun {data['finished_at']} on {platform.platform()} "
                 f"({os.cpu_count()} CPUs).\n\n")
        for table in tables:
            fh.write("```\n")
            file_console = Console(file=fh, width=110, force_terminal=False)
            file_console.print(table)
            fh.write("```\n\n")
        fh.write(f"gunicorn workers' memory (RSS): start {memory_start}, end {memory_end}\n\n")
        fh.write("```json\n" + json.dumps(data, indent=2, ensure_ascii=False) + "\n```\n")
    for failure in failures:
        console.print(f"  error: {failure['operation']}: {failure['error']} ({failure['count']})", style="red")
    console.print(f"Results: {path.relative_to(REPO_ROOT)}")
    if any(r["errors"] for r in load):
        raise SystemExit(1)
