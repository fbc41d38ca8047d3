"""``encadena bench restart``: the first requests after a restart of Neo4j and the web service.

For the code before a change (``--baseline-code DIR``, e.g. ``git archive main``) and for this code, in
that order, on the same data: stop the local Neo4j, start it with that code's own launcher (this
code's ``encadena neo4j start`` warms the page cache; the baseline's does not), start gunicorn with
that code (this code's workers warm themselves before they accept connections), wait until ``/readyz``
answers 200 (when a load balancer would send traffic), then one client asks for the matches (limit 20)
of ``--requests`` open needs in a seeded random order, one after another.
Reported: how long each start took, and p50/p95/p99 of the first 60 and of all the requests, beside
the same figures of the other code. Results go to ``bench/results/restart-<time>.md``.

The operating system's file cache is not dropped (that needs the whole machine); Neo4j's own page
cache, its query plans and the workers' memory start empty, which is what a restart empties.
"""

from __future__ import annotations

import json
import os
import platform
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import click
import numpy as np
from rich.console import Console
from rich.table import Table

from application.settings import REPO_ROOT

RESULTS = REPO_ROOT / "bench" / "results"
FIRST = 60  # issue 17 measured the first 60 requests of one client


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def _restart_neo4j(code_dir: Path, console: Console) -> float:
    """Stop the local Neo4j and start it with ``code_dir``'s launcher; seconds the start took."""
    from application.settings import Settings
    from scripts import neo4j_server

    neo4j_server.stop(neo4j_server.Instance(Settings()), echo=lambda *_: None)
    started = time.monotonic()
    if code_dir == REPO_ROOT:
        command = [str(Path(sys.executable).with_name("encadena")), "neo4j", "start"]
    else:
        command = [sys.executable, "-m", "scripts.neo4j_server", "start"]
    subprocess.run(command, cwd=code_dir, env={**os.environ, "PYTHONPATH": str(code_dir)}, check=True,
                   stdout=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    console.print(f"  Neo4j started in {seconds:.1f} s ({code_dir.name or code_dir})")
    return seconds


def _first_requests(url: str, key: str, needs: list[str]) -> tuple[list[float], int]:
    import requests

    session = requests.Session()
    headers = {"Authorization": f"Bearer {key}"}
    latencies, errors = [], 0
    for need in needs:
        start = time.perf_counter()
        resp = session.get(f"{url}/api/v1/needs/{need}/matches", params={"limit": 20}, headers=headers, timeout=120)
        latencies.append((time.perf_counter() - start) * 1000)
        errors += resp.status_code != 200
    return latencies, errors


def _run(label: str, code_dir: Path, key: str, needs: list[str], console: Console) -> dict:
    from scripts.bench_matching import Gunicorn

    console.print(f"{label}: restarting Neo4j and gunicorn")
    load_before = os.getloadavg()[0]
    neo4j_s = _restart_neo4j(code_dir, console)
    # Traffic starts when /readyz says ready, as a load balancer's health check would let it through.
    server = Gunicorn(None, code_dir=None if code_dir == REPO_ROOT else code_dir, probe="/readyz")
    with server:
        web_s = time.monotonic() - server.started
        console.print(f"  gunicorn ready (/readyz 200) after {web_s:.1f} s; {len(needs)} requests, one client")
        latencies, errors = _first_requests(server.url, key, needs)
    first = latencies[:FIRST]
    return {"label": label, "neo4j_start_s": round(neo4j_s, 1), "web_start_s": round(web_s, 1),
            "requests": len(latencies), "errors": errors,
            "first60": {"p50": _pct(first, 50), "p95": _pct(first, 95), "p99": _pct(first, 99)},
            "all": {"p50": _pct(latencies, 50), "p95": _pct(latencies, 95), "p99": _pct(latencies, 99),
                    "max": max(latencies)},
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


@click.command("restart")
@click.option("--requests", "count", default=500, show_default=True, help="Requests timed after each restart.")
@click.option("--baseline-code", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="A checkout of the code before the change, restarted and timed first.")
@click.option("--seed", default=1, show_default=True)
def bench_restart(count: int, baseline_code: Path | None, seed: int) -> None:
    """The first requests after restarting Neo4j and gunicorn, beside the code before the change."""
    from graph_schema.keys import create_key, revoke_key
    from scripts.bench_load import open_need_sample
    from scripts.cli import open_driver

    console = Console()
    with open_driver() as driver:
        firms = driver.execute_query("MATCH (f:Firm) RETURN count(f) AS n")[0][0]["n"]
        pool = open_need_sample(driver, 400, seed)
        key_id, key = create_key(driver, "advisor", None, label="bench restart")
    rng = random.Random(seed)
    needs = [rng.choice(pool) for _ in range(count)]
    runs = []
    try:
        if baseline_code is not None:
            runs.append(_run("baseline code", baseline_code.resolve(), key, needs, console))
        runs.append(_run("this code", REPO_ROOT, key, needs, console))
    finally:
        with open_driver() as driver:
            revoke_key(driver, key_id)
    table = Table(title=f"After a restart: {count} requests of one client, {firms:,} firms (ms)")
    for col in ("code", "Neo4j start s", "web ready s", "errors", "first 60 p50", "p95", "p99", "all p50", "p95",
                "p99", "max", "load avg"):
        table.add_column(col, justify="right")
    for r in runs:
        table.add_row(r["label"], f"{r['neo4j_start_s']}", f"{r['web_start_s']}", str(r["errors"]),
                      *(f"{r['first60'][k]:.0f}" for k in ("p50", "p95", "p99")),
                      *(f"{r['all'][k]:.0f}" for k in ("p50", "p95", "p99", "max")), str(r["load_average"]))
    console.print(table)
    command = f"encadena bench restart --requests {count}" + (
        f" --baseline-code {baseline_code}" if baseline_code else "") + f" --seed {seed}"
    data = {"finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "firms": firms, "command": command,
            "runs": runs, "machine": {"platform": platform.platform(), "cpus": os.cpu_count()}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"restart-{datetime.now(UTC):%Y%m%d-%H%M%S}.md"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(f"# After a restart ({firms:,} firms)\n\nCommand: `{command}`. {platform.platform()}, "
                 f"{os.cpu_count()} CPUs. The OS file cache is not dropped; Neo4j's page cache, its plans and the "
                 "workers start empty.\n\n```\n")
        Console(file=fh, width=160, force_terminal=False).print(table)
        fh.write("```\n\n```json\n" + json.dumps(data, indent=2) + "\n```\n")
    console.print(f"Results: {path.relative_to(REPO_ROOT)}")
    if any(r["errors"] for r in runs):
        raise SystemExit(1)
