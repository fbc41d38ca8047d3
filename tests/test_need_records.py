"""``matching.needs``: a need's validation and normalization, without a database (catalog from the packages)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from matching.errors import InvalidInput
from matching.needs import NeedRecord, normalize_need

TODAY = date(2025, 6, 30)
RUT = "76086428-5"


def record(**overrides) -> NeedRecord:
    body = {"buyer_rut": RUT, "title": "Servicio de casino", "sectors": ["5629"], "comuna": "Calama"}
    return NeedRecord.model_validate({**body, **overrides})


def test_defaults(catalog):
    values = normalize_need(record(), catalog, today=TODAY)
    assert values == {
        "buyer_rut": RUT, "title": "Servicio de casino", "description": "", "sectors": ["5629"],
        "comuna": "02201", "radius_km": 50.0, "required_certifications": [], "certifications_mandatory": False,
        "deadline": None, "volume_uf": None, "prefer": [], "project_id": None,
    }


@pytest.mark.parametrize(
    ("overrides", "key", "expected"),
    [
        ({"buyer_rut": "76.086.428-5"}, "buyer_rut", RUT),
        ({"sectors": ["C", "10", "105", "1050"]}, "sectors", ["C", "10", "105", "1050"]),
        ({"sectors": ["105000", "1050"]}, "sectors", ["1050"]),
        ({"comuna": "NUNOA"}, "comuna", "13120"),
        ({"comuna": 13120}, "comuna", "13120"),
        ({"required_certifications": ["iso 9001", "ISO9001", "Sello Mujer"]}, "required_certifications",
         ["ISO9001", "SELLO_MUJER"]),
        ({"deadline": "2025-06-30"}, "deadline", "2025-06-30"),
        ({"volume": 350}, "volume_uf", 350.0),
        ({"prefer": ["women", "micro", "women"]}, "prefer", ["women", "micro"]),
        ({"radius_km": 2000}, "radius_km", 2000.0),
    ],
    ids=["dotted-rut", "any-isic-level", "sii-code-to-class", "name-without-accents", "cut-as-number",
         "certification-names", "deadline-today", "volume-in-uf", "preferences-once", "max-radius"],
)
def test_normalization(catalog, overrides, key, expected):
    assert normalize_need(record(**overrides), catalog, today=TODAY)[key] == expected


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"buyer_rut": "76086428-4"}, "buyer_rut"),
        ({"radius_km": 0.5}, "radius_km"),
        ({"radius_km": 2000.5}, "radius_km"),
        ({"radius_km": "inf"}, "radius_km"),
        ({"prefer": ["large"]}, "prefer.0"),
        ({"volume": 0}, "volume"),
        ({"sectors": []}, "sectors"),
        ({"title": "ab"}, "title"),
        ({"status": "open"}, "status"),
    ],
    ids=["rut-check-digit", "radius-too-small", "radius-too-big", "radius-infinite", "unknown-preference",
         "zero-volume", "no-sectors", "short-title", "unknown-field"],
)
def test_shape_errors_name_the_field(overrides, field):
    with pytest.raises(ValidationError) as info:
        record(**overrides)
    assert field in [".".join(str(p) for p in e["loc"]) for e in info.value.errors()]


def test_reference_errors_are_all_reported_at_once(catalog):
    bad = record(sectors=["1050", "9999"], comuna="Gotham", required_certifications=["ISO 0000"],
                 deadline="2025-06-29")
    with pytest.raises(InvalidInput) as info:
        normalize_need(bad, catalog, today=TODAY)
    assert [e.field for e in info.value.errors] == ["sectors.1", "comuna", "required_certifications.0", "deadline"]
    assert "ya pasó" in info.value.errors[-1].message
