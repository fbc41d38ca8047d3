"""Batch recommendation reports from the API: start a job, follow it, download its files.

``POST /reports`` validates the filters, records a ``ReportJob`` in Neo4j and runs it with
``python -m application.reports`` (the same ``build_report`` as ``encadena report``) in a child
process, so a report over a large scope never holds a request (or a web worker's CPU) open. The
child writes its progress and files into the job node, so any worker can answer
``GET /reports/{id}``; the files are served from ``REPORTS_DIR`` (a folder every worker of the
deployment must see).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, send_from_directory, url_for
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from graph_schema import report_jobs
from graph_schema.ids import new_id
from graph_schema.reports import buyer_exists, list_centers
from matching.errors import NotFound
from matching.reports import ReportParams, resolve_scope
from service.auth import BEARER, current_principal, require
from service.db import get_driver
from service.rate_limits import limited
from service.reference import get_catalog

log = logging.getLogger(__name__)
bp = APIBlueprint("reports", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Informes")], abp_security=BEARER)

REPO_ROOT = Path(__file__).resolve().parents[2]
JOB_ID_PATTERN = r"^rep_[0-9a-f]{12}$"
FILE_NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,80}$"
# What the child process needs to reach the same graph.
NEO4J_SETTINGS = ("NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE")


class ReportPath(BaseModel):
    id: str = Field(pattern=JOB_ID_PATTERN, description="Id del informe (rep_...).")


class ReportFilePath(ReportPath):
    name: str = Field(pattern=FILE_NAME_PATTERN, description="Nombre del archivo, p. ej. report.pdf.")


class ReportFile(BaseModel):
    name: str
    url: str


class ReportJob(BaseModel):
    id: str
    status: str = Field(description="queued (en cola), running (en curso), done (listo) o failed (falló).")
    params: dict
    progress: dict = Field(description="Necesidades procesadas (done) de un total (total).")
    files: list[ReportFile]
    error: str | None = None
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None


def reports_dir() -> Path:
    configured = current_app.config.get("REPORTS_DIR")
    return Path(configured) if configured else REPO_ROOT / ".data" / "reports"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _command(job_id: str, out_dir: Path, jobs: int) -> list[str]:
    return [sys.executable, "-m", "application.reports", job_id, str(out_dir), str(jobs)]


def _watch(proc: subprocess.Popen, job_id: str, driver) -> None:
    """Reap the child; if it died without recording an outcome, mark the job failed."""
    code = proc.wait()
    if code == 0:
        return
    try:
        if report_jobs.get_job(driver, job_id)["status"] in ("queued", "running"):
            report_jobs.finish_job(driver, job_id, _now(),
                                   error=f"El proceso del informe terminó inesperadamente (código {code}).")
    except Exception:  # noqa: BLE001 - a watcher thread must never raise
        log.exception("Could not record the failure of report job %s", job_id)


def _job_body(job: dict) -> dict:
    files = [{"name": name, "url": url_for("reports.get_report_file", id=job["id"], name=name)}
             for name in job.get("files") or []]
    return {
        "id": job["id"], "status": job["status"], "params": job["params"],
        "progress": {"done": job.get("done") or 0, "total": job.get("total")},
        "files": files, "error": job.get("error"), "created_at": job["created_at"],
        "started_at": job.get("started_at"), "finished_at": job.get("finished_at"),
    }


@bp.post("/reports", responses={202: ReportJob},
         summary="Iniciar un informe de recomendaciones (se genera en segundo plano)")
@require("admin", "advisor")
@limited("reports")
def create_report(body: ReportParams):
    driver = get_driver()
    exists = buyer_exists(driver, body.buyer) if body.buyer else None
    resolve_scope(body, get_catalog(), list_centers(driver), exists)  # InvalidInput before any job
    job_id = new_id("rep")
    out_dir = reports_dir() / job_id
    out_dir.mkdir(parents=True, exist_ok=True)
    report_jobs.create_job(driver, job_id, body.model_dump(), _now(), current_principal().id)
    env = {**os.environ, **{name: str(current_app.config[name]) for name in NEO4J_SETTINGS}}
    jobs = max(1, int(current_app.config.get("REPORT_JOBS") or 1))
    try:
        with (reports_dir() / f"{job_id}.log").open("wb") as logfile:
            proc = subprocess.Popen(_command(job_id, out_dir, jobs), cwd=REPO_ROOT, env=env,
                                    stdin=subprocess.DEVNULL, stdout=logfile, stderr=subprocess.STDOUT)
    except OSError as exc:
        report_jobs.finish_job(driver, job_id, _now(), error=f"No se pudo iniciar el informe ({exc}).")
        raise
    threading.Thread(target=_watch, args=(proc, job_id, driver), name=f"report-{job_id}", daemon=True).start()
    job = report_jobs.get_job(driver, job_id)
    location = url_for("reports.get_report", id=job_id)
    return _job_body(job), 202, {"Location": location}


@bp.get("/reports/<id>", responses={200: ReportJob}, summary="Estado de un informe y enlaces a sus archivos")
@require("admin", "advisor")
def get_report(path: ReportPath):
    return _job_body(report_jobs.get_job(get_driver(), path.id))


@bp.get("/reports/<id>/files/<name>", summary="Descargar un archivo de un informe (CSV, HTML, PDF o PNG)")
@require("admin", "advisor")
def get_report_file(path: ReportFilePath):
    job = report_jobs.get_job(get_driver(), path.id)
    if path.name not in (job.get("files") or []):
        raise NotFound(f"El informe {path.id} no tiene un archivo {path.name}"
                       + (" (todavía no termina)." if job["status"] in ("queued", "running") else "."))
    return send_from_directory(reports_dir() / path.id, path.name, max_age=0)
