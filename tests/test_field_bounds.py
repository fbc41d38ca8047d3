"""The import's fast path and the API's model enforce the same bounds, because both read them from
``FirmRecord`` (``matching.records.field_bounds``): these cases are generated from that one source, so
tightening the model tightens (and re-tests) every path."""

from __future__ import annotations

import pytest

from matching.imports import FastRows, validate_row
from matching.records import CertificationHolding, FirmRecord, field_bounds

BASE = {"rut": "76086428-5", "name": "Quesería Ñuñoa Ltda.", "comuna": "Ñuñoa", "sectors": "1050"}
FIRM = field_bounds(FirmRecord)
HOLDING = field_bounds(CertificationHolding)
# Distinct valid ISIC classes, more than a firm may list.
SECTOR_CODES = ("1050", "1071", "0111", "1104", "5629", "4630", "7110", "6810", "4100", "1062", "1610", "3211")


def _length_cases() -> list[tuple[str, str, bool]]:
    """``(field, cell, valid)`` at each text field's length bounds and one past them."""
    cases = []
    for name in ("name", "products", "phone"):
        bounds = FIRM[name]
        if bounds.min_length:
            cases += [(name, "Q" * bounds.min_length, True), (name, "Q" * (bounds.min_length - 1), False)]
        if bounds.max_length:
            cases += [(name, "Q" * bounds.max_length, True), (name, "Q" * (bounds.max_length + 1), False)]
    email_max = FIRM["email"].max_length
    assert email_max
    domain = "@queseria.cl"
    cases += [("email", "v" * (email_max - len(domain)) + domain, True),
              ("email", "v" * (email_max + 1 - len(domain)) + domain, False)]
    return cases


def _value_cases() -> list[tuple[str, str, bool]]:
    cases = []
    for name in ("annual_sales_uf", "supply_capacity_uf", "employees"):
        bounds = FIRM[name]
        assert bounds.ge is not None and bounds.le is not None
        cases += [(name, f"{bounds.ge:.0f}", True), (name, f"{bounds.le:.0f}", True),
                  (name, f"{bounds.le + 1:.0f}", False), (name, f"{bounds.ge - 1:.0f}", False)]
    return cases


def _list_cases() -> list[tuple[str, str, bool]]:
    sectors = FIRM["sectors"].max_length
    certifications = FIRM["certifications"].max_length
    code = HOLDING["code"]
    assert sectors and certifications and code.max_length
    codes = SECTOR_CODES
    assert len(codes) > sectors
    return [
        ("sectors", ";".join(codes[:sectors]), True),
        ("sectors", ";".join(codes[:sectors + 1]), False),
        ("certifications", "|".join(["HACCP:valid"] * certifications), True),
        ("certifications", "|".join(["HACCP:valid"] * (certifications + 1)), False),
        ("certifications", "X" * (code.max_length + 1) + ":valid", False),
    ]


CASES = _length_cases() + _value_cases() + _list_cases()


@pytest.mark.parametrize(("field", "cell", "valid"), CASES,
                         ids=[f"{f}-{'ok' if v else 'over'}-{len(c)}" for f, c, v in CASES])
def test_both_paths_accept_and_reject_at_the_declared_bounds(catalog, field, cell, valid):
    values = {**BASE, field: cell}
    slow, errors = validate_row(values, catalog, decimal_comma=True)
    fast = FastRows(catalog, decimal_comma=True).row(values)
    assert (not errors) is valid, errors
    if valid:
        assert fast is not None, "a plainly valid row takes the fast path"
    else:
        assert fast is None, "the fast path never accepts what the model rejects"


def test_every_bounded_field_of_a_firm_is_covered():
    covered = {field for field, _, _ in CASES}
    bounded = {name for name, b in FIRM.items()
               if any(v is not None for v in (b.min_length, b.max_length, b.ge, b.le, b.pattern))}
    # The RUT is bounded by its own validator (check digit), tested in test_import_parsing.py.
    assert bounded - {"rut", "member_of"} <= covered
