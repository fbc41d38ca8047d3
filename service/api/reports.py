"""Batch recommendation reports from the API: start one as a job, follow it, download its files.

``POST /reports`` validates the filters and starts a ``report`` job (``application.job_tasks``: the
same ``build_report`` as ``encadena report``, run by ``encadena worker``), answering 202 with
``Location: /api/v1/jobs/<id>``. ``GET /reports/{id}`` keeps answering in the shape it always had,
for report jobs recorded before jobs existed too; files come from the shared file store.
"""

from __future__ import annotations

from flask import url_for
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from application import jobs
from application.reports.run import resolve
from matching.errors import NotFound
from matching.reports import ReportParams
from service.api.jobs import JobModel, send_job_file
from service.auth import BEARER, current_principal, require, session_allowed
from service.db import get_driver
from service.jobs import start_job
from service.rate_limits import limited
from service.reference import get_catalog

bp = APIBlueprint("reports", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Informes")], abp_security=BEARER)

JOB_ID_PATTERN = r"^rep_[0-9a-f]{12}$"
FILE_NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,80}$"


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


def _report_job(job_id: str) -> dict:
    job = jobs.job_for(get_driver(), current_principal(), job_id)
    if job["kind"] != "report":
        raise NotFound(f"No existe un informe con id {job_id}.")
    return job


def _report_body(job: dict) -> dict:
    files = [{"name": name, "url": url_for("reports.get_report_file", id=job["id"], name=name)}
             for name in job.get("files") or []]
    return {
        "id": job["id"], "status": job["status"], "params": job["params"],
        "progress": {"done": job.get("done") or 0, "total": job.get("total")},
        "files": files, "error": job.get("error"), "created_at": job["created_at"],
        "started_at": job.get("started_at"), "finished_at": job.get("finished_at"),
    }


@bp.post("/reports", responses={202: JobModel},
         summary="Iniciar un informe de recomendaciones (un trabajo: 202 y Location del trabajo)")
@require("admin", "advisor")
@limited("reports")
def create_report(body: ReportParams):
    resolve(get_driver(), body, get_catalog())  # InvalidInput before any job
    return start_job("report", body.model_dump())


@bp.get("/reports/<id>", responses={200: ReportJob}, summary="Estado de un informe y enlaces a sus archivos")
@require("admin", "advisor")
def get_report(path: ReportPath):
    return _report_body(_report_job(path.id))


@bp.get("/reports/<id>/files/<name>", summary="Descargar un archivo de un informe (CSV, XLSX, HTML, PDF o PNG); con "
                                              "la llave o con la sesión de las páginas")
@require("admin", "advisor")
@session_allowed
def get_report_file(path: ReportFilePath):
    return send_job_file(_report_job(path.id), path.name)
