"""What each kind of job runs: the application's own task functions, called with a job's stored params.

An import reads its upload from the file store and resumes from the batches an earlier attempt
committed; training, reports and duplicate scans are re-run whole (training stores its model only
at the end, a report rewrites its files, a scan records pairs idempotently). The command line calls
the same functions in the foreground (``encadena import firms``, ``train``, ``report``, ``dedupe``).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from application import imports
from application.duplicates import scan, serving_pair_model
from application.jobs import Enqueue, JobFailed, JobRun, TaskFunction, execute, process_graph, worker_id
from application.reports.job import run_report_job
from application.secrets import model_signing_key, pair_model_signing_key
from application.settings import Settings
from application.storage import FileStore, job_file_key
from application.training import train_and_store
from graph_schema.driver import Graph
from graph_schema.reference import fetch_catalog
from matching.catalog import Catalog
from matching.errors import FieldError, InvalidInput
from matching.explain import number
from matching.imports import parse_import, workbook
from matching.imports.sheets import preview_import, rejected_rows_csv
from matching.training import METRIC

log = logging.getLogger(__name__)
# An import job's file of rejected rows (``matching.imports.sheets.rejected_rows_csv``).
REJECTED_ROWS_FILE = "filas-rechazadas.csv"
# Pairs a duplicate scan's result lists (the counts are complete; the pairs are in GET /duplicates).
SCAN_RESULT_PAIRS = 100

_catalogs: dict[int, Catalog] = {}


def catalog_for(graph: Graph) -> Catalog:
    """Reference data, read once per worker process."""
    catalog = _catalogs.get(os.getpid())
    if catalog is None:
        catalog = _catalogs[os.getpid()] = fetch_catalog(graph)
    return catalog


def precheck_import(data: bytes, catalog: Catalog) -> None:
    """Before an upload becomes a job: ``ImportFileError`` if it is empty, unreadable (an old .xls, a
    PDF...) or lacks required columns (the header and first data row are read; the job checks the rest)."""
    if not data.strip():
        raise InvalidInput(FieldError("archivo", "El archivo está vacío."))
    if workbook.kind(data) == "xlsx":  # any other binary file is refused here, saying how to save it
        preview_import(data, catalog, limit=1)  # the header and the first row
        return
    head = data.lstrip()
    lines = head.split(b"\n", 2)
    if b"\x00" not in head[:4] and len(lines) > 2:
        head = b"\n".join(lines[:2])  # UTF-8 and Latin-1 files: the header and one data line suffice
    parse_import(head, catalog)


def run_import(run: JobRun) -> tuple[Any, list[str]]:
    params = run.params
    data = run.store.read_bytes(run.job["input"])
    log_ = imports.BatchLog(run.committed_batches(), run.record_batch_tx)
    report = imports.import_file(
        run.graph, catalog_for(run.graph), data, now=params["now"], source=params["source"],
        dry_run=bool(params.get("dry_run")), batch_size=int(params.get("batch_size") or imports.DEFAULT_BATCH_SIZE),
        on_progress=run.progress, batches=log_,
        pair_model=serving_pair_model(run.graph, pair_model_signing_key(run.settings)),
    )
    body = report.as_dict()
    files = []
    if report.rejected:
        # Every rejected row (not only the report's first REPORT_LIST_LIMIT) with its cells, to fix and re-send.
        run.store.write_bytes(job_file_key(run.id, REJECTED_ROWS_FILE), rejected_rows_csv(data, report.rejected))
        files.append(REJECTED_ROWS_FILE)
    if report.created + report.updated + report.unchanged == 0 and report.rejected and not report.skipped:
        raise JobFailed(f"Ninguna de las {report.rows} filas se pudo importar; corrija los errores indicados "
                        "(línea, campo y motivo) y vuelva a enviar el archivo.", result=body, files=files)
    return body, files


def training_result(report) -> dict:
    """A training's result as people read it: versions, sizes, metrics and a sentence in Spanish."""
    learned, base = report.metrics["learned"][METRIC], report.metrics["prior"][METRIC]
    verdict = "promovido: supera a la regla base" if report.promoted else \
        "no promovido: no supera a la regla base, que sigue en uso"
    message = (f"Modelo {report.ranker.version} entrenado con {number(report.training_size)} ejemplos "
               f"({number(report.decisions)} decisiones). NDCG@10 en decisiones recientes: "
               f"{number(learned or 0, 3)} frente a {number(base or 0, 3)} de la regla base; {verdict}.")
    return {"version": report.ranker.version, "promoted": report.promoted, "training_size": report.training_size,
            "decisions": report.decisions, "holdout_needs": report.holdout_needs, "cutoff": report.cutoff,
            "metrics": report.metrics, "message": message}


def run_training(run: JobRun) -> tuple[Any, list[str]]:
    report = train_and_store(run.graph, catalog_for(run.graph), model_signing_key(run.settings),
                             progress=lambda done, total: run.progress("histories", done, total))
    return training_result(report), []


def run_report(run: JobRun) -> tuple[Any, list[str]]:
    names = run_report_job(run.graph, run.settings, run.params, run.store, run.id,
                           progress=lambda done, total: run.progress("match", done, total))
    return {"files": names}, names


def run_dedupe(run: JobRun) -> tuple[Any, list[str]]:
    params = run.params
    result = scan(run.graph, threshold=float(params["threshold"]), now=params["now"], on_progress=run.progress,
                  model=serving_pair_model(run.graph, pair_model_signing_key(run.settings)),
                  adjacency=catalog_for(run.graph).adjacency)
    pairs = sorted(result.pop("candidates"), key=lambda p: -p["score"])
    return {**result, "pairs_listed": pairs[:SCAN_RESULT_PAIRS]}, []


TASKS: dict[str, TaskFunction] = {"import": run_import, "train": run_training, "report": run_report,
                                  "dedupe": run_dedupe}


def run_job(settings: Settings, job_id: str, enqueue: Enqueue) -> str:
    """What a worker does with a queue message: claim the job and run its task in this process."""
    graph = process_graph(settings)
    return execute(graph, settings, FileStore.from_settings(settings), job_id, TASKS.__getitem__, enqueue,
                   worker_id())
