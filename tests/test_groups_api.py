"""Group supply against the real Neo4j: groups that cover a volume no single firm covers, only eligible
members, an existing cooperative first, single-firm matches when one firm covers it, and an accepted
group that becomes one alliance with every member's share."""

from __future__ import annotations

import random

import pytest

from tests.domain import ok
from tests.helpers import auth, make_rut
from tests.matching_seed import cleanup, firm, seed_buyer, seed_firms, seed_need, tag_for

SECTOR = "8010"  # private security: no other test and no demo industry uses its division


@pytest.fixture()
def tag(driver):
    value = tag_for(random.Random())
    yield value
    cleanup(driver, value)


def cut(catalog, name: str) -> str:
    return catalog.resolve_comuna(name).cut


def groups(client, need_id: str, key: str, **params) -> dict:
    response = client.get(f"/api/v1/needs/{need_id}/groups", query_string=params, headers=auth(key))
    assert response.status_code == 200, response.json
    return response.json


def bakeries(catalog, where: str, capacities: list[float], **overrides) -> list[dict]:
    here = cut(catalog, where)
    return [firm(make_rut(), here, sectors=[SECTOR], supply_capacity_uf=c, annual_sales_uf=3 * c,
                 products="guardias y rondas de seguridad", **overrides) for c in capacities]


def test_a_volume_no_firm_covers_gets_groups_that_cover_it(client, keys, driver, catalog, tag):
    firms = bakeries(catalog, "Calama", [300.0, 250.0, 200.0, 150.0, 120.0])
    seed_firms(driver, firms, tag)
    need = seed_need(driver, tag, keys["buyer_rut"], cut(catalog, "Calama"), sectors=(SECTOR,), radius_km=20.0,
                     volume_uf=600.0, title="Pan para campamento", description="Pan diario para el campamento minero")
    body = groups(client, need, keys["buyer"])
    assert body["status"] == "found" and not body["single_covers"]
    assert body["groups"], body
    seeded = {f["rut"] for f in firms}
    assert any({m["rut"] for m in g["members"]} <= seeded for g in body["groups"])
    for group in body["groups"]:
        members = group["members"]
        assert sum(m["capacity_uf"] for m in members) >= 600.0
        assert group["coverage_percent"] >= 100.0
        assert sum(m["share_uf"] for m in members) == pytest.approx(600.0, abs=0.01)
        assert all(m["share_uf"] <= m["capacity_uf"] + 1e-6 for m in members)
        assert group["reasons"] and "volumen" in group["reasons"][0]
    assert "owner_gender" not in str(body)
    other = client.get(f"/api/v1/needs/{need}/groups", headers=auth(keys["other_buyer"]))
    assert other.status_code == 404


def test_no_group_includes_a_firm_without_a_mandatory_certification(client, keys, driver, catalog, tag):
    certified = bakeries(catalog, "Ovalle", [300.0, 280.0, 260.0],
                         certifications=[{"code": "HACCP", "status": "valid", "valid_until": None}])
    in_time = bakeries(catalog, "Ovalle", [290.0],
                       certifications=[{"code": "HACCP", "status": "in_progress", "valid_until": "2026-12-20"}])
    uncertified = bakeries(catalog, "Ovalle", [400.0, 390.0, 380.0])
    seed_firms(driver, certified + in_time + uncertified, tag)
    from datetime import date

    need = seed_need(driver, tag, keys["buyer_rut"], cut(catalog, "Ovalle"), sectors=(SECTOR,), radius_km=20.0,
                     volume_uf=700.0, required=("HACCP",), mandatory=True, deadline=date(2027, 3, 31))
    body = groups(client, need, keys["advisor"], limit=10)
    assert body["groups"]
    allowed = {f["rut"] for f in certified + in_time}
    for group in body["groups"]:
        assert {m["rut"] for m in group["members"]} <= allowed
    assert any(in_time[0]["rut"] in {m["rut"] for m in g["members"]} for g in body["groups"])


def test_an_existing_cooperative_that_covers_the_need_comes_first(client, keys, driver, catalog, tag):
    here = cut(catalog, "Illapel")
    coop = firm(make_rut(), here, sectors=[SECTOR], is_cooperative=True, supply_capacity_uf=520.0,
                annual_sales_uf=1500.0, products="cooperativa de guardias")
    ad_hoc = bakeries(catalog, "Illapel", [270.0, 260.0])
    seed_firms(driver, [coop, *ad_hoc], tag)
    need = seed_need(driver, tag, keys["buyer_rut"], here, sectors=(SECTOR,), radius_km=15.0, volume_uf=500.0)
    body = groups(client, need, keys["advisor"])
    first = body["groups"][0]
    assert [m["rut"] for m in first["members"]] == [coop["rut"]] and first["existing_cooperative"]
    assert any({m["rut"] for m in g["members"]} == {f["rut"] for f in ad_hoc} for g in body["groups"][1:])


def test_a_need_one_firm_covers_shows_single_matches_first(client, keys, driver, catalog, tag):
    big = bakeries(catalog, "Vicuña", [900.0])
    small = bakeries(catalog, "Vicuña", [200.0, 150.0])
    seed_firms(driver, big + small, tag)
    need = seed_need(driver, tag, keys["buyer_rut"], cut(catalog, "Vicuña"), sectors=(SECTOR,), radius_km=15.0,
                     volume_uf=300.0)
    body = groups(client, need, keys["buyer"])
    assert body["single_covers"] is True
    matches = client.get(f"/api/v1/needs/{need}/matches", headers=auth(keys["buyer"])).json
    capacity_fit = {c["rut"]: next(r for r in c["reasons"] if r["feature"] == "capacity_fit")["value"]
                    for c in matches["candidates"] if any(r["feature"] == "capacity_fit" for r in c["reasons"])}
    assert big[0]["rut"] in {c["rut"] for c in matches["candidates"]}
    assert capacity_fit.get(big[0]["rut"], 1.0) == 1.0


def test_an_accepted_group_proposal_becomes_one_alliance_with_every_member(client, keys, driver, catalog, tag):
    firms = bakeries(catalog, "Tocopilla", [260.0, 240.0, 180.0])
    seed_firms(driver, firms, tag)
    buyer = keys["buyer_rut"]
    need = seed_need(driver, tag, buyer, cut(catalog, "Tocopilla"), sectors=(SECTOR,), radius_km=15.0,
                     volume_uf=600.0)
    ruts = [f["rut"] for f in firms]
    proposal = ok(client.post(f"/api/v1/needs/{need}/proposals", json={"ruts": ruts, "note": "red de panaderías"},
                              headers=auth(keys["advisor"])))
    assert proposal["kind"] == "group" and {f["rut"] for f in proposal["firms"]} == set(ruts)
    assert sum(f["share_uf"] for f in proposal["firms"]) == pytest.approx(600.0, abs=0.05)
    again = client.post(f"/api/v1/needs/{need}/proposals", json={"ruts": list(reversed(ruts))},
                        headers=auth(keys["advisor"]))
    assert again.status_code == 409
    decided = ok(client.post(f"/api/v1/proposals/{proposal['id']}/decision", json={"decision": "accepted"},
                             headers=auth(keys["buyer"])), 200)
    alliance = decided["alliance"]
    assert {f["rut"] for f in alliance["firms"]} == set(ruts)
    assert sum(f["share_uf"] for f in alliance["firms"]) == pytest.approx(600.0, abs=0.05)
    assert alliance["buyer"]["rut"] == buyer
    # The decision is a label for each member, like a single proposal's.
    records, _, _ = driver.execute_query(
        "MATCH (p:Proposal {id: $id})-[:OF]->(f:Firm) WHERE p.status = 'accepted' RETURN count(f) AS n",
        id=proposal["id"])
    assert records[0]["n"] == 3


@pytest.mark.parametrize(("body", "field"), [
    ({"ruts": ["76086428-5"]}, "ruts"),
    ({"rut": "76086428-5", "ruts": ["76086428-5", "76086428-5"]}, "rut"),
    ({}, "rut"),
], ids=["one-member", "both", "neither"])
def test_group_proposals_refuse_what_is_not_a_group(client, keys, driver, catalog, tag, body, field):
    need = seed_need(driver, tag, seed_buyer(driver, tag, cut(catalog, "Calama")), cut(catalog, "Calama"),
                     sectors=(SECTOR,), volume_uf=500.0)
    response = client.post(f"/api/v1/needs/{need}/proposals", json=body, headers=auth(keys["advisor"]))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"].startswith(field)


def test_a_group_that_does_not_cover_the_volume_is_refused(client, keys, driver, catalog, tag):
    firms = bakeries(catalog, "Taltal", [100.0, 90.0])
    seed_firms(driver, firms, tag)
    need = seed_need(driver, tag, keys["buyer_rut"], cut(catalog, "Taltal"), sectors=(SECTOR,), volume_uf=600.0)
    response = client.post(f"/api/v1/needs/{need}/proposals", json={"ruts": [f["rut"] for f in firms]},
                           headers=auth(keys["advisor"]))
    assert response.status_code == 422 and "agregue empresas" in response.json["detail"]
