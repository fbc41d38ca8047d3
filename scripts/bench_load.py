"""``encadena bench load``: a bounded load test of the running API, headless locust on loopback.

gunicorn is started on a free loopback port (as ``make run`` serves); locust runs in its own process
with ``scripts/load_locustfile.py`` for a fixed time and user count. Two scenarios:

- ``mix`` (issue 13): match reads, firm searches, need creation and proposals, with think time; a
  one-user baseline runs first in the same run;
- ``matches`` (issue 17): every user asks for the ranked candidates (limit 20) of a random open need
  (up to 400, the same sample for every server) as soon as its previous answer came, no think time.
  With ``--baseline-code DIR`` (a checkout of the code before a change, e.g. ``git archive main``) the
  same load runs first against a gunicorn serving that code, on the same Neo4j and data, and every
  sampled need's answer is compared between the two servers (same firms, same order, same scores).

Reported per operation: requests, errors, p50/p95/p99 and throughput, the load average around each
run, plus the gunicorn workers' memory (RSS) at the start and the end. Results go to
``bench/results/load-<time>.md``. Not part of ``make test``.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import threading
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
# The matches scenario draws from at most this many open needs (issue 17: "400 random open needs").
MATCH_NEEDS = 400
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


def connections_per_worker(pids: list[int], port: int) -> list[int]:
    """Client connections each worker holds on ``port`` (established), in ``pids`` order: how evenly the
    users' kept-alive connections are spread (service/gunicorn_worker.py)."""
    import psutil

    held = []
    for pid in pids:
        try:
            conns = psutil.Process(pid).net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        held.append(sum(1 for c in conns if c.laddr and c.laddr.port == port and c.status == psutil.CONN_ESTABLISHED))
    return held


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes used so far (0 for those that are gone)."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _neo4j_pid() -> int | None:
    """The local Neo4j's pid when this host runs it (``encadena neo4j start``), for its CPU time."""
    from application.settings import Settings
    from scripts.neo4j_server import Instance, running_pid

    return running_pid(Instance(Settings()))


def open_need_sample(driver, count: int, seed: int) -> list[str]:
    """Up to ``count`` open needs drawn with ``seed`` (the same sample for every server of a run)."""
    records, _, _ = driver.execute_query("MATCH (n:Need {status: 'open'}) RETURN n.id AS id ORDER BY id")
    ids = [r["id"] for r in records]
    random.Random(seed).shuffle(ids)
    return sorted(ids[:count])


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
             "open_needs": open_need_sample(driver, MATCH_NEEDS, seed),
             "words": list(SEARCH_WORDS), "areas": [list(a) for a in AREAS], "buyer_key": buyer_key,
             "advisor_key": advisor_key}, [buyer_id, advisor_id])


def _locust(url: str, params_path: Path, users: int, seconds: int, prefix: Path, scenario: str) -> list[dict]:
    env = {**os.environ, "ENCADENA_LOAD_PARAMS": str(params_path), "ENCADENA_LOAD_SCENARIO": scenario}
    subprocess.run([str(Path(sys.executable).with_name("locust")), "-f", str(LOCUSTFILE), "--headless",
                    "--host", url, "-u", str(users), "-r", str(max(1, users // 4) if scenario == "mix" else users),
                    "-t", f"{seconds}s",
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


def ranked_answers(url: str, key: str, need_ids: list[str], limit: int = 20) -> dict[str, list]:
    """Each need's ranked answer as ``[(rut, rank, score), ...]`` (or the HTTP status when it is not 200)."""
    import requests

    session = requests.Session()
    headers = {"Authorization": f"Bearer {key}"}
    answers: dict[str, list] = {}
    for need_id in need_ids:
        resp = session.get(f"{url}/api/v1/needs/{need_id}/matches", params={"limit": limit}, headers=headers,
                           timeout=120)
        answers[need_id] = ([(c["rut"], c["rank"], c["score"]) for c in resp.json()["candidates"]]
                            if resp.status_code == 200 else [resp.status_code])
    return answers


def compare_answers(before: dict[str, list], after: dict[str, list]) -> dict:
    """Needs whose ranked firms, order or scores differ between two servers."""
    differing = sorted(n for n in before if before[n] != after.get(n))
    return {"needs": len(before), "identical": len(before) - len(differing), "differing": differing[:20]}


def _load_run(server, params: dict, work: Path, label: str, users: int, seconds: int, scenario: str,
              console: Console) -> dict:
    """Warm-up, then the load; the table, the load average around it and the workers' memory."""
    params_path = work / "params.json"
    params_path.write_text(json.dumps(params), encoding="utf-8")
    # Every worker loads the ranker, the catalog and the planner's counts on its first requests (or, with
    # warming, before it accepts any); the same warm-up for every server keeps the comparison fair.
    _locust(server.url, params_path, 4, WARM_UP_S, work / f"{label}-warm-up", scenario)
    workers = _worker_pids(server.proc.pid)
    memory_start = _rss_mb(workers)
    load_before = os.getloadavg()[0]
    neo4j = [pid for pid in (_neo4j_pid(),) if pid]
    cpu_before = (_cpu_seconds(workers), _cpu_seconds(neo4j), resource.getrusage(resource.RUSAGE_CHILDREN))
    console.print(f"{label}: {users} users for {seconds} s")
    # The split of the users' connections over the workers, at a third and at two thirds of the load.
    port = int(server.url.rsplit(":", 1)[1])
    spread: list[list[int]] = []
    samplers = [threading.Timer(seconds * k / 3, lambda: spread.append(connections_per_worker(workers, port)))
                for k in (1, 2)]
    for sampler in samplers:
        sampler.start()
    stats = _locust(server.url, params_path, users, seconds, work / label, scenario)
    for sampler in samplers:
        sampler.cancel()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    rows = _rows(stats)
    requests = sum(r["requests"] for r in rows if r["operation"] == "all operations") or 1
    # Where the two cores went, per request: the web workers, Neo4j, and the load generator itself.
    cpu = {"gunicorn_ms": (_cpu_seconds(workers) - cpu_before[0]) * 1000 / requests,
           "neo4j_ms": (_cpu_seconds(neo4j) - cpu_before[1]) * 1000 / requests if neo4j else None,
           "locust_ms": (children.ru_utime + children.ru_stime - cpu_before[2].ru_utime - cpu_before[2].ru_stime)
           * 1000 / requests}
    return {"label": label, "rows": rows, "failures": _failures(stats),
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "cpu_per_request_ms": {k: round(v, 1) if v is not None else None for k, v in cpu.items()},
            "connections_per_worker": spread,
            "memory_start": memory_start, "memory_end": _rss_mb(_worker_pids(server.proc.pid))}


@click.command("load")
@click.option("--scenario", type=click.Choice(["mix", "matches"]), default="mix", show_default=True,
              help="mix: buyers' and advisors' work with think time; matches: match reads only, no think time.")
@click.option("--users", type=click.IntRange(1, 100), default=20, show_default=True, help="Concurrent users.")
@click.option("--minutes", type=click.FloatRange(0.5, 15), default=3.0, show_default=True, help="Length of the load.")
@click.option("--baseline-seconds", type=click.IntRange(10, 300), default=30, show_default=True,
              help="mix: length of the one-user baseline run first.")
@click.option("--baseline-code", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="matches: a checkout of the code before the change (e.g. `git archive main`); the same load "
                   "runs against it first, and every sampled need's answer is compared.")
@click.option("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn_conf).")
@click.option("--seed", default=1, show_default=True)
def bench_load(scenario: str, users: int, minutes: float, baseline_seconds: int, baseline_code: Path | None,
               workers: int | None, seed: int) -> None:
    """Load test of USERS users for MINUTES minutes (loopback), beside a baseline from the same run."""
    from scripts.bench_matching import Gunicorn
    from scripts.cli import open_driver

    console = Console(width=max(Console().width, 110))
    tag = f"carga-{uuid.uuid4().hex[:8]}"
    seconds = int(minutes * 60)
    runs: list[dict] = []
    answers: dict | None = None
    with open_driver() as driver:
        firms = driver.execute_query("MATCH (f:Firm) RETURN count(f) AS n")[0][0]["n"]
        params, key_ids = _params(driver, tag, seed)
        try:
            with tempfile.TemporaryDirectory(prefix="encadena-load-") as tmp:
                work = Path(tmp)
                console.print(f"{firms:,} firms; scenario {scenario}; {len(params['open_needs'])} open needs sampled")
                before = None
                if scenario == "matches" and baseline_code is not None:
                    with Gunicorn(workers, code_dir=baseline_code.resolve()) as server:
                        console.print(f"baseline code {baseline_code} on {server.url}")
                        before = ranked_answers(server.url, params["advisor_key"], params["open_needs"])
                        runs.append(_load_run(server, params, work, "baseline code", users, seconds, scenario,
                                              console))
                with Gunicorn(workers) as server:
                    console.print(f"this code on {server.url}")
                    if before is not None:
                        answers = compare_answers(before, ranked_answers(server.url, params["advisor_key"],
                                                                         params["open_needs"]))
                    if scenario == "mix":
                        params_path = work / "params.json"
                        params_path.write_text(json.dumps(params), encoding="utf-8")
                        _locust(server.url, params_path, 4, WARM_UP_S, work / "warm-up", scenario)
                        runs.append({"label": f"baseline in the same run: 1 user, {baseline_seconds} s",
                                     "rows": _rows(_locust(server.url, params_path, 1, baseline_seconds,
                                                           work / "one-user", scenario)),
                                     "failures": [], "load_average": [], "cpu_per_request_ms": {}, "memory_start": {},
                                     "memory_end": {}})
                    runs.append(_load_run(server, params, work, "this code", users, seconds, scenario, console))
        finally:
            _cleanup(driver, tag, key_ids)
    report(runs, answers, {"scenario": scenario, "users": users, "minutes": minutes, "firms": firms,
                           "baseline_code": str(baseline_code) if baseline_code else None, "seed": seed}, console)


def report(runs: list[dict], answers: dict | None, meta: dict, console: Console) -> None:
    """Print the tables and write them, with every figure as JSON, to ``bench/results/load-<time>.md``."""
    tables = [_table(f"{run['label']}: {meta['users'] if run['memory_start'] else 1} users, {meta['scenario']}, "
                     f"{meta['firms']:,} firms (load average {run['load_average']})", run["rows"]) for run in runs]
    for table in tables:
        console.print(table)
    for run in runs:
        if run["cpu_per_request_ms"]:
            console.print(f"{run['label']}: CPU per request (ms) {run['cpu_per_request_ms']}")
        if run.get("connections_per_worker"):
            console.print(f"{run['label']}: connections per worker {run['connections_per_worker']}")
    if answers is not None:
        console.print(f"Answers compared on {answers['needs']} needs: {answers['identical']} identical "
                      f"(firms, order, scores); differing: {answers['differing'] or 'none'}")
    command = (f"encadena bench load --scenario {meta['scenario']} --users {meta['users']} "
               f"--minutes {meta['minutes']:g}"
               + (f" --baseline-code {meta['baseline_code']}" if meta["baseline_code"] else "")
               + f" --seed {meta['seed']}")
    data = {"finished_at": datetime.now(UTC).isoformat(timespec="seconds"), **meta, "command": command,
            "runs": runs, "answers": answers,
            "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "load": os.getloadavg()[0]}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"load-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}.md"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(f"# Load test ({meta['scenario']})\n\nRun {data['finished_at']} on {platform.platform()} "
                 f"({os.cpu_count()} CPUs). Command: `{command}`.\n\n")
        for table in tables:
            fh.write("```\n")
            Console(file=fh, width=120, force_terminal=False).print(table)
            fh.write("```\n\n")
        if answers is not None:
            fh.write(f"Answers compared on {answers['needs']} needs: {answers['identical']} identical (firms, order, "
                     f"scores); differing: {answers['differing'] or 'none'}.\n\n")
        for run in runs:
            if run["memory_start"]:
                fh.write(f"{run['label']}: CPU per request (ms) {run['cpu_per_request_ms']}; connections per "
                         f"worker (at a third and two thirds of the load) {run.get('connections_per_worker')}; "
                         f"gunicorn workers' memory (RSS) start {run['memory_start']}, end {run['memory_end']}\n\n")
        fh.write("```json\n" + json.dumps(data, indent=2, ensure_ascii=False) + "\n```\n")
    for run in runs:
        for failure in run["failures"]:
            console.print(f"  error ({run['label']}): {failure['operation']}: {failure['error']} "
                          f"({failure['count']})", style="red")
    console.print(f"Results: {path.relative_to(REPO_ROOT)}")
    if any(r["errors"] for run in runs for r in run["rows"]):
        raise SystemExit(1)
