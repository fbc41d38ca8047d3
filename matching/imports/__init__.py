"""Bulk firm imports, the pure half: read a spreadsheet export and validate each row like the API.

- ``reading``: decode the bytes, map the header, yield each row's filled cells (CSV or JSON lines);
- ``workbook``: tell a workbook or another binary file from text; read an Excel ``.xlsx``'s rows;
- ``cells``: turn cells into ``FirmRecord`` input and validate a row exactly as ``POST /firms`` does;
- ``fast_rows``: the same answer for plainly valid rows, without pydantic;
- ``state``: rows of one RUT merged, and what writing a firm would change.

Each row holds only the cells it filled; a bad row yields ``RowError``\\s (line, field, column,
reason) and the other rows go on. Writing is ``application.imports`` over ``graph_schema.imports``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import Any

from matching.catalog import Catalog
from matching.collector import cyclic_gc_paused
from matching.errors import FieldError
from matching.imports import workbook
from matching.imports.cells import parse_certifications, parse_number, validate_row
from matching.imports.fast_rows import FastRows
from matching.imports.reading import (
    IMPORT_COLUMNS,
    REQUIRED_COLUMNS,
    ImportFileError,
    ImportRow,
    ParsedFile,
    RowError,
    _csv_rows,
    _jsonl_rows,
    decode,
)
from matching.imports.state import MergedFirm, merge_by_rut, same_state, target_state

__all__ = [
    "IMPORT_COLUMNS", "REQUIRED_COLUMNS", "FastRows", "ImportFileError", "ImportRow", "MergedFirm", "ParsedFile",
    "RowError", "decode", "file_rows", "merge_by_rut", "parse_certifications", "parse_import", "parse_number",
    "same_state", "target_state", "validate_row",
]

# How often parse_import reports progress, in rows.
PROGRESS_EVERY = 1000


def file_rows(data: bytes, required: tuple[str, ...] = REQUIRED_COLUMNS,
              ) -> tuple[ParsedFile, Iterator[tuple[int, dict[str, Any], dict[str, str]]], int]:
    """What kind of file ``data`` is, and its rows: ``(parsed, rows, lines)``.

    ``rows`` yields ``(line, {field: cell}, {field: header as written})`` for CSV (any separator,
    encoding or BOM), JSON lines and Excel workbooks alike; ``lines`` is the file's length in lines
    (rows for a workbook) for progress. ``ImportFileError`` for an empty, binary or unreadable file;
    the header is checked when ``rows`` starts.
    """
    if not data.strip():
        raise ImportFileError(FieldError("archivo", "El archivo está vacío."))
    if workbook.kind(data) == "xlsx":
        parsed = ParsedFile("xlsx", "utf-8", None)
        return parsed, workbook.xlsx_rows(data, parsed, required), workbook.xlsx_row_count(data)
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError as exc:
        raise ImportFileError(FieldError("archivo", "No se pudo leer el texto del archivo; guárdelo como CSV "
                                                    "UTF-8 o JSON lines.")) from exc
    is_jsonl = text.lstrip().startswith("{")
    parsed = ParsedFile("jsonl" if is_jsonl else "csv", encoding, None)
    rows = _jsonl_rows(text, parsed) if is_jsonl else _csv_rows(text, parsed, required)
    return parsed, rows, text.count("\n") + 1


def parse_import(data: bytes, catalog: Catalog,
                 on_progress: Callable[[int, int], None] | None = None) -> ParsedFile:
    """Read and validate a whole file; raises ``ImportFileError`` when it cannot be read at all.

    ``on_progress(rows_done, lines_in_file)`` is called every ``PROGRESS_EVERY`` rows.
    """
    parsed, rows, lines = file_rows(data)
    with cyclic_gc_paused():
        return _parse_rows(parsed, rows, lines, catalog, on_progress)


def _parse_rows(parsed: ParsedFile, rows: Iterator[tuple[int, dict[str, Any], dict[str, str]]], lines: int,
                catalog: Catalog, on_progress: Callable[[int, int], None] | None) -> ParsedFile:
    comunas: dict[str, str] = {}
    decimal_comma = parsed.delimiter == ";"
    fast = FastRows(catalog, decimal_comma)
    try:
        for line, values, header_of in rows:
            parsed.data_rows += 1
            if on_progress is not None and parsed.data_rows % PROGRESS_EVERY == 0:
                on_progress(line, lines)
            fast_given = fast.row(values)
            if fast_given is not None:
                parsed.rows.append(ImportRow(line, fast_given["rut"], fast_given))
                continue
            rut = str(values.get("rut", "")).strip() or None
            given, errors = validate_row(values, catalog, decimal_comma=decimal_comma, comunas=comunas)
            if errors:
                parsed.errors += [
                    RowError(line, e.field, e.message, header_of.get(e.field.split(".")[0]), rut) for e in errors
                ]
            else:
                parsed.rows.append(ImportRow(line, given["rut"], given))
    except csv.Error as exc:
        raise ImportFileError(FieldError("archivo", f"El CSV está mal formado ({exc}); revise las comillas.")) from exc
    if parsed.data_rows == 0:
        raise ImportFileError(FieldError("archivo", "El archivo no tiene filas de datos bajo el encabezado."))
    if on_progress is not None:
        on_progress(lines, lines)
    return parsed

