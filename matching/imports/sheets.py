"""What a person sees of an import file around the import itself: a preview of its first rows with the
columns recognized, the template to fill in, and the rejected rows written back to fix and send again.

- ``preview_import``: the file's kind, its columns (each recognized field, or ignored) and its first
  rows, each validated exactly as the import will validate it;
- ``template_csv``: the columns an import reads and one example row (a file that imports cleanly);
- ``rejected_rows_csv``: the rejected rows with every original cell, plus their line and reasons, as a
  CSV for Excel in Chile (semicolons, decimal commas, UTF-8 with BOM); the two added columns are
  ignored when the fixed file is imported again.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from matching.catalog import Catalog
from matching.errors import FieldError
from matching.imports import workbook
from matching.imports.cells import parse_number, validate_row
from matching.imports.reading import (
    IMPORT_COLUMNS,
    ImportFileError,
    RowError,
    _delimiter,
    decode,
)
from matching.spreadsheets import write_rows
from matching.text import fold

# What people read for each field an import fills (the preview, the rejected rows, the result page).
FIELD_LABELS: dict[str, str] = {
    "rut": "RUT", "name": "Razón social", "comuna": "Comuna", "sectors": "Rubro (CIIU)",
    "annual_sales_uf": "Ventas anuales (UF)", "supply_capacity_uf": "Capacidad de suministro (UF)",
    "employees": "Trabajadores", "owner_gender": "Género de quien la dirige", "products": "Productos",
    "certifications": "Certificaciones", "is_cooperative": "Cooperativa", "member_of": "Socia de (cooperativas)",
    "phone": "Teléfono", "email": "Correo electrónico",
    "linea": "Línea", "lote": "Lote", "encabezado": "Encabezado", "archivo": "Archivo",
}
# Numbers a spreadsheet holds; written back with decimal commas.
NUMBER_FIELDS = frozenset({"annual_sales_uf", "supply_capacity_uf", "employees"})
# The template: one column per field, as a person in Chile names them, and an example row.
TEMPLATE: tuple[tuple[str, str], ...] = (
    ("rut", "76.086.428-5"),
    ("razón social", "Panadería La Espiga Ltda."),
    ("comuna", "Rancagua"),
    ("ciiu", "1071"),
    ("ventas_uf", "850,5"),
    ("capacidad_uf", "300"),
    ("trabajadores", "6"),
    ("genero", "F"),
    ("productos", "Pan amasado, hallullas y empanadas"),
    ("certificaciones", "HACCP:vigente:31/03/2027|ISO9001:en trámite"),
    ("cooperativa", "no"),
    ("socia_de", ""),
    ("telefono", "72 222 3344"),
    ("email", "contacto@laespiga.cl"),
)
# Columns added to the rejected rows (names no import reads, so a fixed file imports as it is).
LINE_COLUMN, REASON_COLUMN = "línea original", "motivo del rechazo"


def field_label(name: str) -> str:
    """A field (``certifications.0.code`` included) as people read it."""
    head, _, rest = name.partition(".")
    label = FIELD_LABELS.get(head, head)
    return f"{label} ({rest.replace('.', ' ')})" if rest else label


# -- preview ---------------------------------------------------------------------------------------

@dataclass
class PreviewRow:
    line: int
    cells: dict[str, str]
    errors: list[RowError]


@dataclass
class ImportPreview:
    """The file as the import will read it: kind, columns, the first rows validated, and its size."""

    format: str
    encoding: str
    delimiter: str | None
    columns: list[dict] = field(default_factory=list)  # {"header", "field", "label"}; field None: ignored
    rows: list[PreviewRow] = field(default_factory=list)
    data_rows: int = 0  # rows below the header (for a workbook, as it declares them)
    exact_count: bool = True
    sheet: str | None = None
    sheets: int = 0

    @property
    def fields(self) -> list[str]:
        return [c["field"] for c in self.columns if c["field"]]


def _columns(header: list[str]) -> list[dict]:
    out = []
    for name in header:
        if not name:
            continue
        target = IMPORT_COLUMNS.get(fold(name))
        out.append({"header": name, "field": target, "label": FIELD_LABELS.get(target or "", "")})
    return out


def preview_import(data: bytes, catalog: Catalog, limit: int = 10) -> ImportPreview:
    """The first ``limit`` rows, validated like the import; ``ImportFileError`` when the file cannot be
    imported at all (empty, binary, no header, missing required columns, no rows)."""
    from matching.imports import file_rows

    parsed, rows, lines = file_rows(data)
    shown: list[PreviewRow] = []
    keys: dict[str, None] = {}
    decimal_comma = parsed.delimiter == ";"
    comunas: dict[str, str] = {}
    count = 0
    try:
        for line, values, header_of in rows:
            count += 1
            if len(shown) < limit:
                keys.update(dict.fromkeys(header_of.values()))
                _, errors = validate_row(values, catalog, decimal_comma=decimal_comma, comunas=comunas)
                rut = str(values.get("rut", "")).strip() or None
                shown.append(PreviewRow(line, {k: _shown(v) for k, v in values.items()}, [
                    RowError(line, e.field, e.message, header_of.get(e.field.split(".")[0]), rut) for e in errors]))
            elif parsed.format == "xlsx":
                break  # a workbook declares its size; reading every row would take seconds
    except csv.Error as exc:
        raise ImportFileError(FieldError("archivo", f"El CSV está mal formado ({exc}); revise las comillas.")) from exc
    shown += [PreviewRow(e.line, {}, [e]) for e in parsed.errors if e.line <= (shown[-1].line if shown else 1 << 30)]
    shown.sort(key=lambda r: r.line)
    if count == 0 and not parsed.errors:
        raise ImportFileError(FieldError("archivo", "El archivo no tiene filas de datos bajo el encabezado."))
    header = parsed.header or [*keys, *parsed.ignored_columns]
    exact = parsed.format != "xlsx"
    return ImportPreview(parsed.format, parsed.encoding, parsed.delimiter, _columns(header), shown[:limit],
                         count if exact else max(count, lines - 1), exact, parsed.sheet, parsed.sheets)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


# -- template -----------------------------------------------------------------------------------------

def template_csv() -> bytes:
    """The columns an import reads and one example row: semicolons, UTF-8 with BOM, for Excel in Chile."""
    out = io.StringIO()
    write_rows(out, [name for name, _ in TEMPLATE], [[value for _, value in TEMPLATE]], delimiter=";")
    return out.getvalue().encode("utf-8-sig")


# -- rejected rows ---------------------------------------------------------------------------------

def _raw_csv(text: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header and ``(line, cells)`` of a CSV, lines numbered as ``reading._csv_rows`` numbers them."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    header: list[str] = []

    def rows() -> Iterator[tuple[int, list[str]]]:
        last = 0
        for cells in reader:
            line, last = last + 1, reader.line_num
            if "".join(cells).strip():
                yield line, cells

    found = rows()
    for _, cells in found:
        header = [c.strip() for c in cells]
        break
    return header, found


def _raw_jsonl(text: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    objects: list[tuple[int, dict]] = []
    keys: dict[str, None] = {}
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except (ValueError, RecursionError):
            obj = None
        if not isinstance(obj, dict):
            obj = {"linea": raw}
        keys.update(dict.fromkeys(str(k) for k in obj))
        objects.append((line, obj))
    header = list(keys)
    return header, ((line, [_json_cell(obj.get(k)) for k in header]) for line, obj in objects)


def _json_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "|".join(value)
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return "|".join(":".join(str(v.get(k) or "") for k in ("code", "status", "valid_until")).rstrip(":")
                        for v in value)
    if isinstance(value, bool):
        return "sí" if value else "no"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _raw_xlsx(data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    book = workbook._open(data)
    sheet = book.active
    rows = [(number, [workbook._text(v) for v in row])
            for number, row in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)] if sheet else []
    book.close()
    rows = [(n, cells) for n, cells in rows if "".join(cells).strip()]
    return (rows[0][1] if rows else []), iter(rows[1:])


def _decimal_comma(cell: str) -> str:
    """A number written with a decimal point, as Excel in Chile reads it (``850.5`` -> ``850,5``)."""
    try:
        value = parse_number(cell, False)
    except ValueError:
        return cell
    return f"{value:.15g}".replace(".", ",")


def rejected_rows_csv(data: bytes, rejected: list[RowError]) -> bytes:
    """The rejected lines of ``data`` with every cell as it came, then their line and reasons; a CSV
    with semicolons and decimal commas in UTF-8 with BOM (Excel in Chile opens it as columns)."""
    reasons: dict[int, list[str]] = {}
    for error in sorted(rejected, key=lambda e: (e.line, e.field)):
        where = error.column or field_label(error.field)
        reasons.setdefault(error.line, []).append(f"{where}: {error.reason}")
    if workbook.kind(data) == "xlsx":
        header, rows, comma = *_raw_xlsx(data), False
    else:
        text, _ = decode(data)
        if text.lstrip().startswith("{"):
            header, rows = _raw_jsonl(text)
            comma = False
        else:
            header, rows = _raw_csv(text)
            comma = _delimiter(next((line for line in text.splitlines() if line.strip()), "")) == ";"
    numbers = {i for i, name in enumerate(header) if IMPORT_COLUMNS.get(fold(name)) in NUMBER_FIELDS}
    out_rows = []
    for line, cells in rows:
        if line not in reasons:
            continue
        cells = cells + [""] * (len(header) - len(cells))
        if not comma:
            cells = [_decimal_comma(c) if i in numbers and c.strip() else c for i, c in enumerate(cells)]
        out_rows.append([*cells[:len(header)], str(line), " · ".join(reasons.pop(line))])
    # Lines the file no longer shows as rows (a JSON line that was not an object): their reasons alone.
    out_rows += [[""] * len(header) + [str(line), " · ".join(why)] for line, why in sorted(reasons.items())]
    out = io.StringIO()
    write_rows(out, [*header, LINE_COLUMN, REASON_COLUMN], out_rows, delimiter=";")
    return out.getvalue().encode("utf-8-sig")
