"""Batch recommendation reports from the pages (advisors and admins): choose the scope (region, center,
project type, buyer), start the report as a job, follow its progress, download its files with the
session (CSV for Excel in Chile, XLSX, HTML, PDF); earlier reports listed with who asked and when.

The report is the API's: ``application.reports.run.resolve`` checks the scope and the ``report`` job runs
``build_report`` on a worker. Files come through ``jobs.get_job_file``, which takes the session.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from pydantic import ValidationError

from application import buyers, jobs
from application.network import list_centers
from application.reports.render import CSV_ES_NAME, CSV_NAME, HTML_NAME, PDF_NAME, XLSX_NAME
from application.reports.run import resolve
from matching.errors import InvalidInput
from matching.messages import field_errors
from matching.program import PROJECT_KIND_LABELS, REPORT_DEFAULT_TOP, REPORT_MAX_TOP
from matching.reports import ReportParams
from service.auth import require
from service.db import get_driver
from service.jobs import submit_job
from service.pages.job_status import REFRESH_S, file_url, page_job, progress, requester
from service.pages.session import current_viewer
from service.rate_limits import limited
from service.reference import get_catalog

RECENT_REPORTS = 20
BUYERS_LISTED = 500
# The files a person downloads, in the order offered, with what each is for.
DOWNLOADS = (
    (PDF_NAME, "PDF", "para leer o imprimir"),
    (HTML_NAME, "HTML", "la misma página, con todos los detalles"),
    (CSV_ES_NAME, "CSV para Excel", "separado por punto y coma, con coma decimal"),
    (XLSX_NAME, "Excel (.xlsx)", "una planilla con los puntajes como números"),
    (CSV_NAME, "CSV para programas", "separado por comas, con punto decimal"),
)
FORM_FIELDS = ("region", "center", "project_type", "buyer", "top")


def scope_words(params: dict, catalog, centers: dict) -> str:
    """A report's scope as people read it."""
    parts = []
    if params.get("region"):
        parts.append(f"Región {catalog.regions.get(params['region'], params['region'])}")
    if params.get("center"):
        parts.append(centers.get(params["center"], params["center"]))
    if params.get("project_type"):
        parts.append(PROJECT_KIND_LABELS.get(params["project_type"], params["project_type"]))
    if params.get("buyer"):
        parts.append(f"comprador {params['buyer']}")
    return ", ".join(parts) or "Todas las necesidades abiertas"


def render_form(values: dict | None = None, errors: dict | None = None, status: int = 200):
    catalog = get_catalog()
    centers = list_centers(get_driver())
    recent = jobs.jobs_for(get_driver(), current_viewer(), kind="report", everyone=True, limit=RECENT_REPORTS)
    centers_by_id = {c["id"]: c["name"] for c in centers}
    body = render_template(
        "reports.html", values=values or {"top": str(REPORT_DEFAULT_TOP)}, errors=errors or {},
        regions=[("", "Todas las regiones"), *sorted(catalog.regions.items())],
        centers=[("", "Todos los centros"), *sorted(((c["id"], c["name"]) for c in centers), key=lambda c: c[1])],
        kinds=[("", "Todos los tipos"), *PROJECT_KIND_LABELS.items()],
        buyers=[("", "Todos los compradores"),
                *((b["rut"], f"{b['name']} ({b['rut']})") for b in buyers.buyer_choices(get_driver(), BUYERS_LISTED))],
        recent=recent, requester=requester, scope=lambda p: scope_words(p, catalog, centers_by_id),
        max_top=REPORT_MAX_TOP, section="reports",
    )
    return body, status


def register(bp: Blueprint) -> None:
    @bp.get("/reports")
    @require("advisor", "admin")
    def reports_page():
        return render_form()

    @bp.post("/reports")
    @require("advisor", "admin")
    @limited("reports")
    def start_report():
        values = {name: (request.form.get(name) or "").strip()[:120] for name in FORM_FIELDS}
        given = {k: v for k, v in values.items() if v}
        try:
            params = ReportParams(**given)
            resolve(get_driver(), params, get_catalog())
        except ValidationError as exc:
            return render_form(values, {e.field.split(".")[0]: e.message for e in field_errors(exc)}, 422)
        except InvalidInput as exc:
            return render_form(values, {e.field: e.message for e in exc.errors}, 422)
        job = submit_job("report", params.model_dump(), current_viewer())
        flash("El informe comenzó. Puede quedarse en esta página o volver más tarde desde «Informes».", "success")
        return redirect(url_for("pages.report_job", job_id=job["id"]))

    @bp.get("/reports/<job_id>")
    @require("advisor", "admin")
    def report_job(job_id: str):
        job = page_job(job_id, "report")
        centers = {c["id"]: c["name"] for c in list_centers(get_driver())}
        downloads = [(file_url(job, name), label, why) for name, label, why in DOWNLOADS if name in job["files"]]
        context = dict(job=job, progress=progress(job), downloads=downloads, requester=requester(job),
                       scope=scope_words(job["params"], get_catalog(), centers), refresh=REFRESH_S,
                       section="reports")
        if request.headers.get("HX-Request"):
            return render_template("partials/report_job.html", **context)
        return render_template("report_job.html", **context)
