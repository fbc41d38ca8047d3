"""``encadena bench reports``: a full batch report over 1,000 open needs, parallel beside sequential.

Both runs happen in the same invocation, on the same graph, with the same ``as_of``, end to end
(scope, matching, totals, CSV, charts, HTML and PDF); the parallel run goes first, so any warm-up
of Neo4j's caches favours the sequential one. The outputs are then compared byte for byte.

The demo data set yields ``OPEN_NEEDS`` (150) open needs per 20,000 firms, 750 at 100,000. When
the graph has fewer open needs than asked for, ``add_open_needs`` posts more: copies of demo open
needs (same buyer, sectors, certifications and text) placed in another comuna of the same region,
with deterministic ids and ``demo: true, bench_extra: true`` so that ``encadena demo-data
--reset`` removes them with the rest of the demo.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import LiteralString

import click
from neo4j import RoutingControl

from application.settings import REPO_ROOT
from graph_schema.driver import Graph

RESULTS = REPO_ROOT / "bench" / "results"
TARGET_SECONDS = 120.0

OPEN_NEEDS: LiteralString = "MATCH (n:Need {status: 'open'}) RETURN count(n) AS n"
FIRMS: LiteralString = "MATCH (f:Firm) RETURN count(f) AS n"
DEMO_OPEN_NEEDS: LiteralString = """
MATCH (n:Need {status: 'open'})-[:LOCATED_IN]->(c:Comuna)
WHERE n.demo = true AND coalesce(n.bench_extra, false) = false
RETURN n.id AS id, c.region_cut AS region ORDER BY n.id
"""

COPY_NEEDS: LiteralString = """
UNWIND $rows AS row
MATCH (base:Need {id: row.base})
MATCH (b:Buyer {rut: base.buyer_rut})
MATCH (c:Comuna {cut: row.comuna})
MERGE (n:Need {id: row.id})
ON CREATE SET n += base {.*, id: row.id, status: 'open', demo: true, bench_extra: true}
MERGE (b)-[:POSTED]->(n)
MERGE (n)-[:LOCATED_IN]->(c)
WITH n, base
CALL (n, base) { MATCH (base)-[:IN_SECTOR]->(s:Sector) MERGE (n)-[:IN_SECTOR]->(s) }
CALL (n, base) { MATCH (base)-[:REQUIRES]->(ce:Certification) MERGE (n)-[:REQUIRES]->(ce) }
"""


def _stable_index(key: str, n: int) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) % n


def add_open_needs(driver: Graph, catalog, wanted: int) -> int:
    """Post copies of demo open needs until the graph has ``wanted`` open needs; returns how many were added."""
    records, _, _ = driver.execute_query(OPEN_NEEDS, routing_=RoutingControl.READ)
    missing = wanted - records[0]["n"]
    if missing <= 0:
        return 0
    bases, _, _ = driver.execute_query(DEMO_OPEN_NEEDS, routing_=RoutingControl.READ)
    if not bases:
        raise click.ClickException("No hay necesidades abiertas de demostración: cargue `encadena demo-data`.")
    by_region: dict[str, list[str]] = {}
    for comuna in sorted(catalog.comunas.values(), key=lambda c: c.cut):
        by_region.setdefault(comuna.region_cut, []).append(comuna.cut)
    rows = []
    for i in range(missing):
        base = bases[i % len(bases)]
        key = f"bench-reports|{base['id']}|{i}"
        comunas = by_region[base["region"]]
        rows.append({"id": "need_" + hashlib.sha256(key.encode()).hexdigest()[:12], "base": base["id"],
                     "comuna": comunas[_stable_index(key, len(comunas))]})
    for start in range(0, len(rows), 500):
        driver.execute_query(COPY_NEEDS, rows=rows[start:start + 500])
    return len(rows)


def _run(driver, settings, params, out_dir: Path, jobs: int, as_of: float) -> dict:
    from application.reports.render import write_all
    from application.reports.run import compute
    from graph_schema.reference import fetch_catalog

    started = time.perf_counter()
    catalog = fetch_catalog(driver)
    data = compute(driver, settings, params, jobs=jobs, as_of=as_of, catalog=catalog)
    computed = time.perf_counter()
    write_all(data, catalog, out_dir)
    done = time.perf_counter()
    return {"jobs": jobs, "needs": len(data.needs), "recommendations": data.summary["recommendations"],
            "seconds": round(done - started, 2), "matching_s": round(data.seconds_matching, 2),
            "totals_s": round(computed - started - data.seconds_matching, 2),
            "rendering_s": round(done - computed, 2)}


def _mean(runs: list[dict]) -> dict:
    """The average of a mode's runs (counts are equal across runs)."""
    out = dict(runs[0])
    for key in ("seconds", "matching_s", "totals_s", "rendering_s"):
        out[key] = round(sum(r[key] for r in runs) / len(runs), 2)
    out["runs"] = len(runs)
    return out


def _same_files(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.iterdir())
    return names == sorted(p.name for p in b.iterdir()) and all(
        (a / n).read_bytes() == (b / n).read_bytes() for n in names)


def _preview(out_dir: Path, target: Path) -> list[str]:
    """The PDF's first page and the shares chart as PNG, for a person to look at."""
    target.mkdir(parents=True, exist_ok=True)
    kept = []
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        subprocess.run([pdftoppm, "-f", "1", "-l", "1", "-r", "80", "-png", "-singlefile",
                        str(out_dir / "report.pdf"), str(target / "report-page-1")], check=True, timeout=120)
        kept.append("report-page-1.png")
    for name in ("participacion.png", "brechas_certificacion.png"):
        shutil.copyfile(out_dir / name, target / name)
        kept.append(name)
    return kept


def markdown(result: dict) -> str:
    seq, par = result["sequential"], result["parallel"]
    lines = [
        f"# Batch report benchmark ({result['date']})",
        "",
        f"`encadena bench reports`: {seq['needs']} open needs over {result['firms']:,} firms, top "
        f"{result['top']}, end to end (scope, matching, totals, CSV, charts, HTML, PDF). Machine: "
        f"{result['machine']}. {seq['runs']} runs of each mode in A-B-B-A order (parallel first), averaged; "
        f"outputs of every run byte-identical: {'yes' if result['identical'] else 'NO'}.",
        "",
        "| run | processes | needs | total s | matching s | totals s | rendering s | needs/s | speed-up |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in (("sequential", seq), ("parallel", par)):
        speed = seq["seconds"] / row["seconds"]
        lines.append(f"| {name} | {row['jobs']} | {row['needs']} | {row['seconds']:.1f} | {row['matching_s']:.1f} | "
                     f"{row['totals_s']:.1f} | {row['rendering_s']:.1f} | {row['needs'] / row['seconds']:.1f} | "
                     f"{speed:.2f}x |")
    lines += ["", "Each run: " + "; ".join(f"{r['jobs']} proc. {r['seconds']:.1f} s" for r in result["rounds"]) + ".",
              "", f"Target: under {TARGET_SECONDS:.0f} s, parallel faster than sequential: "
                  f"{'met' if par['seconds'] < TARGET_SECONDS and par['seconds'] < seq['seconds'] else 'NOT met'}.",
              f"Open needs added by the benchmark helper: {result['needs_added']}.", ""]
    return "\n".join(lines)


@click.command()
@click.option("--needs", "wanted", default=1000, show_default=True, type=click.IntRange(1, 100_000),
              help="Open needs the report covers (more are posted when the graph has fewer).")
@click.option("--min-firms", default=100_000, show_default=True, type=int,
              help="Refuse to run with fewer firms in the graph (load them with encadena demo-data --firms).")
@click.option("--jobs", type=click.IntRange(2, 64), default=None, help="Parallel processes (default: every core).")
@click.option("--top", default=5, show_default=True, type=click.IntRange(1, 20))
@click.option("--rounds", default=2, show_default=True, type=click.IntRange(1, 10),
              help="Runs of each mode, in A-B-B-A order; the table shows their average.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=RESULTS,
              show_default=True, help="Where the table (reports.md, reports.json) and the preview PNGs go.")
def bench_reports(wanted: int, min_firms: int, jobs: int | None, top: int, rounds: int, out_dir: Path) -> None:
    """Batch report time for 1,000 open needs over 100,000 firms: parallel beside sequential."""
    import tempfile

    from rich.console import Console

    from application.reports.run import default_jobs
    from application.settings import Settings
    from graph_schema.reference import fetch_catalog
    from matching.reports import ReportParams
    from scripts.cli import open_driver

    console = Console()
    jobs = jobs or max(2, default_jobs())
    settings = Settings()
    with open_driver() as driver:
        firms = driver.execute_query(FIRMS, routing_=RoutingControl.READ).records[0]["n"]
        if firms < min_firms:
            raise click.ClickException(f"El grafo tiene {firms:,} empresas; cargue al menos {min_firms:,} con "
                                       f"`encadena demo-data --firms {min_firms} --reset`.")
        added = add_open_needs(driver, fetch_catalog(driver), wanted)
        if added:
            console.print(f"Se publicaron {added} necesidades abiertas adicionales (copias de las de demostración).")
        params = ReportParams(top=top)
        as_of = time.time()
        # Runs in A-B-B-A order (parallel, sequential, sequential, parallel...): each mode runs as
        # often early as late, so warm caches and the machine's other load do not favour either.
        order = ([("parallel", jobs), ("sequential", 1), ("sequential", 1), ("parallel", jobs)] * rounds)[:2 * rounds]
        with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
            runs: dict[str, list[dict]] = {"parallel": [], "sequential": []}
            for i, (name, n_jobs) in enumerate(order):
                with console.status(f"Informe {name} ({n_jobs} procesos)…"):
                    run = _run(driver, settings, params, Path(tmp) / f"{name}-{i}", n_jobs, as_of)
                runs[name].append(run)
                console.print(f"{name}: {run['seconds']:.1f} s")
            identical = all(_same_files(Path(tmp) / f"{order[0][0]}-0", Path(tmp) / f"{name}-{i}")
                            for i, (name, _) in enumerate(order))
            preview = _preview(Path(tmp) / f"{order[0][0]}-0", out_dir / "report-preview")
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "firms": firms, "top": top,
        "machine": f"{platform.machine()}, {default_jobs()} cores, Python {platform.python_version()}",
        "needs_added": added, "identical": identical, "rounds": [r for name in ("sequential", "parallel")
                                                                for r in runs[name]],
        "sequential": _mean(runs["sequential"]), "parallel": _mean(runs["parallel"]), "preview": preview,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "reports.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    text = markdown(result)
    (out_dir / "reports.md").write_text(text, encoding="utf-8")
    console.print(text)
