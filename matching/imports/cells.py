"""Cells to a firm record: numbers with decimal commas, sí/no, F/M, certification lists, dates; then the
row validated and normalized exactly as ``POST /api/v1/firms`` does (``matching.records``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from matching.catalog import Catalog
from matching.errors import FieldError, InvalidInput
from matching.messages import field_errors
from matching.records import FirmRecord, normalize_firm
from matching.text import fold

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
_DMY = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$")
_THOUSANDS_DOTS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


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
        elif name in ("annual_sales_uf", "supply_capacity_uf", "employees"):
            try:
                number = parse_number(value, decimal_comma)
            except ValueError:
                example = "12" if name == "employees" else "1500 o 1500,5"
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
