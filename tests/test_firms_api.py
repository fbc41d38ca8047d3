"""Firms through the API against the real Neo4j: upsert by RUT, validation, roles, pagination."""

from __future__ import annotations

import random

import pytest

from tests.helpers import auth, count_nodes, firm_payload


def test_advisor_creates_firm_and_reads_it_back(client, keys, new_rut):
    rut = new_rut()
    dotted = f"{int(rut[:-2]):,}".replace(",", ".") + rut[-2:]
    resp = client.post("/api/v1/firms", json=firm_payload(dotted), headers=auth(keys["advisor"]))
    assert resp.status_code == 201, resp.json
    assert resp.json["rut"] == rut
    assert resp.json["size_segment"] == "micro_1"
    assert resp.json["comuna"]["name"] == "Rancagua"
    got = client.get(f"/api/v1/firms/{dotted}", headers=auth(keys["advisor"]))
    assert got.status_code == 200
    assert got.json["owner_gender"] == "F"
    assert [s["code"] for s in got.json["sectors"]] == ["1050"]


def test_upsert_by_rut_updates_instead_of_duplicating(client, keys, new_rut, driver):
    rut = new_rut()
    assert client.post("/api/v1/firms", json=firm_payload(rut), headers=auth(keys["advisor"])).status_code == 201
    again = client.post("/api/v1/firms", json=firm_payload(rut, name="Nombre Nuevo", annual_sales_uf=3000),
                        headers=auth(keys["advisor"]))
    assert again.status_code == 200
    assert again.json["name"] == "Nombre Nuevo"
    assert again.json["size_segment"] == "pequena_1"
    records, _, _ = driver.execute_query("MATCH (f:Firm {rut: $rut}) RETURN count(f) AS n", rut=rut)
    assert records[0]["n"] == 1


def test_nunoa_resolves_to_nunoa_with_accents(client, keys, new_rut):
    resp = client.post("/api/v1/firms", json=firm_payload(new_rut(), comuna="NUNOA"), headers=auth(keys["advisor"]))
    assert resp.status_code == 201
    assert resp.json["comuna"] == {"cut": "13120", "name": "Ñuñoa", "region_cut": "13"}


def test_sii_activity_code_maps_to_isic_class(client, keys, new_rut):
    resp = client.post("/api/v1/firms", json=firm_payload(new_rut(), sectors=["105000"]),
                       headers=auth(keys["advisor"]))
    assert resp.status_code == 201
    assert resp.json["sectors"][0]["code"] == "1050"


def test_buyer_does_not_see_owner_gender(client, keys, new_rut):
    rut = new_rut()
    client.post("/api/v1/firms", json=firm_payload(rut), headers=auth(keys["advisor"]))
    resp = client.get(f"/api/v1/firms/{rut}", headers=auth(keys["buyer"]))
    assert resp.status_code == 200
    assert "owner_gender" not in resp.json


def test_buyer_cannot_create_firms(client, keys, new_rut, driver):
    before = count_nodes(driver)
    resp = client.post("/api/v1/firms", json=firm_payload(new_rut()), headers=auth(keys["buyer"]))
    assert resp.status_code == 403
    assert resp.mimetype == "application/problem+json"
    assert count_nodes(driver) == before


def test_request_without_key_is_401(client):
    resp = client.get("/api/v1/firms")
    assert resp.status_code == 401
    assert "Authorization" in resp.json["detail"]


def test_unknown_firm_is_404(client, keys, new_rut):
    resp = client.get(f"/api/v1/firms/{new_rut()}", headers=auth(keys["advisor"]))
    assert resp.status_code == 404
    assert resp.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sectors": ["9999"]}, "sectors.0"),
        ({"sectors": ["10"]}, "sectors.0"),
        ({"annual_sales_uf": -5}, "annual_sales_uf"),
        ({"owner_gender": "X"}, "owner_gender"),
        ({"certifications": [{"code": "ISO 9001", "status": "vigente"}]}, "certifications.0.status"),
        ({"certifications": [{"code": "ISO 1234", "status": "valid"}]}, "certifications.0.code"),
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
        ({"member_of": ["11111111-2"]}, "member_of.0"),
    ],
    ids=["unknown-sector", "division-not-class", "negative-sales", "bad-gender", "bad-cert-status",
         "unknown-cert", "empty-name", "unknown-field", "bad-member-rut"],
)
def test_invalid_firm_fields_are_422_naming_the_field(client, keys, new_rut, driver, overrides, field):
    before = count_nodes(driver)
    resp = client.post("/api/v1/firms", json=firm_payload(new_rut(), **overrides), headers=auth(keys["advisor"]))
    assert resp.status_code == 422, resp.json
    assert field in [e["field"] for e in resp.json["errors"]]
    assert count_nodes(driver) == before


def test_membership_in_unknown_cooperative_writes_nothing(client, keys, new_rut, driver):
    before = count_nodes(driver)
    resp = client.post("/api/v1/firms", json=firm_payload(new_rut(), member_of=[new_rut()]),
                       headers=auth(keys["advisor"]))
    assert resp.status_code == 422
    assert resp.json["errors"][0]["field"] == "member_of"
    assert count_nodes(driver) == before


def test_member_of_cooperative(client, keys, new_rut):
    coop = new_rut()
    resp = client.post("/api/v1/firms", json=firm_payload(coop, is_cooperative=True, name="Cooperativa Campesina"),
                       headers=auth(keys["advisor"]))
    assert resp.json["is_cooperative"] is True
    member = client.post("/api/v1/firms", json=firm_payload(new_rut(), member_of=[coop]), headers=auth(keys["advisor"]))
    assert member.status_code == 201
    assert member.json["member_of"] == [coop]


def test_patch_changes_only_given_fields(client, keys, new_rut):
    rut = new_rut()
    client.post("/api/v1/firms", json=firm_payload(rut, certifications=[{"code": "HACCP", "status": "valid",
                                                                          "valid_until": "2027-03-31"}]),
                headers=auth(keys["advisor"]))
    resp = client.patch(f"/api/v1/firms/{rut}", json={"employees": 9}, headers=auth(keys["advisor"]))
    assert resp.status_code == 200
    assert resp.json["employees"] == 9
    assert resp.json["certifications"][0]["valid_until"] == "2027-03-31"
    assert resp.json["comuna"]["name"] == "Rancagua"


def test_list_firms_paginates_with_cursor(client, keys, new_rut):
    comuna = "Lumaco"  # a small comuna, so this test's firms are easy to page through
    ruts = sorted(new_rut() for _ in range(5))
    for rut in ruts:
        client.post("/api/v1/firms", json=firm_payload(rut, comuna=comuna, sectors=["0119"]),
                    headers=auth(keys["advisor"]))
    seen, cursor = [], None
    for _ in range(5000):  # the test database keeps earlier runs' firms: page to the end
        params = {"comuna": comuna, "sector": "0119", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        resp = client.get("/api/v1/firms", query_string=params, headers=auth(keys["advisor"]))
        assert resp.status_code == 200
        seen += [f["rut"] for f in resp.json["items"]]
        cursor = resp.json["next_cursor"]
        if not cursor:
            break
    assert set(ruts) <= set(seen)
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen))


def test_bad_cursor_is_422(client, keys):
    resp = client.get("/api/v1/firms", query_string={"cursor": "not-a-cursor"}, headers=auth(keys["advisor"]))
    assert resp.status_code == 422
    assert resp.json["errors"][0]["field"] == "cursor"


def test_search_tolerates_typos(client, keys, new_rut):
    rut = new_rut()
    # A made-up word keeps this firm apart from the ones earlier runs left with the same name.
    word = "".join(random.choice("aeioulmnprst") for _ in range(8)).capitalize()
    body = firm_payload(rut, name=f"Cooperativa Los Andes {word} Ltda.", is_cooperative=True)
    client.post("/api/v1/firms", json=body, headers=auth(keys["advisor"]))
    q = f"cooperatva los andez {word[:-2]}{word[-1]}{word[-2]}".lower()
    resp = client.get("/api/v1/firms", query_string={"q": q}, headers=auth(keys["advisor"]))
    assert resp.status_code == 200
    assert rut in [f["rut"] for f in resp.json["items"][:5]]
