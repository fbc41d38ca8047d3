"""Reading an import file: decode its bytes, find its header, and yield each row's filled cells.

Accepted files: CSV separated by commas, semicolons or tabs (Excel in a Spanish locale writes
semicolons), in UTF-8 with or without BOM, UTF-16, or Windows-1252/Latin-1; or JSON lines (one
object per line). Column names may be Spanish or English (``IMPORT_COLUMNS``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from matching.errors import FieldError, InvalidInput
from matching.spreadsheets import plain_cell
from matching.text import fold

# Column names (folded: lower case, no accents, "_" as space) -> FirmRecord field.
IMPORT_COLUMNS: dict[str, str] = {
    "rut": "rut", "rut empresa": "rut", "tax id": "rut",
    "razon social": "name", "nombre": "name", "name": "name", "nombre empresa": "name", "empresa": "name",
    "comuna": "comuna", "cut comuna": "comuna", "codigo comuna": "comuna",
    "ciiu": "sectors", "sectores": "sectors", "sectors": "sectors", "sector": "sectors", "rubro": "sectors",
    "actividad": "sectors", "codigo actividad": "sectors", "actividad sii": "sectors",
    "ventas uf": "annual_sales_uf", "annual sales uf": "annual_sales_uf", "ventas anuales uf": "annual_sales_uf",
    "capacidad uf": "supply_capacity_uf", "capacidad de suministro uf": "supply_capacity_uf",
    "capacidad anual uf": "supply_capacity_uf", "supply capacity uf": "supply_capacity_uf",
    "trabajadores": "employees", "employees": "employees", "empleados": "employees",
    "genero": "owner_gender", "owner gender": "owner_gender", "sexo": "owner_gender",
    "productos": "products", "products": "products",
    "certificaciones": "certifications", "certifications": "certifications",
    "cooperativa": "is_cooperative", "es cooperativa": "is_cooperative", "is cooperative": "is_cooperative",
    "socia de": "member_of", "member of": "member_of",
    "telefono": "phone", "phone": "phone", "fono": "phone",
    "email": "email", "correo": "email", "e mail": "email", "correo electronico": "email",
}
REQUIRED_COLUMNS = ("rut", "name", "comuna", "sectors")
_COLUMN_ES = {"rut": "rut", "name": "razón social (o nombre)", "comuna": "comuna", "sectors": "ciiu (o sectores)"}


@dataclass(frozen=True)
class RowError:
    """One reason a row was not imported."""

    line: int
    field: str
    reason: str
    column: str | None = None
    rut: str | None = None

    def as_dict(self) -> dict:
        out: dict = {"line": self.line, "field": self.field, "message": self.reason}
        if self.column:
            out["column"] = self.column
        if self.rut:
            out["rut"] = self.rut
        return out


@dataclass(frozen=True)
class ImportRow:
    """A valid row: its line and the normalized values of the cells it filled."""

    line: int
    rut: str
    given: dict


@dataclass
class ParsedFile:
    format: str  # csv | jsonl
    encoding: str
    delimiter: str | None
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    data_rows: int = 0
    header: list[str] = field(default_factory=list)  # the header row as written (CSV and workbooks)
    sheet: str | None = None  # a workbook's sheet that was read, and how many it has
    sheets: int = 0

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({e.line for e in self.errors})


class ImportFileError(InvalidInput):
    """The file as a whole cannot be read (encoding, header, missing columns)."""


# -- decoding ------------------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, str]:
    """``(text, encoding)``: UTF-8 (BOM or not), UTF-16 with BOM, else Windows-1252 / Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


# -- reading rows ------------------------------------------------------------------------------

def map_header(names: list[str], required: tuple[str, ...] = REQUIRED_COLUMNS,
                ) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """Column index -> field, field -> header as written, and the ignored headers."""
    by_index: dict[int, str] = {}
    header_of: dict[str, str] = {}
    ignored: list[str] = []
    for i, raw in enumerate(names):
        name = raw.strip()
        target = IMPORT_COLUMNS.get(fold(name))
        if target is None:
            if name:
                ignored.append(name)
            continue
        if target in header_of:
            raise ImportFileError(FieldError(
                "encabezado", f"Las columnas «{header_of[target]}» y «{name}» indican lo mismo; deje solo una."))
        by_index[i] = target
        header_of[target] = name
    missing = [_COLUMN_ES[f] for f in required if f not in header_of]
    if missing:
        raise ImportFileError(FieldError(
            "encabezado", f"Faltan columnas obligatorias: {', '.join(missing)}. La primera fila debe tener los "
                          "nombres de las columnas (por ejemplo: rut;razón social;comuna;ciiu)."))
    return by_index, header_of, ignored


def _csv_rows(text: str, parsed: ParsedFile, required: tuple[str, ...] = REQUIRED_COLUMNS,
              ) -> Iterator[tuple[int, dict[str, Any], dict[str, str]]]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    parsed.delimiter = _delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=parsed.delimiter)
    header: list[str] | None = None
    last_line = 0
    by_index: dict[int, str] = {}
    header_of: dict[str, str] = {}
    columns: list[tuple[int, str]] = []
    for cells in reader:
        line, last_line = last_line + 1, reader.line_num
        if not "".join(cells).strip():
            continue
        if header is None:
            header = parsed.header = [c.strip() for c in cells]
            by_index, header_of, parsed.ignored_columns = map_header(cells, required)
            columns = sorted(by_index.items())
            continue
        values = {}
        for i, name in columns:
            if i >= len(cells):
                break
            cell = cells[i].strip()
            if cell:
                values[name] = plain_cell(cell) if cell[0] == "'" else cell
        yield line, values, header_of
    if header is None:
        raise ImportFileError(FieldError("archivo", "El archivo está vacío."))


def _jsonl_rows(text: str, parsed: ParsedFile) -> Iterator[tuple[int, dict[str, Any], dict[str, str]]]:
    ignored: dict[str, None] = {}
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except RecursionError:
            parsed.errors.append(RowError(line, "linea", "El objeto JSON está anidado demasiado profundo."))
            parsed.data_rows += 1
            continue
        except ValueError:
            parsed.errors.append(RowError(line, "linea", "No es un objeto JSON válido."))
            parsed.data_rows += 1
            continue
        if not isinstance(obj, dict):
            parsed.errors.append(RowError(line, "linea", "Cada línea debe ser un objeto JSON ({...})."))
            parsed.data_rows += 1
            continue
        values: dict[str, Any] = {}
        header_of: dict[str, str] = {}
        for key, value in obj.items():
            target = IMPORT_COLUMNS.get(fold(str(key)))
            if target is None:
                ignored[str(key)] = None
                continue
            if value is None or (isinstance(value, str) and not value.strip()) or value == []:
                continue
            values[target] = value.strip() if isinstance(value, str) else value
            header_of[target] = str(key)
        yield line, values, header_of
    parsed.ignored_columns = list(ignored)
