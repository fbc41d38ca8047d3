"""Benchmarks for bulk import and entity resolution (issues 5 and 15), each beside baselines in the same run.

``encadena bench dedupe``: two record sets with known firms (``scripts.dedupe_sets``), 100,000
records each: the tuning set (``scripts.firm_names``; the matcher was tuned on it) and the
independent set (``bench/dedupe_independent``, written by someone who had not read the matcher;
only reported on). On each, three methods: the pair model (``matching.dedupe.find_duplicates``
at ``DUPLICATE_THRESHOLD``), the previous matcher (``matching.dedupe_previous``) and the baseline,
exact equality of normalized names. Quality is measured **on clusters**: the proposed pairs are
chained into connected components, every two records of a component count as a predicted pair
(what an advisor merging along the chains would merge), and precision, recall and F1 compare
those pairs with every two records of one true firm (``matching.clusters``). Recall at precision
≥ 0.95 sweeps the threshold over every candidate pair's score and keeps the best recall whose
cluster precision is at least 0.95. Seconds are those of one run at the default threshold.

``encadena bench import``: 100,000 firms with comuna, one or two ISIC classes and certifications
as a semicolon CSV, imported end to end (``parse_import`` + ``import_firms``, duplicate check
included) into the configured Neo4j; the baseline writes a sample of the same kind of rows with one
``MERGE`` statement and one transaction per row. Bench firms are deleted afterwards (``--keep``
keeps them). Results are printed and written to ``bench/results/``.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import platform
import random
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import LiteralString

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from application.settings import REPO_ROOT
from scripts.firm_names import NameGenerator

RESULTS_DIR = REPO_ROOT / "bench" / "results"
# The issues' targets (dedupe: issue 15, on both sets at the default threshold; import: issue 5).
DEDUPE_MAX_SECONDS = 30.0
MIN_CLUSTER_F1 = 0.85
MIN_PRECISION, MIN_RECALL_AT_95 = 0.95, 0.75
# The threshold sweep scores every candidate pair down to this score (the pair model), or this
# one for the previous matcher (below 75 its blocking drops pairs, so lower cuts mean nothing).
SWEEP_FLOOR = 1.0
PREVIOUS_SWEEP_FLOOR = 75.0
MIN_IMPORT_RATE = 5000.0
# Bench firms get RUT numbers below 10,000,000 (tests use 10,000,000 and above) and this source.
BENCH_SOURCE = "bench-import"
BASELINE_SOURCE = "bench-baseline"
WARM_UP_SOURCE = "bench-warm-up"
# Firms imported (and deleted) before the timed import. Right after Neo4j starts, its write path
# runs slower until the JVM's JIT has compiled it (~50 s of compiler CPU on two cores, measured with
# JFR): on a fresh store, Neo4j alone took 30.5 s for the first 100,000 firms after a start and
# 13.6 s for the next 100,000. Timed right after warm-ups of 10,000, 30,000 and 100,000 firms the
# import still ran at 3,584, 3,534 and 4,626 firms/s; after 200,000, at 6,378, the warm rate.
WARM_UP_FIRMS = 200_000

DELETE_BENCH_BATCH: LiteralString = """
MATCH (f:Firm {source: $source})
WITH f LIMIT 5000
OPTIONAL MATCH (f)<-[:CANDIDATE]-(d:DuplicateCandidate)
DETACH DELETE d
WITH DISTINCT f
DETACH DELETE f
RETURN count(*) AS deleted
"""

# RUT numbers below 10,000,000 already stored (demo data uses some): the bench must not touch them.
STORED_RUT_NUMBERS: LiteralString = """
MATCH (f:Firm)
RETURN count(f) AS firms,
       [rut IN collect(f.rut) WHERE size(rut) < 10 | toInteger(split(rut, '-')[0])] AS numbers
"""

RELATIONSHIP_COUNTS: LiteralString = """
MATCH (f:Firm {source: $source})
RETURN count(f) AS firms,
       sum(COUNT { (f)-[:LOCATED_IN]->(:Comuna) }) AS located_in,
       sum(COUNT { (f)-[:OPERATES_IN]->(:Sector) }) AS operates_in,
       sum(COUNT { (f)-[:HOLDS]->(:Certification) }) AS holds
"""


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console)


def _machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (None, None, None)
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average_1m": load[0],
            "platform": platform.platform()}


def _write_results(name: str, title: str, table: Table, data: dict, console: Console) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"{name}-{stamp}.md"
    text = Console(file=io.StringIO(), width=140, color_system=None, record=True)
    text.print(table)
    body = [f"# {title}", "", f"Run {data['finished_at']} on {data['machine']['platform']} "
            f"({data['machine']['cpus']} CPUs, load {data['machine']['load_average_1m']}).", "",
            "```", text.export_text().rstrip(), "```", "", "```json", json.dumps(data, indent=2, ensure_ascii=False),
            "```", ""]
    path.write_text("\n".join(body), encoding="utf-8")
    console.print(f"Results written to {path.relative_to(REPO_ROOT)}")
    return path


# -- dedupe ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Method:
    """A matcher under test: how to run it at its default threshold, and over all its candidate pairs."""

    label: str
    threshold: float | None
    run: Callable  # (records, threshold, on_progress) -> list of (left, right, score)
    sweep_floor: float | None


def _methods() -> list[Method]:
    from graph_schema.reference import package_catalog
    from matching.dedupe import DUPLICATE_THRESHOLD, exact_duplicates, find_duplicates
    from matching.dedupe_previous import PREVIOUS_THRESHOLD, find_duplicates_previous

    adjacency = package_catalog().adjacency

    def pair_model(records, threshold, on_progress):
        return [(m.left, m.right, m.score) for m in find_duplicates(records, threshold=threshold,
                                                                    adjacency=adjacency, on_progress=on_progress)]

    def previous(records, threshold, on_progress):
        return [(m.left, m.right, m.score) for m in find_duplicates_previous(records, threshold=threshold,
                                                                             on_progress=on_progress)]

    def exact(records, threshold, on_progress):
        return [(a, b, 100.0) for a, b in exact_duplicates(records)]

    return [
        Method(f"pair model (≥ {DUPLICATE_THRESHOLD:g})", DUPLICATE_THRESHOLD, pair_model, SWEEP_FLOOR),
        Method(f"previous matcher (≥ {PREVIOUS_THRESHOLD:g})", PREVIOUS_THRESHOLD, previous, PREVIOUS_SWEEP_FLOOR),
        Method("exact normalized name", None, exact, None),
    ]


def _evaluate(method: Method, data, progress: Progress) -> dict:
    """Time the method at its default threshold; cluster quality there and over a threshold sweep."""
    from matching.clusters import MAX_CLUSTER_SIZE, cluster_quality, clusters, recall_at_precision, threshold_sweep

    short = data.name.split(" ")[0]
    task = progress.add_task(f"{short}: {method.label}", total=None)

    def on_progress(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    started = time.perf_counter()
    found = method.run(data.records, method.threshold, on_progress)
    seconds = time.perf_counter() - started
    progress.update(task, completed=1, total=1)
    pairs = [(a, b) for a, b, _ in found]
    quality = cluster_quality(pairs, data.entity_of)
    direct = sum(1 for a, b in pairs if data.entity_of[a] == data.entity_of[b])
    sizes: Counter[int] = Counter()
    for cluster in clusters(pairs):
        sizes[cluster.size] += 1
    at_95 = None
    if method.sweep_floor is not None:
        sweep_task = progress.add_task(f"{short}: {method.label}, every candidate pair", total=None)
        scored = method.run(data.records, method.sweep_floor,
                            lambda done, total: progress.update(sweep_task, completed=done, total=total))
        point = recall_at_precision(threshold_sweep(scored, data.entity_of), MIN_PRECISION)
        at_95 = None if point is None else {"threshold": float(point.threshold),
                                             "recall": round(point.quality.recall, 4),
                                             "precision": round(point.quality.precision, 4)}
    elif quality.precision >= MIN_PRECISION:
        at_95 = {"threshold": None, "recall": round(quality.recall, 4), "precision": round(quality.precision, 4)}
    out = {
        "seconds": round(seconds, 2), "pairs_proposed": len(pairs), "proposed_pairs_that_are_true": direct,
        "pairs_in_clusters": quality.predicted_pairs, "true_pairs": quality.true_pairs,
        "correct_pairs_in_clusters": quality.correct_pairs,
        "precision": round(quality.precision, 4), "recall": round(quality.recall, 4), "f1": round(quality.f1, 4),
        "recall_at_precision_95": at_95,
        "clusters_by_size": {str(k): v for k, v in sorted(sizes.items())},
        "suspicious_clusters": sum(v for k, v in sizes.items() if k > MAX_CLUSTER_SIZE),
    }
    if data.changes and method.sweep_floor == SWEEP_FLOOR:
        out["recall_by_change"] = _recall_by_change(data, pairs)
    return out


def _recall_by_change(data, pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Share of rewritten records that end in one cluster with their firm's first record, by change made."""
    from matching.clusters import cluster_of

    of = cluster_of(pairs)
    first: dict[str, str] = {}
    for record in data.records:
        if record.id not in data.changes:
            first[data.entity_of[record.id]] = record.id
    hits, totals = Counter(), Counter()
    for rid, changes in data.changes.items():
        base = first.get(data.entity_of[rid])
        found = base is not None and rid in of and base in of and of[rid].id == of[base].id
        for change in changes:
            totals[change] += 1
            hits[change] += found
    return {change: round(hits[change] / n, 3) for change, n in sorted(totals.items())}


def run_dedupe_bench(records: int, seed: int, console: Console, independent: bool = True) -> dict:
    from scripts.dedupe_sets import independent_set, tuning_set

    methods = _methods()
    results: dict = {"records": records, "seed": seed, "sets": {}}
    with _progress(console) as progress:
        task = progress.add_task("Generating the tuning set", total=records)
        sets = [tuning_set(records, seed, on_step=lambda i: progress.update(task, completed=i))]
        progress.update(task, completed=records)
        if independent:
            try:
                sets.append(independent_set(records, seed))
            except ImportError as exc:
                results["independent_missing"] = str(exc)
        for data in sets:
            entry = {"records": len(data.records), "methods": {}}
            for method in methods:
                entry["methods"][method.label] = _evaluate(method, data, progress)
            results["sets"][data.name] = entry
    return results


def _table(result: dict) -> Table:
    table = Table(title=f"Dedupe: pairs chained into clusters, {result['records']:,} records per set "
                        f"(precision/recall/F1 over pairs within clusters)")
    for col in ("set", "method", "seconds", "pairs proposed", "true pairs", "pairs in clusters", "precision",
                "recall", "F1", f"recall @ P≥{MIN_PRECISION}", "clusters > 4"):
        table.add_column(col, justify="left" if col in ("set", "method") else "right")
    for set_name, entry in result["sets"].items():
        for label, row in entry["methods"].items():
            at = row["recall_at_precision_95"]
            at_text = "—" if at is None else (f"{at['recall']:.3f}" + (f" (≥ {at['threshold']:g})"
                                                                       if at["threshold"] is not None else ""))
            table.add_row(set_name.split(" ")[0], label, f"{row['seconds']:.1f}", f"{row['pairs_proposed']:,}",
                          f"{row['true_pairs']:,}", f"{row['pairs_in_clusters']:,}", f"{row['precision']:.3f}",
                          f"{row['recall']:.3f}", f"{row['f1']:.3f}", at_text, f"{row['suspicious_clusters']:,}")
    return table


@click.command()
@click.option("--records", "--names", "records", default=100_000, show_default=True,
              help="Records per set (firms plus their second spellings).")
@click.option("--seed", default=7, show_default=True)
@click.option("--tuning-only", is_flag=True, help="Skip the independent set (bench/dedupe_independent).")
def bench_dedupe(records: int, seed: int, tuning_only: bool) -> None:
    """Duplicate detection on the tuning set and the independent set: F1 on clusters, recall at P ≥ 0.95, time."""
    console = Console(width=max(Console().width, 160))
    result = run_dedupe_bench(records, seed, console, independent=not tuning_only)
    table = _table(result)
    console.print(table)
    if "independent_missing" in result:
        console.print(f"Independent set not available: {result['independent_missing']}")
    for set_name, entry in result["sets"].items():
        for label, row in entry["methods"].items():
            if "recall_by_change" in row:
                console.print(f"{set_name}, {label}: recall by change: "
                              + ", ".join(f"{k} {v:.3f}" for k, v in row["recall_by_change"].items()))
    met = []
    for entry in result["sets"].values():
        row = next(iter(entry["methods"].values()))
        at = row["recall_at_precision_95"]
        met.append(row["f1"] >= MIN_CLUSTER_F1 and at is not None and at["recall"] >= MIN_RECALL_AT_95
                   and row["seconds"] < DEDUPE_MAX_SECONDS)
    result["targets"] = {"f1_on_clusters_ge": MIN_CLUSTER_F1, "recall_at_precision_95_ge": MIN_RECALL_AT_95,
                         "seconds_lt": DEDUPE_MAX_SECONDS, "met_per_set": met}
    console.print(f"Targets per set (F1 on clusters ≥ {MIN_CLUSTER_F1}, recall ≥ {MIN_RECALL_AT_95} at precision ≥ "
                  f"{MIN_PRECISION}, < {DEDUPE_MAX_SECONDS:.0f} s): "
                  + ", ".join(f"{name.split(' ')[0]} {'met' if ok else 'NOT met'}"
                              for name, ok in zip(result["sets"], met, strict=True)))
    data = {**result, "finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": _machine()}
    _write_results("dedupe", "Dedupe benchmark (issue 15): tuning and independent sets", table, data, console)


# -- import --------------------------------------------------------------------------------------

IMPORT_HEADER = ("rut", "razón social", "comuna", "ciiu", "ventas_uf", "trabajadores", "género", "productos",
                 "certificaciones", "cooperativa", "teléfono", "email")
_STATUSES = (("valid", 0.6), ("in_progress", 0.25), ("expired", 0.15))


def make_import_csv(firms: int, seed: int, first_number: int, taken: frozenset[int] = frozenset()) -> bytes:
    """A semicolon CSV of ``firms`` firms, as a spreadsheet exports it (UTF-8, Spanish headers).

    RUT numbers come from ``first_number`` to ``first_number + 4,000,000``, minus ``taken`` (RUTs
    already in the graph): the import and the baseline use disjoint ranges and only create firms.
    """
    from stdnum.cl import rut as stdnum_rut

    from graph_schema.reference import read_certifications, read_sectors, read_territory

    rng = random.Random(seed)
    gen = NameGenerator(seed)
    comunas = [c["name"] for c in read_territory().comunas]
    classes = [s["code"] for s in read_sectors() if s["level"] == "class"]
    certs = [c["code"] for c in read_certifications()]
    numbers = [n for n in rng.sample(range(first_number, first_number + 4_000_000), firms + len(taken))
               if n not in taken][:firms]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(IMPORT_HEADER)
    for number in numbers:
        name, coop = gen.name()
        holdings = []
        for code in rng.sample(certs, rng.choice((0, 0, 1, 1, 2))):
            status = rng.choices([s for s, _ in _STATUSES], [w for _, w in _STATUSES])[0]
            until = f"{rng.randint(2023, 2029)}-{rng.randint(1, 12):02d}-28" if status != "in_progress" else ""
            holdings.append(f"{code}:{status}:{until}".rstrip(":"))
        writer.writerow((
            f"{number}-{stdnum_rut.calc_check_digit(str(number))}", name, rng.choice(comunas),
            "|".join(rng.sample(classes, rng.choice((1, 1, 2)))),
            f"{rng.lognormvariate(5, 1.5):.1f}".replace(".", ","), rng.randint(1, 60), rng.choice("FFMM "),
            "", "|".join(holdings), "sí" if coop else "no",
            f"+56 9 {rng.randint(2000, 9999)} {rng.randint(0, 9999):04d}" if rng.random() < 0.5 else "", "",
        ))
    return out.getvalue().encode("utf-8")


def _rss_mib() -> float:
    """This process's resident memory now (Linux ``/proc``), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class _MemoryTrace:
    """The import's resident memory at each tenth of its written batches: flat means no growth per batch."""

    def __init__(self) -> None:
        self.after_parse = 0.0
        self.at_tenths: dict[int, float] = {}
        self.peak = 0.0

    def sample(self, done: int, total: int) -> None:
        rss = _rss_mib()
        self.peak = max(self.peak, rss)
        tenth = done * 10 // max(total, 1)
        self.at_tenths.setdefault(tenth, round(rss))

    def as_dict(self) -> dict:
        written = [self.at_tenths[k] for k in sorted(self.at_tenths)]
        return {"after_parse_mib": round(self.after_parse), "peak_mib": round(self.peak),
                "at_each_tenth_of_the_write_mib": written,
                "growth_during_write_mib": (max(written) - written[0]) if written else 0}


def _delete_bench_firms(driver, source: str) -> int:
    deleted = 0
    while True:
        records, _, _ = driver.execute_query(DELETE_BENCH_BATCH, source=source)
        if not records or records[0]["deleted"] == 0:
            return deleted
        deleted += records[0]["deleted"]


def _warm_up(firms: int, seed: int, taken: frozenset[int], batch_size: int, now: str) -> dict:
    """Import ``firms`` other firms and delete them again (run in a separate process)."""
    from application.imports import import_firms
    from graph_schema.reference import fetch_catalog
    from matching.imports import parse_import
    from scripts.cli import open_driver

    with open_driver() as driver:
        started = time.perf_counter()
        report = import_firms(driver, parse_import(make_import_csv(firms, seed, 10_000_000, taken),
                                                   fetch_catalog(driver)),
                              now=now, source=WARM_UP_SOURCE, batch_size=batch_size)
        seconds = time.perf_counter() - started
        _delete_bench_firms(driver, WARM_UP_SOURCE)
    return {"firms": report.created, "seconds": round(seconds, 2), "firms_per_second": round(report.created / seconds)}


def run_import_bench(driver, firms: int, baseline_firms: int, seed: int, batch_size: int, keep: bool,
                     console: Console, warm_up_firms: int = WARM_UP_FIRMS) -> dict:
    from application.imports import WRITERS, import_firms
    from graph_schema.firms import WRITE_FIRMS, firm_row
    from graph_schema.reference import fetch_catalog
    from matching.imports import merge_by_rut, parse_import, target_state

    for source in (BENCH_SOURCE, BASELINE_SOURCE, WARM_UP_SOURCE):
        _delete_bench_firms(driver, source)
    records, _, _ = driver.execute_query(STORED_RUT_NUMBERS)
    firms_before = records[0]["firms"]
    taken = frozenset(records[0]["numbers"])
    catalog = fetch_catalog(driver)
    now = datetime.now(UTC).isoformat()
    with _progress(console) as progress:
        gen_task = progress.add_task("Generating CSV", total=2)
        data = make_import_csv(firms, seed, 1_000_000, taken)
        progress.update(gen_task, completed=1)
        sample = make_import_csv(baseline_firms, seed + 1, 5_500_000, taken)
        progress.update(gen_task, completed=2)
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task({"read": "Import: parse + validate", "write": "Import: write batches",
                                                  "dedupe": "Import: possible duplicates"}[stage], total=total)
            progress.update(tasks[stage], completed=done, total=total)

        warm_up = None
        if warm_up_firms:
            warm_task = progress.add_task(f"Warm-up: import {warm_up_firms:,} other firms, then delete them", total=1)
            # In a process of its own: Neo4j warms up, this process's memos (folded names) stay
            # as cold as a fresh `encadena import firms` would find them.
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                warm_up = pool.submit(_warm_up, warm_up_firms, seed + 2, taken, batch_size, now).result()
            progress.update(warm_task, completed=1)

        memory = _MemoryTrace()

        def traced(stage: str, done: int, total: int) -> None:
            if stage == "write":
                memory.sample(done, total)
            update(stage, done, total)

        started = time.perf_counter()
        parsed = parse_import(data, catalog, on_progress=lambda done, total: update("read", done, total))
        parse_seconds = time.perf_counter() - started
        memory.after_parse = _rss_mib()
        report = import_firms(driver, parsed, now=now, source=BENCH_SOURCE, batch_size=batch_size,
                              on_progress=traced)
        import_seconds = time.perf_counter() - started

        base_task = progress.add_task("Baseline: one MERGE per row", total=baseline_firms)
        started = time.perf_counter()
        sample_parsed = parse_import(sample, catalog)
        for i, firm in enumerate(merge_by_rut(sample_parsed.rows), start=1):
            driver.execute_query(WRITE_FIRMS, rows=[firm_row(target_state(None, firm.given))], now=now,
                                 source=BASELINE_SOURCE)
            if i % 100 == 0:
                progress.update(base_task, completed=i)
        baseline_seconds = time.perf_counter() - started
        progress.update(base_task, completed=baseline_firms)

    counts, _, _ = driver.execute_query(RELATIONSHIP_COUNTS, source=BENCH_SOURCE)
    rels = dict(counts[0])
    second_started = time.perf_counter()
    again = import_firms(driver, parse_import(data, catalog), now=now, source=BENCH_SOURCE, batch_size=batch_size)
    second_seconds = time.perf_counter() - second_started + parse_seconds
    if not keep:
        for source in (BENCH_SOURCE, BASELINE_SOURCE):
            _delete_bench_firms(driver, source)
    rate = report.created / import_seconds
    baseline_rate = len(sample_parsed.rows) / baseline_seconds
    return {
        "firms_in_graph_before": firms_before, "batch_size": batch_size, "writers": WRITERS, "seed": seed,
        "warm_up": warm_up,
        "csv_bytes": len(data),
        "import": {"firms": report.created, "rejected_rows": report.rejected_rows, "seconds": round(import_seconds, 2),
                   "firms_per_second": round(rate), "parse_seconds": round(parse_seconds, 2),
                   "stages": {k: round(v, 2) for k, v in report.timings.items()},
                   "possible_duplicates": len(report.possible_duplicates), "relationships": rels,
                   "memory": memory.as_dict()},
        "reimport_same_file": {"created": again.created, "updated": again.updated, "unchanged": again.unchanged,
                               "seconds": round(second_seconds, 2)},
        "baseline_merge_per_row": {"firms": len(sample_parsed.rows), "seconds": round(baseline_seconds, 2),
                                   "firms_per_second": round(baseline_rate)},
        "speedup": round(rate / baseline_rate, 1),
        "targets": {"firms_per_second_ge": MIN_IMPORT_RATE, "met": rate >= MIN_IMPORT_RATE},
    }


@click.command()
@click.option("--firms", default=100_000, show_default=True, help="Firms in the imported file.")
@click.option("--baseline-firms", default=5_000, show_default=True,
              help="Sample written one MERGE per row (the baseline is slow; its rate is per firm).")
@click.option("--seed", default=7, show_default=True)
@click.option("--batch-size", default=10_000, show_default=True)
@click.option("--keep", is_flag=True, help="Keep the bench firms in the graph afterwards.")
@click.option("--warm-up-firms", default=WARM_UP_FIRMS, show_default=True,
              help="Firms imported and deleted before the timed import (0: none; the first import after Neo4j "
                   "starts is slower).")
def bench_import(firms: int, baseline_firms: int, seed: int, batch_size: int, keep: bool, warm_up_firms: int) -> None:
    """Import 100,000 firms (comuna, sectors, certifications): firms/s vs one MERGE per row."""
    from scripts.cli import open_driver

    console = Console(width=max(Console().width, 120))
    with open_driver() as driver:
        result = run_import_bench(driver, firms, baseline_firms, seed, batch_size, keep, console, warm_up_firms)
    imp, base = result["import"], result["baseline_merge_per_row"]
    table = Table(title=f"Import: {imp['firms']:,} firms with comuna, sector and certification relationships")
    for col in ("method", "firms", "seconds", "firms/s"):
        table.add_column(col, justify="left" if col == "method" else "right")
    table.add_row(f"import_firms, batches of {result['batch_size']:,}, {result['writers']} in flight "
                  "(parse, validate, write, duplicates)",
                  f"{imp['firms']:,}", f"{imp['seconds']:.1f}", f"{imp['firms_per_second']:,}")
    table.add_row("baseline: one MERGE per row, one transaction each (sample)", f"{base['firms']:,}",
                  f"{base['seconds']:.1f}", f"{base['firms_per_second']:,}")
    if result["warm_up"]:
        warm = result["warm_up"]
        table.add_row("warm-up before the timed import (other firms, deleted)", f"{warm['firms']:,}",
                      f"{warm['seconds']:.1f}", f"{warm['firms_per_second']:,}")
    console.print(table)
    rels = imp["relationships"]
    console.print(f"Stages (s): parse+validate {imp['parse_seconds']}, " + ", ".join(
        f"{k} {v}" for k, v in imp["stages"].items())
        + f". Relationships: {rels['located_in']:,} LOCATED_IN, {rels['operates_in']:,} OPERATES_IN, "
        f"{rels['holds']:,} HOLDS. Same file again: {result['reimport_same_file']}.")
    mem = imp["memory"]
    console.print(f"Memory of this process (RSS, MiB): {mem['after_parse_mib']:,} after parsing, at each tenth of "
                  f"the batches written {mem['at_each_tenth_of_the_write_mib']}, peak {mem['peak_mib']:,}.")
    console.print(f"Speed-up over the baseline: {result['speedup']}x. Target ≥ {MIN_IMPORT_RATE:,.0f} firms/s: "
                  + ("met" if result["targets"]["met"] else "NOT met"))
    data = {**result, "finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": _machine()}
    _write_results("import", "Import benchmark (issue 5)", table, data, console)
