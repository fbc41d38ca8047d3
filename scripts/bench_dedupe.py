"""Benchmarks for bulk import and entity resolution (issue 5), each beside a baseline in the same run.

``encadena bench dedupe``: 100,000 generated firm names (``scripts.firm_names``), 2% of them the
same firm written again (typos, dropped or changed legal forms, reordered words, abbreviations,
capitals and missing accents); 90% of those in the same comuna, 10% in another comuna sharing a
phone or an email (without that, a namesake elsewhere is a different firm). Base names are unique
per comuna after normalization, so every pair found that was not planted counts against precision.
Measures ``matching.dedupe.find_duplicates`` (time, precision, recall) and the baseline, exact
equality of normalized names (``matching.names.normalize_name``).

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
# The targets.
DEDUPE_MAX_SECONDS = 60.0
MIN_RECALL, MIN_PRECISION = 0.9, 0.95
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
class DedupeSet:
    records: list
    truth: set[tuple[str, str]]
    kinds: dict[tuple[str, str], str]


def make_dedupe_set(names: int, planted: int, seed: int, on_step=None) -> DedupeSet:
    """``names`` firm records, ``planted`` of which are a second spelling of another record."""
    from graph_schema.reference import read_sectors, read_territory
    from matching.dedupe import FirmName
    from matching.names import analyze_name

    rng = random.Random(seed)
    gen = NameGenerator(seed)
    comunas = [c["cut"] for c in read_territory().comunas]
    # Firms crowd into some comunas: a heavy-tailed weight per comuna.
    weights = [rng.paretovariate(1.2) for _ in comunas]
    classes = rng.sample([s["code"] for s in read_sectors() if s["level"] == "class"], 120)
    base: list = []
    seen_full: set[str] = set()
    seen_key: set[tuple[str, str]] = set()
    while len(base) < names - planted:
        name, _ = gen.name()
        parts = analyze_name(name)
        full = " ".join(sorted(parts.full.split()))
        key = " ".join(sorted(parts.key.split()))
        comuna = rng.choices(comunas, weights)[0]
        if full in seen_full or (comuna, key) in seen_key:
            continue
        seen_full.add(full)
        seen_key.add((comuna, key))
        i = len(base)
        phone = f"+56 9 {rng.randint(2000, 9999)} {rng.randint(0, 9999):04d}" if rng.random() < 0.6 else None
        email = f"contacto{i}@empresa{i}.cl" if rng.random() < 0.3 else None
        base.append(FirmName(f"b{i}", name, comuna, tuple(rng.sample(classes, rng.choice((1, 1, 1, 2, 3)))),
                             phone, email))
        if on_step and i % 5000 == 0:
            on_step(i)
    records = list(base)
    truth: set[tuple[str, str]] = set()
    kinds: dict[tuple[str, str], str] = {}
    for k, original in enumerate(rng.sample(base, planted)):
        name, kind = gen.variant(original.name)
        phone = original.phone if rng.random() < 0.5 else None
        email = original.email if rng.random() < 0.5 else None
        comuna = original.comuna
        if rng.random() < 0.1:
            comuna = rng.choice([c for c in comunas if c != original.comuna])
            if original.email and rng.random() < 0.5:
                email = original.email
            elif original.phone:
                phone = original.phone
            else:
                phone = f"+56 9 {rng.randint(2000, 9999)} {rng.randint(0, 9999):04d}"
                original = FirmName(original.id, original.name, original.comuna, original.sectors, phone,
                                    original.email)
                records[int(original.id[1:])] = original
            kind += "+other_comuna"
        variant = FirmName(f"v{k}", name, comuna, original.sectors, phone, email)
        records.append(variant)
        pair = (min(original.id, variant.id), max(original.id, variant.id))
        truth.add(pair)
        kinds[pair] = kind
    rng.shuffle(records)
    return DedupeSet(records, truth, kinds)


def _quality(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float]:
    hits = len(found & truth)
    return (hits / len(found) if found else 0.0), hits / len(truth)


def run_dedupe_bench(names: int, planted: int, seed: int, threshold: float, console: Console) -> dict:
    from matching.dedupe import exact_duplicates, find_duplicates

    with _progress(console) as progress:
        task = progress.add_task("Generating names", total=names - planted)
        data = make_dedupe_set(names, planted, seed, on_step=lambda i: progress.update(task, completed=i))
        progress.update(task, completed=names - planted)
        blocks = progress.add_task("Fuzzy dedupe (blocks)", total=None)
        started = time.perf_counter()
        matches = find_duplicates(data.records, threshold=threshold,
                                  on_progress=lambda done, total: progress.update(blocks, completed=done, total=total))
        fuzzy_seconds = time.perf_counter() - started
        base_task = progress.add_task("Baseline: exact normalized names", total=1)
        started = time.perf_counter()
        exact = set(exact_duplicates(data.records))
        exact_seconds = time.perf_counter() - started
        progress.update(base_task, completed=1)

    found = {(m.left, m.right) for m in matches}
    fuzzy_p, fuzzy_r = _quality(found, data.truth)
    exact_p, exact_r = _quality(exact, data.truth)
    by_kind = Counter(kind.split("+")[0] for kind in data.kinds.values())
    hit_kind = Counter(data.kinds[pair].split("+")[0] for pair in found & data.truth)
    other = [p for p, k in data.kinds.items() if k.endswith("+other_comuna")]
    return {
        "names": len(data.records), "planted_pairs": len(data.truth), "threshold": threshold, "seed": seed,
        "fuzzy": {"seconds": round(fuzzy_seconds, 2), "pairs": len(found), "true_pairs": len(found & data.truth),
                  "precision": round(fuzzy_p, 4), "recall": round(fuzzy_r, 4)},
        "baseline_exact": {"seconds": round(exact_seconds, 2), "pairs": len(exact),
                           "true_pairs": len(exact & data.truth), "precision": round(exact_p, 4),
                           "recall": round(exact_r, 4)},
        "recall_by_change": {k: round(hit_kind[k] / n, 4) for k, n in sorted(by_kind.items())},
        "recall_other_comuna_with_contact": round(len(set(other) & found) / len(other), 4) if other else None,
        "targets": {"seconds_lt": DEDUPE_MAX_SECONDS, "recall_ge": MIN_RECALL, "precision_ge": MIN_PRECISION,
                    "met": fuzzy_seconds < DEDUPE_MAX_SECONDS and fuzzy_r >= MIN_RECALL and fuzzy_p >= MIN_PRECISION},
    }


@click.command()
@click.option("--names", default=100_000, show_default=True, help="How many firm names in total.")
@click.option("--planted", default=2_000, show_default=True, help="How many of them are planted duplicates.")
@click.option("--seed", default=7, show_default=True)
@click.option("--threshold", type=float, default=None, help="Score threshold (default: DUPLICATE_THRESHOLD).")
def bench_dedupe(names: int, planted: int, seed: int, threshold: float | None) -> None:
    """Dedupe 100,000 names with planted duplicates: time, precision, recall vs exact-name baseline."""
    from matching.dedupe import DUPLICATE_THRESHOLD

    console = Console(width=max(Console().width, 120))
    result = run_dedupe_bench(names, planted, seed, threshold or DUPLICATE_THRESHOLD, console)
    table = Table(title=f"Dedupe: {result['names']:,} names, {result['planted_pairs']:,} planted duplicate pairs")
    for col in ("method", "seconds", "pairs proposed", "planted found", "precision", "recall"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for label, row in ((f"blocking + rapidfuzz (threshold {result['threshold']:g})", result["fuzzy"]),
                       ("baseline: exact normalized name", result["baseline_exact"])):
        table.add_row(label, f"{row['seconds']:.1f}", f"{row['pairs']:,}", f"{row['true_pairs']:,}",
                      f"{row['precision']:.3f}", f"{row['recall']:.3f}")
    console.print(table)
    by_change = ", ".join(f"{k} {v:.3f}" for k, v in result["recall_by_change"].items())
    console.print(f"Recall by kind of change: {by_change}; planted in another comuna (shared phone/email): "
                  f"{result['recall_other_comuna_with_contact']}")
    met = result["targets"]["met"]
    console.print(f"Targets (< {DEDUPE_MAX_SECONDS:.0f} s, recall ≥ {MIN_RECALL}, precision ≥ {MIN_PRECISION}): "
                  + ("met" if met else "NOT met"))
    data = {**result, "finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": _machine()}
    _write_results("dedupe", "Dedupe benchmark (issue 5)", table, data, console)


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

        started = time.perf_counter()
        parsed = parse_import(data, catalog, on_progress=lambda done, total: update("read", done, total))
        parse_seconds = time.perf_counter() - started
        report = import_firms(driver, parsed, now=now, source=BENCH_SOURCE, batch_size=batch_size,
                              on_progress=update)
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
                   "possible_duplicates": len(report.possible_duplicates), "relationships": rels},
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
    console.print(f"Speed-up over the baseline: {result['speedup']}x. Target ≥ {MIN_IMPORT_RATE:,.0f} firms/s: "
                  + ("met" if result["targets"]["met"] else "NOT met"))
    data = {**result, "finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": _machine()}
    _write_results("import", "Import benchmark (issue 5)", table, data, console)
