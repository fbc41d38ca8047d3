"""The common valid row, fast: ``validate_row``'s answer for a plainly valid row of text cells, without pydantic.

``validate_row`` builds a pydantic model and runs ``normalize_firm`` for every row: about 150 µs.
Most rows of a real file are valid and repeat a few hundred comunas, sector and certification
codes, so ``FastRows`` checks a row against the same rules with plain comparisons and per-file
caches of every catalog lookup. The bounds come from the models themselves
(``matching.records.field_bounds``), so tightening ``FirmRecord`` tightens this path too. Whenever
a cell is anything but plainly valid it returns ``None`` and the row goes through ``validate_row``,
which reports the errors (tests generated from the same bounds check that both paths agree).
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from matching.catalog import Catalog
from matching.errors import InvalidInput
from matching.imports.cells import (
    _GENDER,
    _LIST_SPLIT,
    _NO,
    _YES,
    _restore_leading_zero,
    _word,
    parse_certifications,
    parse_number,
)
from matching.records import CertificationHolding, FirmRecord, field_bounds
from matching.rut import plain_rut
from matching.segments import size_segment

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CERT_STATUSES = frozenset(("valid", "in_progress", "expired"))
_FIRM = field_bounds(FirmRecord)
_HOLDING = field_bounds(CertificationHolding)
REQUIRED = ("rut", "name", "comuna", "sectors")


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
            if _HOLDING["code"].length_ok(len(value)):
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
        if not _FIRM["certifications"].length_ok(len(parsed)):
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

    def _text(self, name: str, value: str) -> str | None:
        """``value`` when it fits ``name``'s declared length and pattern."""
        bounds = _FIRM[name]
        if not bounds.length_ok(len(value)):
            return None
        if bounds.pattern is not None and bounds.pattern.search(value) is None:
            return None
        return value

    def row(self, values: dict[str, Any]) -> dict | None:
        """``validate_row``'s answer for a valid row of text cells, or ``None`` to let it decide."""
        if any(name not in values for name in REQUIRED):
            return None
        out: dict[str, Any] = {}
        for name, value in values.items():
            if type(value) is not str:
                return None
            if name == "rut":
                rut = plain_rut(value) if _FIRM["rut"].length_ok(len(value)) else None
                if rut is None:
                    return None
                out["rut"] = rut
            elif name in ("name", "products", "phone", "email"):
                text = self._text(name, value)
                if text is None:
                    return None
                out[name] = text
            elif name == "comuna":
                cut = self._comuna(value)
                if cut is None:
                    return None
                out["comuna"] = cut
            elif name == "sectors":
                raw = [v.strip() for v in _LIST_SPLIT.split(value) if v.strip()]
                if not _FIRM["sectors"].length_ok(len(raw)):
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
                if sales is None or not _FIRM["annual_sales_uf"].value_ok(sales):
                    return None
                out["annual_sales_uf"] = sales
                out["size_segment"] = size_segment(sales)
            elif name == "supply_capacity_uf":
                capacity = self._number(value)
                if capacity is None or not _FIRM["supply_capacity_uf"].value_ok(capacity):
                    return None
                out["supply_capacity_uf"] = capacity
            elif name == "employees":
                number = self._number(value)
                if number is None or not number.is_integer() or not _FIRM["employees"].value_ok(number):
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
            elif name == "member_of":
                ruts = [plain_rut(v.strip()) for v in _LIST_SPLIT.split(value) if v.strip()]
                if not _FIRM["member_of"].length_ok(len(ruts)) or None in ruts:
                    return None
                out["member_of"] = list(dict.fromkeys(ruts))
            else:
                return None
        if out["rut"] in out.get("member_of", ()):
            return None
        return out
