"""A job as the pages follow it (imports, reports): found with the person's rights, its progress in words
and as a fraction, and links to its files through the one download route (``jobs.get_job_file``, which
takes the pages' session as well as a key).

A page that shows a running job polls itself with htmx (``hx-trigger="every 1s"`` on the part that
changes, ``templates/macros/jobs.html``) and, without JavaScript, refreshes every few seconds.
"""

from __future__ import annotations

import re

from flask import url_for

from application import jobs
from matching.errors import NotFound
from service.db import get_driver
from service.pages.session import current_viewer

# What each stage of a job means to a person (``application.job_tasks`` names them).
STAGES = {
    "read": "Leyendo el archivo",
    "write": "Escribiendo las empresas",
    "dedupe": "Buscando posibles duplicados",
    "match": "Buscando candidatos para cada necesidad",
    "histories": "Reuniendo decisiones",
    "compare": "Comparando empresas",
    "record": "Guardando los pares encontrados",
}
STATUS_ES = {"queued": "En cola", "running": "En curso", "done": "Listo", "failed": "Falló"}
# Without JavaScript, a page following a job reloads itself this often.
REFRESH_S = 3


def page_job(job_id: str, kind: str) -> dict:
    """The job of ``kind`` with id ``job_id`` as the signed-in person may see it; ``NotFound`` otherwise."""
    if not re.fullmatch(jobs.JOB_ID_PATTERN, job_id) or not job_id.startswith(jobs.ID_PREFIX[kind] + "_"):
        raise NotFound(f"No existe un trabajo con id {job_id}.")
    viewer = current_viewer()
    job = jobs.job_for(get_driver(), viewer, job_id)
    if job["kind"] != kind:
        raise NotFound(f"No existe un trabajo con id {job_id}.")
    return jobs.job_view(job, viewer)


def progress(job: dict) -> dict:
    """``{"active", "status", "stage", "done", "total", "percent"}`` for the progress bar and its words."""
    p = job["progress"]
    total = p.get("total") or 0
    done = min(p.get("done") or 0, total) if total else 0
    active = job["status"] in ("queued", "running")
    return {"active": active, "status": STATUS_ES.get(job["status"], job["status"]),
            "stage": STAGES.get(p.get("stage") or "", "Esperando un proceso libre" if job["status"] == "queued"
                                else "Trabajando"),
            "done": done, "total": total, "percent": round(100 * done / total) if total else 0}


def file_url(job: dict, name: str) -> str:
    return url_for("jobs.get_job_file", id=job["id"], name=name)


def requester(job: dict) -> str:
    """Who asked for the job, as people read it."""
    if job.get("requested_by_name"):
        return job["requested_by_name"]
    who = job.get("requested_by") or ""
    return "la línea de comandos" if who == "cli" else f"una llave de API ({who})" if who else "alguien"
