"""Bulk imports: a spreadsheet export (CSV) or JSON lines of firms, validated row by row."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, request
from flask_openapi3 import APIBlueprint, RawModel, Tag
from pydantic import BaseModel, Field

from application import imports
from service.auth import BEARER, current_principal, require
from service.db import get_driver
from service.errors import ApiProblem, problem
from service.ranking import serving_pair_model
from service.rate_limits import limited
from service.reference import get_catalog

bp = APIBlueprint("imports", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Importaciones")],
                  abp_security=BEARER)

# Content types a spreadsheet or a script sends; the file's own bytes decide CSV or JSON lines.
TEXT_TYPES = ("text/csv", "application/csv", "text/plain", "application/x-ndjson", "application/jsonl",
              "application/json-lines", "application/vnd.ms-excel")


class ImportFile(RawModel):
    """CSV (coma o punto y coma; UTF-8 o Latin-1) o JSON lines, en el cuerpo o como archivo «file»."""

    mimetypes = ["text/csv", "application/x-ndjson", "multipart/form-data"]


class ImportQuery(BaseModel):
    dry_run: bool = Field(False, description="Valida y cuenta lo que haría, sin escribir nada.")


class ImportReportModel(BaseModel):
    dry_run: bool
    file: dict
    created: int
    updated: int
    unchanged: int
    merged_by_rut: int = Field(description="RUT repetidos en el archivo (con o sin puntos), fusionados en una fila.")
    merged_by_rut_detail: list[dict]
    rejected_rows: int
    rejected: list[dict] = Field(description="Una entrada por campo inválido: línea, campo, columna, motivo.")
    skipped: list[dict]
    possible_duplicates: int
    possible_duplicates_detail: list[dict]
    decided_pairs_not_reopened: int
    batches: int
    failed_batches: int
    seconds: float
    timings: dict[str, float] = Field(description="Segundos por etapa: checks, write, duplicates.")


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
        415, "Envíe el archivo como text/csv, application/x-ndjson (JSON lines) o multipart/form-data "
             "(campo «file»).", type_="tipo-de-archivo-no-soportado",
    )


@bp.post("/imports/firms", responses={200: ImportReportModel},
         summary="Importar empresas desde CSV o JSON lines (idempotente, con reporte por fila)")
@require("admin", "advisor")
@limited("imports")
def import_firms(query: ImportQuery, raw: ImportFile):
    report = imports.import_file(
        get_driver(), get_catalog(), _uploaded_bytes(), now=datetime.now(UTC).isoformat(),
        source=f"import:{current_principal().id}", dry_run=query.dry_run, pair_model=serving_pair_model(),
    )
    body = report.as_dict()
    if report.created + report.updated + report.unchanged == 0 and report.rejected and not report.skipped:
        return problem(
            422, f"Ninguna de las {report.rows} filas se pudo importar; corrija los errores indicados "
                 "(línea, campo y motivo) y vuelva a enviar el archivo.",
            errors=body["rejected"], type_="importacion-sin-filas-validas",
        )
    return body
