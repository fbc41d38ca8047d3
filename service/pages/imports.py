"""Importing a center's spreadsheet (advisors and admins): choose a file, see its first rows with the columns
recognized, start the import as a job, follow its progress, then read the result: created, updated,
merged by RUT, possible duplicates, and every rejected row with its line, field and reason, downloadable
as a CSV to fix in Excel and send again. The template to fill in is here too.

The application does the work (``application.import_files`` keeps the upload between the preview and the
start; the job runs ``application.imports.import_file`` on a worker, as the API's imports do).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for

from application import import_files, imports, jobs
from application.job_tasks import REJECTED_ROWS_FILE
from matching.errors import InvalidInput, NotFound
from matching.imports.reading import REQUIRED_COLUMNS
from matching.imports.sheets import FIELD_LABELS, TEMPLATE, field_label, template_csv
from service.auth import require
from service.db import get_driver
from service.jobs import job_store, submit_job
from service.pages.job_status import REFRESH_S, file_url, page_job, progress, requester
from service.pages.session import current_viewer
from service.rate_limits import limited
from service.reference import get_catalog

# Earlier imports listed on the page; rejected rows shown on the result page (all are in the CSV).
RECENT_IMPORTS = 15
REJECTED_SHOWN = 200
TEMPLATE_NAME = "plantilla-empresas.csv"
FORMATS = {"csv": "CSV", "jsonl": "JSON lines", "xlsx": "Planilla de Excel (.xlsx)"}
DELIMITERS = {";": "punto y coma", ",": "coma", "\t": "tabulador"}
STATUS_LABELS = {"queued": "En cola", "running": "En curso", "done": "Terminada", "failed": "Falló"}


def render_form(errors: dict | None = None, status: int = 200):
    recent = jobs.jobs_for(get_driver(), current_viewer(), kind="import", everyone=True, limit=RECENT_IMPORTS)
    body = render_template(
        "imports.html", errors=errors or {}, recent=recent, requester=requester, status_es=STATUS_LABELS,
        required=[FIELD_LABELS[f] for f in REQUIRED_COLUMNS], template_columns=[name for name, _ in TEMPLATE],
        max_mb=current_app.config["MAX_IMPORT_BYTES"] // (1024 * 1024), section="imports",
    )
    return body, status



def register(bp: Blueprint) -> None:
    @bp.get("/imports")
    @require("advisor", "admin")
    def imports_page():
        return render_form()

    @bp.get("/imports/plantilla.csv")
    @require("advisor", "admin")
    def import_template():
        return Response(template_csv(), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{TEMPLATE_NAME}"'})

    @bp.post("/imports")
    @require("advisor", "admin")
    def preview_import():
        request.max_content_length = current_app.config["MAX_IMPORT_BYTES"]  # 413 beyond it
        upload = request.files.get("archivo")
        if upload is None or not upload.filename:
            return render_form({"archivo": "Elija el archivo que quiere importar."}, 422)
        data = upload.read()
        try:
            token, preview = import_files.preview_upload(job_store(), get_catalog(), current_viewer(), data)
        except InvalidInput as exc:
            return render_form({"archivo": " ".join(e.message for e in exc.errors)}, 422)
        return render_template(
            "import_preview.html", preview=preview, token=token, file_name=upload.filename, size=len(data),
            formats=FORMATS, delimiters=DELIMITERS, field_label=field_label, section="imports",
        )

    @bp.post("/imports/start")
    @require("advisor", "admin")
    @limited("imports")
    def start_import():
        viewer = current_viewer()
        token = request.form.get("token", "")
        file_name = (request.form.get("file_name") or "").strip()[:200] or None
        try:
            data = import_files.staged_upload(job_store(), viewer, token)
        except InvalidInput as exc:
            return render_form({"archivo": exc.errors[0].message}, 422)
        except NotFound as exc:
            return render_form({"archivo": str(exc)}, 422)
        params = imports.import_job_params(viewer, file_name=file_name, size=len(data),
                                           dry_run=request.form.get("dry_run") == "true")
        job = submit_job("import", params, viewer, data)
        import_files.discard_upload(job_store(), viewer, token)
        flash("La importación comenzó. Puede quedarse en esta página o volver más tarde: seguirá avanzando.",
              "success")
        return redirect(url_for("pages.import_job", job_id=job["id"]))

    @bp.get("/imports/<job_id>")
    @require("advisor", "admin")
    def import_job(job_id: str):
        job = page_job(job_id, "import")
        result = job.get("result") or {}
        context = dict(
            job=job, result=result, progress=progress(job), rejected=(result.get("rejected") or [])[:REJECTED_SHOWN],
            rejected_file=file_url(job, REJECTED_ROWS_FILE) if REJECTED_ROWS_FILE in job["files"] else None,
            field_label=field_label, requester=requester(job), refresh=REFRESH_S, section="imports",
        )
        if request.headers.get("HX-Request"):
            return render_template("partials/import_job.html", **context)
        return render_template("import_job.html", **context)
