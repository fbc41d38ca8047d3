"""``encadena bench pages``: server time of every page, p50 and p95, as the demo buyer and advisor see them.

Start gunicorn on a free loopback port (as ``make run`` serves), sign in through the sign-in form as
the demo people (``encadena users demo``), warm up, then request each page ``--rounds`` times. The
server time is what the app measured (``Server-Timing: app;dur=...``, from the first request hook to
the response); the round trip seen by the client is printed beside it. Pages that vary (need pages,
firm pages) cycle over several needs and firms of the demo data. The table goes to stdout and to
``bench/results/pages-<date>.md``; the firm count in the graph is part of each row, so run it at the
demo size and again after ``encadena demo-data --firms 100000 --reset`` (or pass ``--firms``).

It talks HTTP only: nothing of ``service`` is imported here.
"""

from __future__ import annotations

import os
import platform
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import LiteralString

import click
from rich.console import Console
from rich.table import Table

from application.settings import Settings
from scripts.bench_matching import RESULTS_DIR, Gunicorn, _progress, load_demo, percentile

# Needs and firms each varying page cycles over.
SAMPLES = 10
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_TIMING = re.compile(r"app;dur=([0-9.]+)")

OPEN_NEEDS: LiteralString = """
MATCH (b:Buyer)-[:POSTED]->(n:Need {status: 'open'}) WHERE n.demo = true
RETURN n.id AS id ORDER BY id LIMIT $limit
"""
PROPOSED_FIRMS: LiteralString = """
MATCH (p:Proposal)-[:OF]->(f:Firm) WHERE p.demo = true
WITH DISTINCT f ORDER BY f.rut LIMIT $limit RETURN f.rut AS rut
"""
FIRM_COUNT: LiteralString = "MATCH (f:Firm) RETURN count(f) AS n"
OPEN_PAIRS: LiteralString = """
MATCH (d:DuplicateCandidate {status: 'open'}) WHERE d.demo = true
RETURN d.id AS id ORDER BY d.score DESC, d.id LIMIT $limit
"""
# Rows of demo firms for the import whose result page is timed (a dry run: it writes no firm).
IMPORT_ROWS: LiteralString = """
MATCH (f:Firm {demo: true})-[:LOCATED_IN]->(c:Comuna)
WITH f, c ORDER BY f.rut LIMIT $limit
RETURN f.rut AS rut, f.name AS name, c.cut AS comuna,
       COLLECT { MATCH (f)-[:OPERATES_IN]->(s:Sector) RETURN s.code ORDER BY s.code LIMIT 1 }[0] AS sector
"""
BENCH_JOBS: LiteralString = "MATCH (j:Job {bench_pages: true}) DETACH DELETE j"
FINISH_BENCH_JOB: LiteralString = """
MATCH (j:Job {id: $id})
SET j.status = 'done', j.result = $result, j.files = $files, j.finished_at = datetime(), j.bench_pages = true
"""
REPORT_FILES = ["recommendations.csv", "recommendations_es-CL.csv", "recommendations.xlsx", "report.html",
                "report.pdf"]


def sign_in(url: str, email: str, password: str):
    """A ``requests.Session`` signed in through the form."""
    import requests

    session = requests.Session()
    page = session.get(f"{url}/app/login", timeout=60)
    token = _TOKEN.search(page.text)
    if not token:
        raise click.ClickException("The sign-in page has no CSRF token.")
    response = session.post(f"{url}/app/login", data={"email": email, "password": password,
                                                      "csrf_token": token.group(1)}, allow_redirects=False, timeout=60)
    if response.status_code != 302:
        raise click.ClickException(f"{email} could not sign in: HTTP {response.status_code}")
    return session


# Filters of the firm search never asked before in a run (its counts are reused for 30 s per filter set).
FRESH_REGIONS = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16")
FRESH_SIZES = ("micro", "pequena", "mediana")
FRESH_COOPERATIVE = ("true", "false")


def fresh_firm_filters(count: int) -> list[str]:
    """``count`` distinct filter sets of the firm search (region, size, cooperative)."""
    combos = [(r, s, c) for c in FRESH_COOPERATIVE for s in FRESH_SIZES for r in FRESH_REGIONS]
    return [f"/app/firms?region={r}&size={s}&cooperative={c}" for r, s, c in combos[:count]]


def bench_jobs(driver, rows: int = 2000, broken: int = 100) -> dict[str, str]:
    """A finished import job (a dry run of ``rows`` demo firms, ``broken`` of them with a wrong RUT, through
    the application's own import) and a finished report job, whose pages the benchmark times."""
    import json
    import uuid
    from datetime import UTC, datetime

    from application.imports import import_file
    from graph_schema import jobs as jobs_repo
    from graph_schema.reference import fetch_catalog

    driver.execute_query(BENCH_JOBS)
    lines = ["rut;razón social;comuna;ciiu"]
    for i, r in enumerate(driver.execute_query(IMPORT_ROWS, limit=rows)[0]):
        rut = r["rut"] if i >= broken else r["rut"][:-1] + ("0" if r["rut"][-1] != "0" else "1")
        lines.append(f"{rut};{r['name']};{r['comuna']};{r['sector'] or ''}")
    report = import_file(driver, fetch_catalog(driver), "\n".join(lines).encode(), now=datetime.now(UTC).isoformat(),
                         dry_run=True)
    out = {}
    for kind, params, result, files in (
            ("import", {"file_name": "bench.csv", "dry_run": True}, report.as_dict(), ["filas-rechazadas.csv"]),
            ("report", {"region": "13", "top": 5}, {"files": REPORT_FILES}, REPORT_FILES)):
        job_id = f"{kind[:3]}_{uuid.uuid4().hex[:12]}"
        jobs_repo.create_job(driver, {"id": job_id, "kind": kind, "params": params, "input": None,
                                      "requested_by": "bench", "requested_by_name": "Benchmark", "role": "admin",
                                      "buyer_rut": None, "advisor_id": None, "max_attempts": 1})
        driver.execute_query(FINISH_BENCH_JOB, id=job_id, result=json.dumps(result, ensure_ascii=False, default=str),
                             files=files)
        out[kind] = job_id
    return out


def pages(env: dict[str, str], needs: list[str], firms: list[str], rounds: int, pairs: list[str] | None = None,
          jobs: dict[str, str] | None = None) -> list[tuple[str, str, list[str]]]:
    """(page, who, paths): each page as the person who uses it, over several objects where it varies.
    A page whose name ends in "once" is requested once per path, without warm-up."""
    work = [] if not pairs or not jobs else [  # the work behind the matches (issue 14)
        ("imports", "advisor", ["/app/imports"]),
        ("import result (2,000 rows, 100 rejected)", "advisor", [f"/app/imports/{jobs['import']}"]),
        ("duplicate queue", "advisor", ["/app/duplicates"]),
        ("duplicate queue, a region", "advisor", ["/app/duplicates?region=13"]),
        ("duplicate pair (10 pairs)", "advisor", [f"/app/duplicates/{p}" for p in pairs]),
        ("reports", "advisor", ["/app/reports"]),
        ("report job", "advisor", [f"/app/reports/{jobs['report']}"]),
        ("indicators, whole program (kept 60 s)", "advisor", ["/app/indicators"]),
        ("indicators, a region (kept 60 s)", "advisor", ["/app/indicators?region=13"]),
        ("indicators, a region not asked before, once", "advisor",
         [f"/app/indicators?region={r}" for r in FRESH_REGIONS if r != "13"]),
        ("people", "admin", ["/app/admin/people"]),
        ("API keys", "admin", ["/app/admin/keys"]),
    ]
    return [
        ("sign-in page", "nobody", ["/app/login"]),
        ("my needs", "buyer", ["/app/my-needs"]),
        ("need form", "buyer", ["/app/needs/new"]),
        ("sector picker «pan»", "buyer", ["/app/pickers/sectors?sector_q=pan"]),
        ("comuna picker «nunoa»", "buyer", ["/app/pickers/comunas?comuna=nunoa"]),
        ("need page (buyer's own)", "buyer", [f"/app/needs/{env['NEED_ID']}"]),
        ("my alliances", "buyer", ["/app/alliances"]),
        ("open needs (center's region)", "advisor", ["/app/needs"]),
        ("open needs (all, filtered)", "advisor", ["/app/needs?region=&deadline=quarter&proposed=false"]),
        ("need page (advisor)", "advisor", [f"/app/needs/{n}" for n in needs]),
        ("firm search (no words)", "advisor", ["/app/firms"]),
        ("firm search «cooperativa agricola»", "advisor", ["/app/firms?q=cooperativa+agricola"]),
        ("firm search, region and size", "advisor", ["/app/firms?region=13&size=micro"]),
        ("firm search, new filters each time, once", "advisor", fresh_firm_filters(rounds)),
        ("firm page", "advisor", [f"/app/firms/{rut}" for rut in firms]),
        ("alliances (staff)", "advisor", ["/app/alliances"]),
        *work,
    ]


def time_pages(url: str, env: dict[str, str], plan: list[tuple[str, str, list[str]]], rounds: int,
               console: Console) -> list[dict]:
    import requests

    sessions = {"nobody": requests.Session(), "buyer": sign_in(url, env["BUYER_EMAIL"], env["BUYER_PASSWORD"]),
                "advisor": sign_in(url, env["ADVISOR_EMAIL"], env["ADVISOR_PASSWORD"]),
                "admin": sign_in(url, env["ADMIN_EMAIL"], env["ADMIN_PASSWORD"])}
    for name, who, paths in plan:  # warm-up: every worker's catalog, shapes, query plans and page cache
        for path in [] if name.endswith("once") else paths:
            for _ in range(3):
                sessions[who].get(url + path, timeout=120)
    rows = []
    with _progress(console) as bar:
        task = bar.add_task("timing pages", total=sum(len(paths) * (1 if name.endswith("once") else rounds)
                                                      for name, _, paths in plan))
        for name, who, paths in plan:
            server, client = [], []
            for _ in range(1 if name.endswith("once") else rounds):
                for path in paths:
                    start = time.perf_counter()
                    response = sessions[who].get(url + path, timeout=120, allow_redirects=False)
                    client.append((time.perf_counter() - start) * 1000)
                    if response.status_code != 200:
                        raise click.ClickException(f"{name} ({path}): HTTP {response.status_code}")
                    timing = _TIMING.search(response.headers.get("Server-Timing", ""))
                    server.append(float(timing.group(1)) if timing else float("nan"))
                    bar.advance(task)
            rows.append({"page": name, "who": who, "requests": len(server), "objects": len(paths),
                         "p50": percentile(server, 50), "p95": percentile(server, 95),
                         "client_p50": percentile(client, 50), "client_p95": percentile(client, 95),
                         "bytes": len(response.content)})
    return rows


def write_results(rows: list[dict], meta: dict, path: Path) -> None:
    lines = [f"# Page server time ({meta['date']})", "",
             f"{meta['machine']}; Neo4j heap {meta['heap']}, page cache {meta['pagecache']}; gunicorn "
             f"{meta['workers']} workers x {Settings().gunicorn_threads} threads; one client, sequential requests; "
             "load average "
             f"{meta['load']}.", "", f"Data: {meta['data']}.", "", f"Command: `{meta['command']}`", "",
             "Server time from the app's `Server-Timing` header; round trip as the client saw it.", "",
             "| firms | page | as | objects | requests | server p50 ms | server p95 ms | round trip p50 ms "
             "| round trip p95 ms | KB |", "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {meta['firms']:,} | {r['page']} | {r['who']} | {r['objects']} | {r['requests']} | "
                     f"{r['p50']:.1f} | {r['p95']:.1f} | {r['client_p50']:.1f} | {r['client_p95']:.1f} | "
                     f"{r['bytes'] / 1024:.0f} |")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@click.command("pages")
@click.option("--rounds", default=20, show_default=True, help="Times each page (each object) is requested.")
@click.option("--firms", type=int, default=None,
              help="Load the demo data set with this many firms first (encadena demo-data --reset).")
@click.option("--users-file", type=click.Path(dir_okay=False, path_type=Path), default=Path(".data/demo-users.env"),
              show_default=True, help="The demo people's file (written by encadena users demo when missing).")
@click.option("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn_conf, cores + 1).")
@click.option("--seed", default=1, show_default=True, help="Seed of the demo data set (with --firms).")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Results file (default bench/results/).")
def bench_pages(rounds: int, firms: int | None, users_file: Path, workers: int | None, seed: int,
                out: Path | None) -> None:
    """Server time p50/p95 of every page, signed in as the demo buyer and advisor."""
    from scripts.cli import open_driver
    from scripts.demo.users import ensure_demo_users

    console = Console()
    loads = [os.getloadavg()[0]]
    with open_driver() as driver:
        if firms:
            load_demo(driver, firms, seed, console)
        env = ensure_demo_users(driver, users_file).values
        needs = [r["id"] for r in driver.execute_query(OPEN_NEEDS, limit=SAMPLES)[0]]
        firm_ruts = [r["rut"] for r in driver.execute_query(PROPOSED_FIRMS, limit=SAMPLES)[0]]
        firm_count = driver.execute_query(FIRM_COUNT)[0][0]["n"]
        pairs = [r["id"] for r in driver.execute_query(OPEN_PAIRS, limit=SAMPLES)[0]]
        jobs = bench_jobs(driver)
    if not needs or not firm_ruts:
        raise click.ClickException("No demo needs or proposals: run `encadena demo-data` first.")
    # Signing in twice per run must never meet the sign-in limits.
    limits = {"RATE_LIMIT_SIGN_IN": "1000000 per minute", "RATE_LIMIT_SIGN_IN_FAILURES": "1000000 per minute"}
    with Gunicorn(workers, limits) as server:
        rows = time_pages(server.url, env, pages(env, needs, firm_ruts, rounds, pairs, jobs), rounds, console)
    loads.append(os.getloadavg()[0])

    table = Table(title=f"Page server time at {firm_count:,} firms (ms)")
    for col in ("page", "as", "requests", "p50", "p95", "round trip p50", "round trip p95", "KB"):
        table.add_column(col, justify="left" if col in ("page", "as") else "right")
    for r in rows:
        table.add_row(r["page"], r["who"], str(r["requests"]), f"{r['p50']:.1f}", f"{r['p95']:.1f}",
                      f"{r['client_p50']:.1f}", f"{r['client_p95']:.1f}", f"{r['bytes'] / 1024:.0f}")
    console.print(table)
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "firms": firm_count,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
                   f"{platform.python_version()}",
        "heap": os.environ.get("NEO4J_HEAP", "2g"), "pagecache": os.environ.get("NEO4J_PAGECACHE", "2g"),
        "workers": workers or (os.cpu_count() or 1) + 1, "load": f"{loads[0]:.1f} before, {loads[1]:.1f} after",
        "data": f"demo data set with {firm_count:,} firms; need pages over {len(needs)} open demo needs, firm pages "
                f"over {len(firm_ruts)} proposed firms, pair pages over {len(pairs)} open demo pairs",
        "command": "encadena bench pages" + (f" --firms {firms}" if firms else "") + f" --rounds {rounds}",
    }
    path = out or RESULTS_DIR / f"pages-{datetime.now(UTC):%Y%m%d-%H%M%S}.md"
    write_results(rows, meta, path)
    console.print(f"results written to {path}")
