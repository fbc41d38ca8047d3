"""Long work as jobs: follow one (``GET /jobs/{id}``), list yours, download a job's files; start a
duplicate scan. Imports, training and reports start theirs from their own endpoints (202 + Location).

Job records live in Neo4j, so any app host answers for any job; files come from the shared file
store with the caller's own credentials: a key, or the pages' session (a link clicked in a browser). A buyer
sees only jobs it started; staff see every job.
"""

from __future__ import annotations

import mimetypes
from datetime import UTC, datetime
from typing import Literal

from flask import send_file
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, ConfigDict, Field

from application import jobs
from application.storage import job_file_key
from matching.dedupe import DUPLICATE_THRESHOLD
from matching.errors import NotFound
from service.auth import BEARER, current_principal, require, session_allowed
from service.db import get_driver
from service.jobs import job_body, job_store, start_job
from service.query_models import QueryModel

bp = APIBlueprint("jobs", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Trabajos")], abp_security=BEARER)

FILE_NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,80}$"


class JobPath(BaseModel):
    id: str = Field(pattern=jobs.JOB_ID_PATTERN, description="Id del trabajo (imp_, trn_, rep_ o scn_ y 12 cifras "
                                                             "hexadecimales).")


class JobFilePath(JobPath):
    name: str = Field(pattern=FILE_NAME_PATTERN, description="Nombre del archivo, p. ej. report.pdf.")


class JobListQuery(QueryModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["import", "train", "report", "dedupe"] | None = Field(None, description="Tipo de trabajo.")
    status: Literal["queued", "running", "done", "failed"] | None = None
    all: bool = Field(False, description="Personal del programa: los trabajos de todos, no solo los propios.")
    limit: int = Field(50, ge=1, le=200)


class JobFile(BaseModel):
    name: str
    url: str


class JobProgress(BaseModel):
    stage: str | None = Field(None, description="Etapa: read, write, dedupe (importación), histories "
                                                "(entrenamiento), match (informe), compare, record (duplicados).")
    done: int
    total: int | None = None


class JobModel(BaseModel):
    id: str
    kind: str = Field(description="import, train, report o dedupe.")
    status: str = Field(description="queued (en cola), running (en curso), done (listo) o failed (falló).")
    progress: JobProgress
    params: dict
    result: dict | None = Field(None, description="El reporte de la importación, del entrenamiento, los archivos del "
                                                  "informe o los conteos de la búsqueda de duplicados.")
    files: list[JobFile]
    error: str | None = Field(None, description="Por qué falló, en castellano.")
    attempts: int = Field(description="Veces que un worker lo empezó (se reintenta si el worker se detiene).")
    requested_by: str | None = Field(None, description="Quién lo pidió: id de la cuenta, de la llave o «cli».")
    requested_by_name: str | None = Field(None, description="Nombre de la persona que lo pidió, si lo pidió una "
                                                            "persona.")
    max_attempts: int | None = None
    created_at: str | None = None
    started_at: str | None = None
    updated_at: str | None = None
    finished_at: str | None = None
    files_deleted: bool = Field(description="Sus archivos se borraron al cumplirse el plazo de retención.")
    links: dict


class JobList(BaseModel):
    items: list[JobModel]


class ScanBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    threshold: float = Field(DUPLICATE_THRESHOLD, ge=0, le=100, description="Puntaje mínimo (0-100) de un par.")


@bp.get("/jobs", responses={200: JobList}, summary="Mis trabajos (importaciones, entrenamientos, informes, "
                                                   "duplicados), del más reciente al más antiguo")
@require("admin", "advisor", "buyer")
def list_jobs(query: JobListQuery):
    found = jobs.jobs_for(get_driver(), current_principal(), kind=query.kind, status=query.status,
                          everyone=query.all, limit=query.limit)
    return {"items": [job_body(job) for job in found]}


@bp.get("/jobs/<id>", responses={200: JobModel}, summary="Estado, avance, resultado o error de un trabajo")
@require("admin", "advisor", "buyer")
def get_job(path: JobPath):
    return job_body(jobs.job_for(get_driver(), current_principal(), path.id))


@bp.get("/jobs/<id>/files/<name>", summary="Descargar un archivo de un trabajo (p. ej. report.pdf); con la llave "
                                           "o con la sesión de las páginas")
@require("admin", "advisor", "buyer")
@session_allowed
def get_job_file(path: JobFilePath):
    job = jobs.job_for(get_driver(), current_principal(), path.id)
    return send_job_file(job, path.name)


def send_job_file(job: dict, name: str):
    """A file of ``job`` from the shared store, or 404 saying why it is not there."""
    if name not in (job.get("files") or []):
        raise NotFound(f"El trabajo {job['id']} no tiene un archivo {name}"
                       + (" (todavía no termina)." if job["status"] in ("queued", "running") else "."))
    if job.get("purged_at"):
        raise NotFound(f"Los archivos del trabajo {job['id']} se borraron al cumplirse el plazo de retención; "
                       "vuelva a generarlos.")
    store = job_store()
    key = job_file_key(job["id"], name)
    if not store.exists(key):
        raise NotFound(f"El archivo {name} del trabajo {job['id']} ya no está disponible.")
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return send_file(store.open(key), mimetype=mimetype, download_name=name, max_age=0)


@bp.post("/duplicate-scans", responses={202: JobModel},
         summary="Buscar posibles duplicados entre todas las empresas (en segundo plano)")
@require("admin", "advisor")
def start_scan(body: ScanBody):
    return start_job("dedupe", {"threshold": body.threshold, "now": datetime.now(UTC).isoformat()})
