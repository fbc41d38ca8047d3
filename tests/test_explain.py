"""Spanish reasons per feature, without a database (the catalog comes from the packages)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from matching.explain import km_text, number, reasons, sentence
from matching.features import ALL_FEATURES, NeedContext
from matching.matcher import match_response, short_list_message, suggested_radius
from matching.ranker import prior

AS_OF = 1_790_000_000.0  # 2026-09-21


@pytest.fixture()
def ctx(catalog) -> NeedContext:
    rancagua = catalog.resolve_comuna("Rancagua").cut
    return NeedContext(need_id="need_000000000001", buyer_rut="76000000-0", comuna=rancagua, radius_km=50.0,
                       sectors=("1050",), text="Quesos y yogur para el casino", required=("HACCP", "ISO9001"),
                       deadline=date(2027, 6, 30), volume_uf=300.0, as_of=AS_OF, buyer_comuna=rancagua)


def firm(**overrides) -> dict:
    row = {"rut": "1-9", "name": "Lácteos Doña Rosa", "comuna": "06101", "sectors": ["1050"],
           "size_segment": "micro_2", "annual_sales_uf": 1200.0, "owner_gender": "F", "cooperative": False,
           "coops": [], "products": "Quesos de cabra y yogures", "certs": [], "alliances": [], "proposals": []}
    row.update(overrides)
    return row


RAW = {"tier": 0, "distance_km": 12.4, "other_certifications": 0, "alliances_with_buyer": 2,
       "alliances_with_sector": 1, "advisory_hours": 24.0, "past_accepted": 1, "past_rejected": 0}


@pytest.mark.parametrize(
    ("feature", "value", "candidate", "raw", "expected"),
    [
        ("sector_similarity", 1.0, {}, {}, "Opera en el rubro que usted busca (CIIU 1050)"),
        ("sector_similarity", 0.5, {"sectors": ["1071"]}, {"tier": 2},
         "Opera en la misma división CIIU 10 que usted busca (su rubro: 1071)"),
        ("proximity", 0.66, {}, {}, "A 12 km de su planta en Rancagua"),
        ("proximity", 1.0, {}, {"distance_km": 0.0}, "En la misma comuna: su planta en Rancagua"),
        ("cert_coverage", 0.5, {"certs": [["HACCP", "valid", "2027-03-31"], ["ISO9001", "in_progress", "2027-09-01"]]},
         {}, "HACCP vigente hasta 2027-03"),
        ("cert_missing", 0.5, {"certs": [["HACCP", "valid", "2027-03-31"], ["ISO9001", "in_progress", "2027-09-01"]]},
         {}, "ISO 9001 en trámite: podría no estar lista antes del plazo"),
        ("cert_missing", 0.0, {"certs": [["HACCP", "valid", "2027-03-31"], ["ISO9001", "valid", None]]}, {},
         "Cumple todas las certificaciones requeridas"),
        ("cert_missing", 0.0, {"certs": [["HACCP", "valid", "2027-03-31"], ["ISO9001", "in_progress", "2027-05-01"]]},
         {}, "Tiene o tramita todas las certificaciones requeridas (ISO 9001 en trámite)"),
        ("cert_missing", 1.0, {"certs": [["HACCP", "expired", "2025-02-28"]]}, {},
         "HACCP vencida en 2025-02: no cuenta; sin ISO 9001"),
        ("capacity_fit", 1.0, {}, {}, "Ventas anuales de 1.200 UF: el volumen de 300 UF está a su alcance"),
        ("capacity_fit", 1.0, {"supply_capacity_uf": 450.0}, {},
         "Declara una capacidad de 450 UF al año: el volumen de 300 UF está a su alcance"),
        ("capacity_fit", 0.9, {"supply_capacity_uf": 200.0}, {},
         "El volumen pedido (300 UF al año) supera la capacidad que declara (200 UF)"),
        ("text_similarity", 0.7, {}, {}, "Sus productos mencionan «quesos», «yogures»"),
        ("alliances_with_buyer", 0.67, {}, {}, "Ya trabajó con ustedes en 2 alianzas"),
        ("alliances_with_sector", 0.33, {}, {}, "Tiene 1 alianza con otras empresas de su rubro"),
        ("advisory_hours", 0.8, {}, {}, "Recibió 24 horas de asesoría de un Centro de Negocios"),
        ("past_accepted", 0.33, {}, {}, "1 propuesta anterior aceptada por compradores"),
        ("cooperative", 1.0, {"cooperative": True}, {}, "Es una cooperativa"),
        ("supplier_closeness", 0.5, {}, {}, "En la misma comuna que uno de sus proveedores actuales"),
        ("prefer_cooperative", 1.0, {"cooperative": True}, {}, "Cooperativa (preferencia del comprador)"),
        ("prefer_women", 1.0, {}, {}, "Tiene el Sello Empresa Mujer vigente (preferencia del comprador)"),
        ("prefer_micro", 1.0, {}, {}, "Microempresa (preferencia del comprador)"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.islower() and "_" in v else None,
)
def test_sentences(catalog, ctx, feature, value, candidate, raw, expected):
    row = dict.fromkeys(ALL_FEATURES, 0.0) | {feature: value}
    assert sentence(feature, ctx, firm(**candidate), row, RAW | raw, catalog) == expected


@pytest.mark.parametrize(("value", "decimals", "expected"), [(1234.5, 1, "1.234,5"), (1500, 0, "1.500"),
                                                             (0.25, 2, "0,25")])
def test_spanish_numbers(value, decimals, expected):
    assert number(value, decimals) == expected


def test_km_text_keeps_a_decimal_only_below_ten():
    assert (km_text(3.25), km_text(312.4)) == ("3,2 km", "312 km")


def test_reasons_list_every_contribution_largest_first(catalog, ctx):
    matrix = np.zeros(len(ALL_FEATURES))
    matrix[ALL_FEATURES.index("sector_similarity")] = 1.0
    matrix[ALL_FEATURES.index("text_similarity")] = 0.5
    contributions = prior().contributions(matrix[None, :])[0]
    out = reasons(ctx, firm(), matrix, contributions, RAW, catalog)
    assert [r["feature"] for r in out] == ["sector_similarity", "text_similarity", "proximity", "cert_missing"]
    assert [r["contribution"] for r in out] == [0.2, 0.06, 0.0, 0.0]
    assert out[2]["value"] == 12.4  # the distance in km, though proximity added nothing here


@pytest.mark.parametrize("n", [3, 10, 40])
def test_buyers_never_see_the_women_owned_share(catalog, ctx, n):
    cands = [firm(rut=f"{i}-K", owner_gender="F") for i in range(n)]
    body = match_response(ctx, cands, catalog, {"1050": 0}, prior(), 20, sees_personal_data=False)
    assert body["shares"] == {"top": min(n, 20), "micro": 1.0, "women_owned": None}
    staff = match_response(ctx, cands, catalog, {"1050": 0}, prior(), 20, sees_personal_data=True)
    assert staff["shares"]["women_owned"] == 1.0


@pytest.mark.parametrize(
    ("found", "diagnostics", "expected"),
    [
        (20, {}, None),
        (0, {"in_radius": 0, "nearest_km": 123.4, "nearest_cut": "07101"},
         "No hay proveedores de los rubros CIIU 1050 ni afines dentro de 50 km de Rancagua. Amplíe el radio: "
         "la empresa más cercana fuera del radio está a 123 km, en Talca; con un radio de 130 km quedaría incluida."),
        (0, {"in_radius": 4, "nearest_km": None, "nearest_cut": None},
         "Hay 4 empresas de los rubros CIIU 1050 dentro de 50 km de Rancagua, pero ninguna tiene vigente HACCP, "
         "ISO 9001. Marque las certificaciones como deseables (no obligatorias) para verlas, o amplíe el radio."),
        (0, {"in_radius": 0, "nearest_km": None, "nearest_cut": None},
         "No hay empresas registradas en los rubros CIIU 1050 ni en rubros afines. Revise el código de rubro o use "
         "uno más general (su división o sección CIIU)."),
        (3, {"in_radius": 3, "nearest_km": 80.0, "nearest_cut": "07101"},
         "Solo 3 proveedores cumplen los criterios dentro de 50 km de Rancagua. Para ver más, amplíe el radio: la "
         "empresa más cercana fuera del radio está a 80 km, en Talca; con un radio de 90 km quedaría incluida."),
    ],
    ids=["full", "empty-nearest-outside", "empty-by-certifications", "empty-no-firms", "short"],
)
def test_short_list_messages(catalog, ctx, found, diagnostics, expected):
    mandatory = NeedContext(**{**ctx.__dict__, "mandatory": True})
    assert short_list_message(mandatory, found, 20, catalog, diagnostics) == expected


def test_suggested_radius_rounds_up_past_the_nearest_firm():
    assert (suggested_radius(123.4), suggested_radius(79.6), suggested_radius(80.0)) == (130, 90, 90)
