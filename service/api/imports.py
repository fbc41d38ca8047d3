"""Bulk imports: a spreadsheet (CSV, an Excel workbook) or JSON lines of firms, validated row by row, as a job.

The request checks what can be checked at once (size, type, header, required columns) and answers
422 for a file that cannot be read at all; then the bytes go to the file store and an ``import``
job (``application.job_tasks.run_import``) does the rest on a worker: 202 with
``Location: /api/v1/jobs/<id>``, whose ``result`` is the import report.
"""

from __future__ import annotations

from flask import current_app, request
from flask_openapi3 import APIBlueprint, RawModel, Tag
from pydantic import Field

from application import imports
from application.job_tasks import precheck_import
from service.api.jobs import JobModel
from service.auth import BEARER, current_principal, require
from service.errors import ApiProblem
from service.jobs import start_job
from service.query_models import QueryModel
from service.rate_limits import limited
from service.reference import get_catalog

bp = APIBlueprint("imports", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Importaciones")],
                  abp_security=BEARER)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Content types a spreadsheet or a script sends; the file's own bytes decide CSV or JSON lines.
TEXT_TYPES = ("text/csv", "application/csv", "text/plain", "application/x-ndjson", "application/jsonl",
              "application/json-lines", "application/vnd.ms-excel",
              XLSX_TYPE, "application/octet-stream")


class ImportFile(RawModel):
    """CSV (coma o punto y coma; UTF-8 o Latin-1), JSON lines o una planilla de Excel (.xlsx), en el cuerpo o
    como archivo «file»."""

    mimetypes = ["text/csv", "application/x-ndjson", XLSX_TYPE, "multipart/form-data"]


class ImportQuery(QueryModel):
    dry_run: bool = Field(False, description="Valida y cuenta lo que haría, sin escribir nada.")


@bp.before_request
def _import_size_limit() -> None:
    """Imports may be far larger than a JSON body; anything beyond MAX_IMPORT_BYTES is 413."""
    request.max_content_length = current_app.config["MAX_IMPORT_BYTES"]


def _uploaded_bytes() -> bytes:
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file") or next(iter(request.files.values()), None)
        if upload is None:
            raise ApiProblem(422, "Falta el archivo: envíelo en el campo «file» del formulario.",
                             type_="importacion-sin-archivo")
        return upload.read()
    if request.mimetype in TEXT_TYPES:
        return request.get_data(cache=False)
    raise ApiProblem(
        415, "Envíe el archivo como text/csv, application/x-ndjson (JSON lines), una planilla .xlsx "
             "(application/vnd.openxmlformats-officedocument.spreadsheetml.sheet) o multipart/form-data "
             "(campo «file»).", type_="tipo-de-archivo-no-soportado",
    )


@bp.post("/imports/firms", responses={202: JobModel},
         summary="Importar empresas desde CSV o JSON lines (un trabajo: 202 y Location; su resultado es el "
                 "reporte por fila)")
@require("admin", "advisor")
@limited("imports")
def import_firms(query: ImportQuery, raw: ImportFile):
    data = _uploaded_bytes()
    precheck_import(data, get_catalog())  # an unreadable file is 422 now, not a failed job later
    params = imports.import_job_params(current_principal(), file_name=_file_name(), size=len(data),
                                       dry_run=query.dry_run)
    return start_job("import", params, data=data)


def _file_name() -> str | None:
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file") or next(iter(request.files.values()), None)
        return upload.filename if upload is not None else None
    return None
