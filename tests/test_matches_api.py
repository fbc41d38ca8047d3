"""GET /api/v1/needs/{id}/matches against the real Neo4j: ranking, filters, explanations, visibility.

Each test seeds its own buyer, firms and need under a fresh tag, in an ISIC class and comuna no
other test uses, and removes them afterwards. The prior is served (no promoted model) so the
assertions do not depend on what another test trained.
"""

from __future__ import annotations

import random

import pytest
import requests

from matching.ranker import PRIOR_PREFERENCE_BOOST
from tests.helpers import auth, make_rut
from tests.matching_seed import (
    cleanup,
    comuna_near_distance,
    firm,
    seed_alliances,
    seed_buyer,
    seed_firms,
    seed_need,
    tag_for,
)

HACCP_VALID = {"code": "HACCP", "status": "valid", "valid_until": "2027-03-31"}


@pytest.fixture(autouse=True)
def prior_served(app, driver):
    """Serve the prior during these tests, and re-check the promoted model on every request."""
    records, _, _ = driver.execute_query("MATCH (m:RankerModel {promoted: true}) RETURN m.version AS v")
    promoted = [r["v"] for r in records]
    driver.execute_query("MATCH (m:RankerModel {promoted: true}) SET m.promoted = false")
    previous = app.config.get("MODEL_RECHECK_SECONDS")
    app.config["MODEL_RECHECK_SECONDS"] = 0
    yield
    app.config["MODEL_RECHECK_SECONDS"] = previous if previous is not None else 30
    driver.execute_query("UNWIND $v AS v MATCH (m:RankerModel {version: v}) SET m.promoted = true", v=promoted)


@pytest.fixture()
def tag(driver):
    value = tag_for(random.Random())
    yield value
    cleanup(driver, value)


def cut(catalog, name: str) -> str:
    return catalog.resolve_comuna(name).cut


def matches(client, need_id: str, key: str, **params):
    resp = client.get(f"/api/v1/needs/{need_id}/matches", query_string=params or None, headers=auth(key))
    assert resp.status_code == 200, resp.json
    return resp.json


def by_rut(body: dict) -> dict[str, dict]:
    return {c["rut"]: c for c in body["candidates"]}


def texts(candidate: dict) -> list[str]:
    return [r["text"] for r in candidate["reasons"]]


def reason(candidate: dict, feature: str) -> dict | None:
    return next((r for r in candidate["reasons"] if r["feature"] == feature), None)


# -- "what it must show" ------------------------------------------------------------------------

def test_certified_local_supplier_ranks_above_uncertified_one_300_km_away(client, keys, driver, catalog, tag):
    here = cut(catalog, "Chillán")
    far = comuna_near_distance(catalog, here, 300.0)
    local, distant = make_rut(), make_rut()
    seed_firms(driver, [
        firm(local, here, sectors=["3030"], certifications=[HACCP_VALID]),
        firm(distant, far, sectors=["3030"]),
    ], tag)
    buyer = seed_buyer(driver, tag, here)
    need = seed_need(driver, tag, buyer, here, sectors=("3030",), radius_km=320, required=("HACCP",))

    body = matches(client, need, keys["advisor"], limit=100)

    found = by_rut(body)
    assert found[local]["rank"] < found[distant]["rank"]
    assert found[local]["score"] > found[distant]["score"]
    assert "HACCP vigente hasta 2027-03" in texts(found[local])
    assert "En la misma comuna: su planta en Chillán" in texts(found[local])
    km = round(catalog.distance_km(here, far))
    assert any(t == f"A {km} km de su planta en Chillán" for t in texts(found[distant])), texts(found[distant])
    assert reason(found[distant], "cert_missing")["text"] == "Sin HACCP"
    assert body["model_version"] == "prior-v1"


def test_mandatory_certification_removes_firms_without_it(client, keys, driver, catalog, tag):
    here = cut(catalog, "Temuco")
    holder, none_, in_progress, expired, lapsed = (make_rut() for _ in range(5))
    seed_firms(driver, [
        firm(holder, here, sectors=["2520"], certifications=[HACCP_VALID]),
        firm(none_, here, sectors=["2520"]),
        firm(in_progress, here, sectors=["2520"],
             certifications=[{"code": "HACCP", "status": "in_progress", "valid_until": "2027-01-31"}]),
        firm(expired, here, sectors=["2520"],
             certifications=[{"code": "HACCP", "status": "expired", "valid_until": "2025-01-31"}]),
        firm(lapsed, here, sectors=["2520"],
             certifications=[{"code": "HACCP", "status": "valid", "valid_until": "2026-01-31"}]),
    ], tag)
    buyer = seed_buyer(driver, tag, here)
    need = seed_need(driver, tag, buyer, here, sectors=("2520",), radius_km=30, required=("HACCP",),
                     mandatory=True)

    body = matches(client, need, keys["advisor"], limit=50)

    ruts = {c["rut"] for c in body["candidates"]}
    assert holder in ruts
    assert not ruts & {none_, in_progress, expired, lapsed}
    assert "quedaron fuera por no tener vigente HACCP" in body["message"]


def test_expired_certification_earns_nothing(client, keys, driver, catalog, tag):
    here = cut(catalog, "Osorno")
    expired, without, valid = make_rut(), make_rut(), make_rut()
    seed_firms(driver, [
        firm(expired, here, sectors=["0893"],
             certifications=[{"code": "HACCP", "status": "expired", "valid_until": "2024-02-29"}]),
        firm(without, here, sectors=["0893"]),
        firm(valid, here, sectors=["0893"], certifications=[HACCP_VALID]),
    ], tag)
    buyer = seed_buyer(driver, tag, here)
    need = seed_need(driver, tag, buyer, here, sectors=("0893",), radius_km=20, required=("HACCP",))

    found = by_rut(matches(client, need, keys["advisor"]))

    assert found[expired]["score"] == found[without]["score"] < found[valid]["score"]
    assert reason(found[expired], "cert_coverage") is None
    assert reason(found[expired], "cert_missing")["text"] == "HACCP vencida en 2024-02: no cuenta"
    assert reason(found[valid], "cert_coverage")["contribution"] > 0


def test_large_firms_never_appear(client, keys, driver, catalog, tag):
    here = cut(catalog, "Valdivia")
    large, small = make_rut(), make_rut()
    seed_firms(driver, [
        firm(large, here, sectors=["1392"], annual_sales_uf=500_000.0, certifications=[HACCP_VALID]),
        firm(small, here, sectors=["1392"]),
    ], tag)
    buyer = seed_buyer(driver, tag, here)
    need = seed_need(driver, tag, buyer, here, sectors=("1392",), radius_km=50)

    ruts = {c["rut"] for c in matches(client, need, keys["admin"], limit=100)["candidates"]}

    assert small in ruts
    assert large not in ruts


def test_need_without_candidates_says_so_and_suggests_a_wider_radius(client, keys, driver, catalog, tag):
    here = cut(catalog, "Coihaique")
    elsewhere = cut(catalog, "Puerto Montt")
    seed_firms(driver, [firm(make_rut(), elsewhere, sectors=["0721"])], tag)
    buyer = seed_buyer(driver, tag, here)
    need = seed_need(driver, tag, buyer, here, sectors=("0721",), radius_km=15)

    body = matches(client, need, keys["advisor"])

    assert body["candidates"] == []
    assert body["message"].startswith("No hay proveedores del rubro Extracción de minerales de uranio y torio "
                                      "(CIIU 0721) ni afines dentro de 15 km "
                                      "de Coihaique. Amplíe el radio")
    assert "con un radio de" in body["message"]
    assert body["shares"] == {"top": 0, "micro": None, "women_owned": None}


# -- explanations, preferences and visibility -----------------------------------------------------

def test_score_is_baseline_plus_contributions_and_reasons_are_spanish(client, keys, driver, catalog, tag):
    here = cut(catalog, "Curicó")
    rut = make_rut()
    seed_firms(driver, [firm(rut, here, sectors=["1075"], products="Colaciones y almuerzos para casinos",
                             certifications=[HACCP_VALID])], tag)
    buyer = seed_buyer(driver, tag, here)
    need = seed_need(driver, tag, buyer, here, sectors=("1075",), required=("HACCP",), volume_uf=300,
                     title="Colaciones", description="Almuerzos para el casino de faena")

    body = matches(client, need, keys["advisor"])

    candidate = by_rut(body)[rut]
    total = body["score_baseline"] + sum(r["contribution"] for r in candidate["reasons"])
    assert total == pytest.approx(candidate["score"], abs=5e-4)
    assert any(t.startswith("Sus productos mencionan «colaciones», «almuerzos»") for t in texts(candidate))
    assert "Ventas anuales de 1.500 UF: el volumen de 300 UF está a su alcance" in texts(candidate)


def test_in_progress_certification_counts_partly_only_before_the_deadline(client, keys, driver, catalog, tag):
    here = cut(catalog, "Linares")
    in_time, late = make_rut(), make_rut()
    seed_firms(driver, [
        firm(in_time, here, sectors=["1079"],
             certifications=[{"code": "ISO9001", "status": "in_progress", "valid_until": "2027-02-15"}]),
        firm(late, here, sectors=["1079"],
             certifications=[{"code": "ISO9001", "status": "in_progress", "valid_until": "2027-09-15"}]),
    ], tag)
    buyer = seed_buyer(driver, tag, here)
    from datetime import date

    need = seed_need(driver, tag, buyer, here, sectors=("1079",), required=("ISO9001",),
                     deadline=date(2027, 6, 30))

    found = by_rut(matches(client, need, keys["advisor"]))

    assert reason(found[in_time], "cert_coverage")["text"] == "ISO 9001 en trámite, prevista para 2027-02 " \
                                                              "(antes del plazo)"
    assert reason(found[in_time], "cert_coverage")["value"] == 0.5
    assert reason(found[late], "cert_missing")["text"] == "ISO 9001 en trámite: podría no estar lista antes del plazo"
    assert found[in_time]["rank"] < found[late]["rank"]


def test_equal_candidates_are_ordered_by_rut(client, keys, driver, catalog, tag):
    here = cut(catalog, "Ovalle")
    ruts = [make_rut() for _ in range(4)]
    seed_firms(driver, [firm(r, here, sectors=["2393"]) for r in ruts], tag)
    buyer = seed_buyer(driver, tag, here)
    need = seed_need(driver, tag, buyer, here, sectors=("2393",), radius_km=10)

    first = matches(client, need, keys["advisor"], limit=100)
    second = matches(client, need, keys["advisor"], limit=100)

    mine = [c["rut"] for c in first["candidates"] if c["rut"] in ruts]
    assert mine == sorted(ruts)
    assert [c["rut"] for c in first["candidates"]] == [c["rut"] for c in second["candidates"]]


def test_buyer_reaches_only_its_own_needs(client, keys, driver, catalog, tag):
    here = cut(catalog, "Rancagua")
    seed_firms(driver, [firm(make_rut(), here, sectors=["1511"])], tag)
    need = seed_need(driver, tag, keys["buyer_rut"], here, sectors=("1511",))

    assert client.get(f"/api/v1/needs/{need}/matches", headers=auth(keys["buyer"])).status_code == 200
    other = client.get(f"/api/v1/needs/{need}/matches", headers=auth(keys["other_buyer"]))
    assert other.status_code == 404
    assert other.mimetype == "application/problem+json"
    assert need in other.json["detail"]


def test_buyer_never_learns_owner_gender_and_the_preference_reads_the_public_seal(client, keys, driver, catalog,
                                                                                   tag):
    here = cut(catalog, "Rancagua")
    women_owned, sealed = make_rut(), make_rut()
    seed_firms(driver, [firm(women_owned, here, sectors=["1512"], owner_gender="F"),
                        firm(sealed, here, sectors=["1512"], owner_gender="M",
                             certifications=[{"code": "SELLO_MUJER", "status": "valid", "valid_until": None}])], tag)
    plain = seed_need(driver, tag, keys["buyer_rut"], here, sectors=("1512",), index=0)
    preferring = seed_need(driver, tag, keys["buyer_rut"], here, sectors=("1512",), prefer=("women",), index=1)

    as_buyer = matches(client, plain, keys["buyer"])
    candidate = by_rut(as_buyer)[women_owned]
    assert not any("mujer" in t.lower() for t in texts(candidate))
    assert as_buyer["shares"]["women_owned"] is None
    assert matches(client, plain, keys["advisor"])["shares"]["women_owned"] is not None

    preferred = by_rut(matches(client, preferring, keys["buyer"]))
    assert reason(preferred[women_owned], "prefer_women") is None  # her gender earns nothing
    boost = reason(preferred[sealed], "prefer_women")
    assert boost["text"] == "Tiene el Sello Empresa Mujer vigente (preferencia del comprador)"
    assert boost["contribution"] == PRIOR_PREFERENCE_BOOST


def test_cooperative_and_micro_preferences_are_explicit_and_off_by_default(client, keys, driver, catalog, tag):
    here = cut(catalog, "Angol")
    coop, company = make_rut(), make_rut()
    seed_firms(driver, [
        firm(coop, here, sectors=["0146"], is_cooperative=True, annual_sales_uf=150.0),
        firm(company, here, sectors=["0146"], annual_sales_uf=150.0),
    ], tag)
    buyer = seed_buyer(driver, tag, here)
    default = seed_need(driver, tag, buyer, here, sectors=("0146",), index=0)
    preferring = seed_need(driver, tag, buyer, here, sectors=("0146",), prefer=("cooperatives", "micro"), index=1)

    plain = by_rut(matches(client, default, keys["advisor"]))
    assert not any(r["feature"].startswith("prefer_") for c in plain.values() for r in c["reasons"])
    boosted = by_rut(matches(client, preferring, keys["advisor"], limit=100))
    assert "Cooperativa (preferencia del comprador)" in texts(boosted[coop])
    assert "Microempresa (preferencia del comprador)" in texts(boosted[company])
    assert boosted[coop]["rank"] < boosted[company]["rank"]
    top = matches(client, preferring, keys["advisor"], limit=1)
    assert [c["rut"] for c in top["candidates"]] == [coop]
    assert top["shares"] == {"top": 1, "micro": 1.0, "women_owned": 0.0}  # an advisor sees it


def test_earlier_alliance_with_the_buyer_is_a_reason(client, keys, driver, catalog, tag):
    here = cut(catalog, "San Fernando")
    partner, stranger = make_rut(), make_rut()
    seed_firms(driver, [firm(partner, here, sectors=["1030"]), firm(stranger, here, sectors=["1030"])], tag)
    buyer = seed_buyer(driver, tag, here)
    seed_alliances(driver, [{"id": f"ally_{tag}0001", "buyer_rut": buyer, "rut": partner,
                             "created_at": "2025-05-01T10:00:00+00:00", "origin": "program", "proposal_id": None}])
    need = seed_need(driver, tag, buyer, here, sectors=("1030",))

    found = by_rut(matches(client, need, keys["advisor"]))

    assert "Ya trabajó con ustedes en 1 alianza" in texts(found[partner])
    assert found[partner]["rank"] < found[stranger]["rank"]


# -- request errors -------------------------------------------------------------------------------

def test_unknown_need_is_404(client, keys):
    resp = client.get("/api/v1/needs/need_000000000000/matches", headers=auth(keys["advisor"]))
    assert resp.status_code == 404
    assert resp.mimetype == "application/problem+json"


@pytest.mark.parametrize("limit", ["0", "101", "muchos"], ids=["zero", "too-many", "not-a-number"])
def test_bad_limit_is_422_naming_the_field(client, keys, limit):
    resp = client.get("/api/v1/needs/need_000000000000/matches", query_string={"limit": limit},
                      headers=auth(keys["advisor"]))
    assert resp.status_code == 422
    assert resp.json["errors"][0]["field"] == "limit"


def test_matches_require_a_key(client):
    assert client.get("/api/v1/needs/need_000000000000/matches").status_code == 401


def test_matches_through_gunicorn_report_the_served_model(live_url, keys, driver, catalog, tag):
    here = cut(catalog, "Talca")
    rut = make_rut()
    seed_firms(driver, [firm(rut, here, sectors=["1020"])], tag)
    buyer = seed_buyer(driver, tag, here)
    need = seed_need(driver, tag, buyer, here, sectors=("1020",))

    resp = requests.get(f"{live_url}/api/v1/needs/{need}/matches", headers=auth(keys["advisor"]), timeout=10)
    ready = requests.get(f"{live_url}/readyz", timeout=10).json()

    assert resp.status_code == 200
    assert rut in {c["rut"] for c in resp.json()["candidates"]}
    assert resp.json()["model_version"] == "prior-v1" or resp.json()["model_version"].startswith("lr-")
    assert ready["model_version"] == "prior-v1" or ready["model_version"].startswith("lr-")
