"""Bulk firm imports, the pure half: read a spreadsheet export and validate each row like the API.

Accepted files: CSV separated by commas, semicolons or tabs (Excel in a Spanish locale writes
semicolons), in UTF-8 with or without BOM, UTF-16, or Windows-1252/Latin-1; or JSON lines (one
object per line). Column names may be Spanish or English (``IMPORT_COLUMNS``). Each row becomes
a ``FirmRecord`` holding only the cells it filled, validated and normalized by
``matching.records`` exactly as ``POST /api/v1/firms`` does; a bad row yields ``RowError``\\s
(line, field, column, reason) and the other rows go on. Writing is ``graph_schema.imports``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from operator import mul
from typing import Any

from pydantic import ValidationError

from matching.catalog import Catalog
from matching.collector import cyclic_gc_paused
from matching.errors import FieldError, InvalidInput
from matching.messages import field_errors
from matching.records import FirmRecord, normalize_firm
from matching.segments import size_segment
from matching.text import fold

# Column names (folded: lower case, no accents, "_" as space) -> FirmRecord field.
IMPORT_COLUMNS: dict[str, str] = {
    "rut": "rut", "rut empresa": "rut", "tax id": "rut",
    "razon social": "name", "nombre": "name", "name": "name", "nombre empresa": "name", "empresa": "name",
    "comuna": "comuna", "cut comuna": "comuna", "codigo comuna": "comuna",
    "ciiu": "sectors", "sectores": "sectors", "sectors": "sectors", "sector": "sectors", "rubro": "sectors",
    "actividad": "sectors", "codigo actividad": "sectors", "actividad sii": "sectors",
    "ventas uf": "annual_sales_uf", "annual sales uf": "annual_sales_uf", "ventas anuales uf": "annual_sales_uf",
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

# Lists inside one cell: "1050;1071", "HACCP:valid:2027-03-31|ISO9001:in_progress".
_LIST_SPLIT = re.compile(r"[;|,]")
_CERT_SPLIT = re.compile(r"[;|]")
_YES = {"si", "s", "yes", "y", "true", "1", "x", "verdadero"}
_NO = {"no", "n", "false", "0", "falso"}
_GENDER = {
    "f": "F", "femenino": "F", "mujer": "F", "female": "F",
    "m": "M", "masculino": "M", "hombre": "M", "male": "M",
    "unknown": "unknown", "sin informacion": "unknown", "s i": "unknown", "no informa": "unknown",
    "desconocido": "unknown", "ns": "unknown",
}
_CERT_STATUS = {
    "valid": "valid", "vigente": "valid", "activa": "valid", "valida": "valid",
    "in progress": "in_progress", "en tramite": "in_progress", "en proceso": "in_progress",
    "en curso": "in_progress", "tramite": "in_progress",
    "expired": "expired", "vencida": "expired", "expirada": "expired", "caducada": "expired",
}
# How often parse_import reports progress, in rows.
PROGRESS_EVERY = 1000
_DMY = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$")
_THOUSANDS_DOTS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


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

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({e.line for e in self.errors})


@dataclass(frozen=True)
class MergedFirm:
    """All valid rows of one RUT, later rows' filled cells winning."""

    rut: str
    lines: tuple[int, ...]
    given: dict


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

def _map_header(names: list[str], required: tuple[str, ...] = REQUIRED_COLUMNS,
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
            header = cells
            by_index, header_of, parsed.ignored_columns = _map_header(cells, required)
            columns = sorted(by_index.items())
            continue
        values = {}
        for i, name in columns:
            if i >= len(cells):
                break
            cell = cells[i].strip()
            if cell:
                values[name] = cell
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


# -- cells ---------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _word(text: str) -> str:
    """``fold`` for the few words a column repeats (sí/no, F/M, vigente...): cached."""
    return fold(text)


def parse_number(text: str, decimal_comma: bool) -> float:
    """``"1.234,5"`` -> 1234.5; ``"150,5"`` -> 150.5; ``"1.234"`` is 1234 in a semicolon file."""
    s = text.replace(" ", "").replace("\u00a0", "")
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    elif "," in s:
        s = s.replace(",", ".") if s.count(",") == 1 else s.replace(",", "")
    elif _THOUSANDS_DOTS.match(s) and (decimal_comma or s.count(".") > 1):
        s = s.replace(".", "")
    return float(s)


def _iso_date(text: str) -> str:
    m = _DMY.match(text.strip())
    return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}" if m else text.strip()


def parse_certifications(text: str) -> list[dict]:
    """``"HACCP:valid:2027-03-31|ISO9001:en trámite"`` -> holdings; a missing status means valid."""
    out = []
    for item in _CERT_SPLIT.split(text):
        if not item.strip():
            continue
        code, _, rest = item.partition(":")
        status_text, _, until = rest.partition(":")
        status = _CERT_STATUS.get(_word(status_text), status_text.strip()) if status_text.strip() else "valid"
        out.append({"code": code.strip(), "status": status, "valid_until": _iso_date(until) or None})
    return out


def _cells_to_record(values: dict[str, Any], decimal_comma: bool) -> tuple[dict, list[FieldError]]:
    """Turn spreadsheet cells into ``FirmRecord`` input; cells that cannot be read become errors."""
    out: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, value in values.items():
        if isinstance(value, list) and name in ("sectors", "member_of"):
            out[name] = [str(v) for v in value]
            continue
        if isinstance(value, int | float) and not isinstance(value, bool) and name in ("rut", "phone", "sectors"):
            value = str(value)
        if not isinstance(value, str):
            out[name] = value
            continue
        if name in ("sectors", "member_of"):
            out[name] = [v.strip() for v in _LIST_SPLIT.split(value) if v.strip()]
        elif name == "certifications":
            out[name] = parse_certifications(value)
        elif name == "is_cooperative":
            key = _word(value)
            if key in _YES or key in _NO:
                out[name] = key in _YES
            else:
                errors.append(FieldError(name, f"«{value}» no es sí ni no; escriba sí o no."))
        elif name == "owner_gender":
            gender = _GENDER.get(_word(value))
            if gender is None:
                errors.append(FieldError(name, f"«{value}» no es un género reconocido; use F (mujer), M (hombre) o "
                                               "deje la celda vacía si no hay información."))
            else:
                out[name] = gender
        elif name in ("annual_sales_uf", "employees"):
            try:
                number = parse_number(value, decimal_comma)
            except ValueError:
                example = "1500 o 1500,5" if name == "annual_sales_uf" else "12"
                errors.append(FieldError(name, f"«{value}» no es un número; escriba por ejemplo {example}."))
                continue
            if name == "employees" and number.is_integer():
                out[name] = int(number)
            else:
                out[name] = number
        else:
            out[name] = value
    return out, errors


def _comuna_code(value: str, catalog: Catalog, memo: dict[str, str]) -> str:
    """The CUT code of a comuna name, remembered in ``memo`` (a file repeats a few hundred comunas)."""
    if value not in memo:
        try:
            memo[value] = catalog.resolve_comuna(value).cut
        except InvalidInput:
            return value  # normalize_firm reports it, with suggestions
    return memo[value]


def _restore_leading_zero(code: str, catalog: Catalog) -> str:
    """Excel drops leading zeros: "149" is class 0149 and "11100" SII code 011100 when those exist."""
    code = code.strip()
    if code.isdigit() and len(code) in (3, 5) and ("0" + code)[:4] in catalog.sectors:
        return "0" + code
    return code


def _reference_errors(data: dict, catalog: Catalog, already: set[str]) -> list[FieldError]:
    """Catalog problems (comuna, sectors, certification codes) of a row that failed elsewhere too."""
    errors: list[FieldError] = []

    def check(fn: Callable[..., object], *args: Any) -> None:
        try:
            fn(*args)
        except InvalidInput as exc:
            errors.extend(exc.errors)

    if "comuna" in data and "comuna" not in already:
        check(catalog.resolve_comuna, data["comuna"])
    if isinstance(data.get("sectors"), list) and "sectors" not in already:
        for i, value in enumerate(data["sectors"]):
            check(catalog.resolve_sector, str(value), f"sectors.{i}", True)
    if isinstance(data.get("certifications"), list) and "certifications" not in already:
        for i, cert in enumerate(data["certifications"]):
            if isinstance(cert, dict):
                check(catalog.resolve_certification, str(cert.get("code")), f"certifications.{i}.code")
    return errors


def validate_row(values: dict[str, Any], catalog: Catalog, decimal_comma: bool = False,
                 comunas: dict[str, str] | None = None) -> tuple[dict, list[FieldError]]:
    """Normalized values of the filled cells (``normalize_firm``), or every error of the row.

    ``comunas`` remembers comuna names already resolved, across the rows of one file.
    """
    data, errors = _cells_to_record(values, decimal_comma)
    if isinstance(data.get("comuna"), str):
        data["comuna"] = _comuna_code(data["comuna"], catalog, {} if comunas is None else comunas)
    if isinstance(data.get("sectors"), list):
        data["sectors"] = [_restore_leading_zero(str(code), catalog) for code in data["sectors"]]
    try:
        record = FirmRecord.model_validate(data)
    except ValidationError as exc:
        errors += field_errors(exc)
    if errors:
        return {}, errors + _reference_errors(data, catalog, {e.field.split(".")[0] for e in errors})
    try:
        normalized = normalize_firm(record, catalog)
    except InvalidInput as exc:
        return {}, exc.errors
    given = record.model_fields_set | {"rut"}
    if "annual_sales_uf" in given:
        given.add("size_segment")
    return {k: v for k, v in normalized.items() if k in given}, []


# -- the common valid row, fast ---------------------------------------------------------------------
#
# ``validate_row`` builds a pydantic model and runs ``normalize_firm`` for every row: about 150 µs.
# Most rows of a real file are valid and repeat a few hundred comunas, sector and certification
# codes, so ``FastRows`` checks a row of text cells against the same rules with plain comparisons
# and per-file caches of every catalog lookup, and returns exactly what ``validate_row`` would.
# Whenever a cell is anything but plainly valid it returns ``None`` and the row goes through
# ``validate_row``, which reports the errors (tests check both paths agree).

_RUT_PLAIN = re.compile(r"([0-9]{7,8})-?([0-9kK])")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# python-stdnum's RUT check digit (stdnum.cl.rut.calc_check_digit): weights 9..4 from the right.
_RUT_WEIGHTS = (9, 8, 7, 6, 5, 4, 9, 8)
_CERT_STATUSES = frozenset(("valid", "in_progress", "expired"))


def plain_rut(text: str) -> str | None:
    """The canonical form of a RUT written plainly (``12345678-5``, ``123456785``), else ``None``.

    ``None`` says nothing about validity: dotted or odd spellings go to ``canonical_rut``.
    """
    m = _RUT_PLAIN.fullmatch(text)
    if m is None:
        return None
    body, digit = m.groups()
    total = sum(map(mul, map(int, reversed(body)), _RUT_WEIGHTS))
    digit = digit.upper()
    return f"{body}-{digit}" if "0123456789K"[total % 11] == digit else None


class FastRows:
    """Validate plainly valid rows of text cells without pydantic; ``row`` answers ``None`` otherwise."""

    def __init__(self, catalog: Catalog, decimal_comma: bool) -> None:
        self.catalog = catalog
        self.decimal_comma = decimal_comma
        self._comunas: dict[str, str | None] = {}
        self._sectors: dict[str, str | None] = {}
        self._certifications: dict[str, str | None] = {}
        self._dates: dict[str, str | None] = {}

    def _comuna(self, value: str) -> str | None:
        if value not in self._comunas:
            try:
                self._comunas[value] = self.catalog.resolve_comuna(value).cut
            except InvalidInput:
                self._comunas[value] = None
        return self._comunas[value]

    def _sector(self, value: str) -> str | None:
        if value not in self._sectors:
            code = _restore_leading_zero(value, self.catalog)
            try:
                self._sectors[value] = self.catalog.resolve_sector(code, class_only=True).code
            except InvalidInput:
                self._sectors[value] = None
        return self._sectors[value]

    def _certification(self, value: str) -> str | None:
        if value not in self._certifications:
            self._certifications[value] = None
            if 2 <= len(value) <= 60:
                try:
                    self._certifications[value] = self.catalog.resolve_certification(value)
                except InvalidInput:
                    pass
        return self._certifications[value]

    def _date(self, value: str) -> str | None:
        if value not in self._dates:
            self._dates[value] = None
            if _ISO_DAY.fullmatch(value):
                try:
                    self._dates[value] = date.fromisoformat(value).isoformat()
                except ValueError:
                    pass
        return self._dates[value]

    def _holdings(self, value: str) -> list[dict] | None:
        parsed = parse_certifications(value)
        if len(parsed) > 40:
            return None
        out: dict[str, dict] = {}
        for cert in parsed:
            code = self._certification(cert["code"])
            if code is None or cert["status"] not in _CERT_STATUSES:
                return None
            until = cert["valid_until"]
            if until is not None:
                until = self._date(until)
                if until is None:
                    return None
            out[code] = {"code": code, "status": cert["status"], "valid_until": until}
        return list(out.values())

    def _number(self, value: str) -> float | None:
        try:
            number = parse_number(value, self.decimal_comma)
        except ValueError:
            return None
        return number if math.isfinite(number) else None

    def row(self, values: dict[str, Any]) -> dict | None:
        """``validate_row``'s answer for a valid row of text cells, or ``None`` to let it decide."""
        if "rut" not in values or "name" not in values or "comuna" not in values or "sectors" not in values:
            return None
        out: dict[str, Any] = {}
        for name, value in values.items():
            if type(value) is not str:
                return None
            if name == "rut":
                rut = plain_rut(value)
                if rut is None:
                    return None
                out["rut"] = rut
            elif name == "name":
                if not 2 <= len(value) <= 200:
                    return None
                out["name"] = value
            elif name == "comuna":
                cut = self._comuna(value)
                if cut is None:
                    return None
                out["comuna"] = cut
            elif name == "sectors":
                raw = [v.strip() for v in _LIST_SPLIT.split(value) if v.strip()]
                if not 1 <= len(raw) <= 10:
                    return None
                codes = [self._sector(v) for v in raw]
                if None in codes:
                    return None
                out["sectors"] = list(dict.fromkeys(codes))
            elif name == "certifications":
                holdings = self._holdings(value)
                if holdings is None:
                    return None
                out["certifications"] = holdings
            elif name == "annual_sales_uf":
                sales = self._number(value)
                if sales is None or not 0 <= sales <= 1e9:
                    return None
                out["annual_sales_uf"] = sales
                out["size_segment"] = size_segment(sales)
            elif name == "employees":
                number = self._number(value)
                if number is None or not number.is_integer() or not 0 <= number <= 1_000_000:
                    return None
                out["employees"] = int(number)
            elif name == "owner_gender":
                gender = _GENDER.get(_word(value))
                if gender is None:
                    return None
                out["owner_gender"] = gender
            elif name == "is_cooperative":
                key = _word(value)
                if key not in _YES and key not in _NO:
                    return None
                out["is_cooperative"] = key in _YES
            elif name == "products":
                if len(value) > 4000:
                    return None
                out["products"] = value
            elif name == "phone":
                if len(value) > 40:
                    return None
                out["phone"] = value
            elif name == "email":
                if len(value) > 200 or _EMAIL.fullmatch(value) is None:
                    return None
                out["email"] = value
            elif name == "member_of":
                ruts = [plain_rut(v.strip()) for v in _LIST_SPLIT.split(value) if v.strip()]
                if len(ruts) > 50 or None in ruts:
                    return None
                out["member_of"] = list(dict.fromkeys(ruts))
            else:
                return None
        if out["rut"] in out.get("member_of", ()):
            return None
        return out


def parse_import(data: bytes, catalog: Catalog,
                 on_progress: Callable[[int, int], None] | None = None) -> ParsedFile:
    """Read and validate a whole file; raises ``ImportFileError`` when it cannot be read at all.

    ``on_progress(rows_done, lines_in_file)`` is called every ``PROGRESS_EVERY`` rows.
    """
    if not data.strip():
        raise ImportFileError(FieldError("archivo", "El archivo está vacío."))
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError as exc:
        raise ImportFileError(FieldError("archivo", "No se pudo leer el texto del archivo; guárdelo como CSV "
                                                    "UTF-8 o JSON lines.")) from exc
    with cyclic_gc_paused():
        return _parse_text(text, encoding, catalog, on_progress)


def _parse_text(text: str, encoding: str, catalog: Catalog,
                on_progress: Callable[[int, int], None] | None) -> ParsedFile:
    is_jsonl = text.lstrip().startswith("{")
    parsed = ParsedFile("jsonl" if is_jsonl else "csv", encoding, None)
    rows = _jsonl_rows(text, parsed) if is_jsonl else _csv_rows(text, parsed)
    lines = text.count("\n") + 1
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


def merge_by_rut(rows: list[ImportRow]) -> list[MergedFirm]:
    """One firm per RUT, in order of first appearance; later rows' filled cells win."""
    merged: dict[str, tuple[list[int], dict]] = {}
    for row in rows:
        lines, given = merged.setdefault(row.rut, ([], {}))
        lines.append(row.line)
        given.update(row.given)
    return [MergedFirm(rut, tuple(lines), given) for rut, (lines, given) in merged.items()]


# What a firm created by an import holds in the fields its row left empty (as the API's defaults).
NEW_FIRM_DEFAULTS: dict[str, Any] = {
    "is_cooperative": False, "owner_gender": "unknown", "products": "", "annual_sales_uf": None,
    "size_segment": size_segment(None), "employees": None, "phone": None, "email": None,
    "certifications": [], "member_of": [],
}
STATE_FIELDS = ("name", "is_cooperative", "sectors", "comuna", "annual_sales_uf", "size_segment", "employees",
                "owner_gender", "products", "certifications", "member_of", "phone", "email")


def target_state(current: dict | None, given: dict) -> dict:
    """The firm after the import: stored values (or defaults for a new firm), then the filled cells."""
    base = NEW_FIRM_DEFAULTS if current is None else current
    state = {k: base.get(k) for k in STATE_FIELDS}
    state.update({k: v for k, v in given.items() if k in STATE_FIELDS})
    state["rut"] = given["rut"]
    return state


def _comparable(state: dict) -> tuple:
    certs = sorted((c["code"], c["status"], c.get("valid_until")) for c in state.get("certifications") or [])
    return (
        state.get("name"), bool(state.get("is_cooperative")), tuple(sorted(state.get("sectors") or [])),
        state.get("comuna"), state.get("annual_sales_uf"), state.get("size_segment"), state.get("employees"),
        state.get("owner_gender"), state.get("products") or "", tuple(certs),
        tuple(sorted(state.get("member_of") or [])), state.get("phone"), state.get("email"),
    )


def same_state(a: dict, b: dict) -> bool:
    """Whether writing ``b`` over ``a`` would change nothing."""
    return _comparable(a) == _comparable(b)
