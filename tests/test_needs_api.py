"""Buyers and needs through the API against the real Neo4j: validation, scoping of buyer keys, lists."""

from __future__ import annotations

from datetime import timedelta

import pytest

from matching.needs import chile_today
from service.pagination import encode_cursor
from tests.domain import create_buyer, create_need, create_project, need_payload, ok
from tests.helpers import auth, buyer_payload, count_nodes, make_rut

# -- buyers ---------------------------------------------------------------------------------


def test_post_buyer_upserts_by_rut(client, keys, driver):
    rut = make_rut()
    first = ok(client.post("/api/v1/buyers", json=buyer_payload(rut, sectors=["B", "0510"]),
                           headers=auth(keys["advisor"])))
    assert [s["code"] for s in first["sectors"]] == ["0510", "B"]
    again = client.post("/api/v1/buyers", json=buyer_payload(rut, name="Minera Nueva", comuna="Nunoa",
                                                             sectors=["0729"]), headers=auth(keys["admin"]))
    assert again.status_code == 200
    assert again.json["name"] == "Minera Nueva"
    assert again.json["comuna"]["name"] == "Ñuñoa"
    assert [s["code"] for s in again.json["sectors"]] == ["0729"]
    records, _, _ = driver.execute_query(
        "MATCH (b:Buyer {rut: $rut}) RETURN count(b) AS n, COUNT { (b)-[:LOCATED_IN]->() } AS places", rut=rut)
    assert (records[0]["n"], records[0]["places"]) == (1, 1)


def test_buyer_key_reads_its_own_buyer_only(client, keys):
    own = client.get(f"/api/v1/buyers/{keys['buyer_rut']}", headers=auth(keys["buyer"]))
    assert own.status_code == 200
    assert own.json["rut"] == keys["buyer_rut"]
    other = client.get(f"/api/v1/buyers/{keys['other_buyer_rut']}", headers=auth(keys["buyer"]))
    assert other.status_code == 403
    assert other.mimetype == "application/problem+json"


@pytest.mark.parametrize("method", ["post", "list"])
def test_buyer_key_cannot_create_or_list_buyers(client, keys, driver, method):
    before = count_nodes(driver)
    if method == "post":
        resp = client.post("/api/v1/buyers", json=buyer_payload(make_rut()), headers=auth(keys["buyer"]))
    else:
        resp = client.get("/api/v1/buyers", headers=auth(keys["buyer"]))
    assert resp.status_code == 403
    assert count_nodes(driver) == before


def test_list_buyers_paginates_in_rut_order(client, keys):
    ruts = [create_buyer(client, keys["advisor"]) for _ in range(3)]
    seen, cursor = [], None
    for _ in range(200):
        params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
        resp = client.get("/api/v1/buyers", query_string=params, headers=auth(keys["advisor"]))
        assert resp.status_code == 200
        seen += [b["rut"] for b in resp.json["items"]]
        cursor = resp.json["next_cursor"]
        if not cursor:
            break
    assert set(ruts) <= set(seen)
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"rut": "76.086.428-4"}, "rut"), ({"comuna": "Atlantis"}, "comuna"), ({"sectors": ["XX"]}, "sectors.0")],
    ids=["bad-check-digit", "unknown-comuna", "unknown-sector"],
)
def test_invalid_buyer_is_422_naming_the_field(client, keys, driver, overrides, field):
    before = count_nodes(driver)
    body = {**buyer_payload(make_rut()), **overrides}
    resp = client.post("/api/v1/buyers", json=body, headers=auth(keys["admin"]))
    assert resp.status_code == 422, resp.json
    assert field in [e["field"] for e in resp.json["errors"]]
    assert count_nodes(driver) == before


# -- needs: creation ------------------------------------------------------------------------


def test_advisor_posts_need_and_reads_it_back(client, keys, driver):
    buyer = create_buyer(client, keys["advisor"])
    body = need_payload(buyer, sectors=["C", "96", "9601"], comuna="Nunoa",
                        required_certifications=["iso 9001", "HACCP"], certifications_mandatory=True)
    resp = client.post("/api/v1/needs", json=body, headers=auth(keys["advisor"]))
    assert resp.status_code == 201, resp.json
    need = resp.json
    assert resp.headers["Location"] == f"/api/v1/needs/{need['id']}"
    assert need["id"].startswith("need_") and len(need["id"]) == len("need_") + 12
    assert need["status"] == "open"
    assert need["comuna"] == {"cut": "13120", "name": "Ñuñoa", "region_cut": "13"}
    assert [(s["code"], s["level"]) for s in need["sectors"]] == [("96", "division"), ("9601", "class"),
                                                                  ("C", "section")]
    assert [c["code"] for c in need["required_certifications"]] == ["HACCP", "ISO9001"]
    assert need["certifications_mandatory"] is True
    assert need["radius_km"] == 50.0
    assert need["volume"] == 1200.0
    assert need["prefer"] == ["women"]
    assert client.get(f"/api/v1/needs/{need['id']}", headers=auth(keys["admin"])).json == need
    records, _, _ = driver.execute_query(
        """MATCH (b:Buyer {rut: $rut})-[:POSTED]->(n:Need {id: $id})-[:LOCATED_IN]->(c:Comuna)
           RETURN n.volume_uf AS volume_uf, n.deadline AS deadline, c.cut AS cut,
                  COUNT { (n)-[:IN_SECTOR]->() } AS sectors, COUNT { (n)-[:REQUIRES]->() } AS certs""",
        rut=buyer, id=need["id"])
    row = records[0]
    assert (row["volume_uf"], row["cut"], row["sectors"], row["certs"]) == (1200.0, "13120", 3, 2)
    assert row["deadline"].iso_format() == body["deadline"]


def test_buyer_posts_need_for_itself(client, keys):
    resp = client.post("/api/v1/needs", json=need_payload(keys["buyer_rut"], radius_km=120, deadline=None),
                       headers=auth(keys["buyer"]))
    assert resp.status_code == 201, resp.json
    assert resp.json["buyer_rut"] == keys["buyer_rut"]
    assert resp.json["radius_km"] == 120.0
    assert resp.json["deadline"] is None


def test_buyer_cannot_post_need_for_another_buyer(client, keys, driver):
    before = count_nodes(driver)
    resp = client.post("/api/v1/needs", json=need_payload(keys["other_buyer_rut"]), headers=auth(keys["buyer"]))
    assert resp.status_code == 403
    assert resp.mimetype == "application/problem+json"
    assert count_nodes(driver) == before


def test_need_in_a_project(client, keys, driver):
    project = create_project(client, keys["admin"])
    need = create_need(client, keys["advisor"], keys["buyer_rut"], project_id=project["id"])
    assert need["project_id"] == project["id"]
    listed = client.get("/api/v1/needs", query_string={"project": project["id"]}, headers=auth(keys["advisor"]))
    assert [n["id"] for n in listed.json["items"]] == [need["id"]]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"buyer_rut": "fresh"}, "buyer_rut"),
        ({"project_id": "proj_000000000000"}, "project_id"),
        ({"deadline": (chile_today() - timedelta(days=1)).isoformat()}, "deadline"),
        ({"deadline": "31-12-2030"}, "deadline"),
        ({"radius_km": 0}, "radius_km"),
        ({"radius_km": 2001}, "radius_km"),
        ({"sectors": []}, "sectors"),
        ({"sectors": ["0000"]}, "sectors.0"),
        ({"required_certifications": ["ISO 1234"]}, "required_certifications.0"),
        ({"comuna": "Rancgua"}, "comuna"),
        ({"prefer": ["men"]}, "prefer.0"),
        ({"volume": -3}, "volume"),
        ({"title": ""}, "title"),
        ({"certifications_mandatory": "quizás"}, "certifications_mandatory"),
        ({"budget": 10}, "budget"),
    ],
    ids=["unknown-buyer", "unknown-project", "past-deadline", "bad-date", "radius-zero", "radius-too-big",
         "no-sectors", "unknown-sector", "unknown-cert", "unknown-comuna", "bad-preference", "negative-volume",
         "empty-title", "bad-bool", "unknown-field"],
)
def test_invalid_need_is_422_naming_the_field_and_writes_nothing(client, keys, driver, overrides, field):
    body = {**need_payload(keys["buyer_rut"]), **overrides}
    if body["buyer_rut"] == "fresh":
        body["buyer_rut"] = make_rut()  # a valid RUT that no buyer has
    before = count_nodes(driver)
    resp = client.post("/api/v1/needs", json=body, headers=auth(keys["advisor"]))
    assert resp.status_code == 422, resp.json
    assert resp.mimetype == "application/problem+json"
    assert field in [e["field"] for e in resp.json["errors"]]
    assert count_nodes(driver) == before


def test_unknown_comuna_in_need_suggests_close_names(client, keys):
    resp = client.post("/api/v1/needs", json=need_payload(keys["buyer_rut"], comuna="Rancgua"),
                       headers=auth(keys["advisor"]))
    assert resp.status_code == 422
    assert "Rancagua" in resp.json["errors"][0]["suggestions"]


# -- needs: reading, scoping, lists ---------------------------------------------------------


def test_buyer_cannot_read_other_buyers_need(client, keys):
    need = create_need(client, keys["other_buyer"], keys["other_buyer_rut"])
    other = client.get(f"/api/v1/needs/{need['id']}", headers=auth(keys["buyer"]))
    missing = client.get("/api/v1/needs/need_000000000000", headers=auth(keys["buyer"]))
    assert other.status_code == missing.status_code == 404
    assert other.json["type"] == missing.json["type"]
    assert other.json["detail"] == missing.json["detail"].replace("need_000000000000", need["id"])
    assert client.get(f"/api/v1/needs/{need['id']}", headers=auth(keys["other_buyer"])).status_code == 200


def test_buyer_lists_only_its_own_needs_whatever_the_filter(client, keys):
    theirs = create_need(client, keys["advisor"], keys["other_buyer_rut"])
    mine = create_need(client, keys["advisor"], keys["buyer_rut"])
    resp = client.get("/api/v1/needs", query_string={"buyer": keys["other_buyer_rut"], "limit": 200},
                      headers=auth(keys["buyer"]))
    assert resp.status_code == 200
    ids = {n["id"] for n in resp.json["items"]}
    assert mine["id"] in ids
    assert theirs["id"] not in ids
    assert {n["buyer_rut"] for n in resp.json["items"]} == {keys["buyer_rut"]}


def test_list_needs_pages_newest_first_with_status_filter(client, keys):
    buyer = create_buyer(client, keys["advisor"])
    created = [create_need(client, keys["advisor"], buyer, title=f"Necesidad {i}")["id"] for i in range(5)]
    closed = created[1]
    ok(client.patch(f"/api/v1/needs/{closed}", json={"status": "closed"}, headers=auth(keys["advisor"])), 200)
    seen, cursor = [], None
    for _ in range(10):
        params = {"buyer": buyer, "status": "open", "limit": 2, **({"cursor": cursor} if cursor else {})}
        resp = client.get("/api/v1/needs", query_string=params, headers=auth(keys["advisor"]))
        assert resp.status_code == 200
        assert len(resp.json["items"]) <= 2
        seen += [n["id"] for n in resp.json["items"]]
        cursor = resp.json["next_cursor"]
        if not cursor:
            break
    assert seen == [i for i in reversed(created) if i != closed]


def test_buyer_closes_and_reopens_its_need_but_not_others(client, keys):
    need = create_need(client, keys["buyer"], keys["buyer_rut"])
    closed = client.patch(f"/api/v1/needs/{need['id']}", json={"status": "closed"}, headers=auth(keys["buyer"]))
    assert closed.status_code == 200
    assert closed.json["status"] == "closed"
    reopened = client.patch(f"/api/v1/needs/{need['id']}", json={"status": "open"}, headers=auth(keys["advisor"]))
    assert reopened.json["status"] == "open"
    other = client.patch(f"/api/v1/needs/{need['id']}", json={"status": "closed"}, headers=auth(keys["other_buyer"]))
    assert other.status_code == 404
    assert client.get(f"/api/v1/needs/{need['id']}", headers=auth(keys["buyer"])).json["status"] == "open"


@pytest.mark.parametrize("body", [{"status": "archived"}, {"title": "otro"}, {}], ids=["bad-status", "other-field",
                                                                                   "empty"])
def test_patch_need_validates_its_body(client, keys, body):
    need = create_need(client, keys["advisor"], keys["buyer_rut"])
    resp = client.patch(f"/api/v1/needs/{need['id']}", json=body, headers=auth(keys["advisor"]))
    assert resp.status_code == 422
    assert resp.json["errors"][0]["field"] in ("status", "title")


@pytest.mark.parametrize("state", [{"k": "needs", "t": "ayer", "id": "x"}, {"k": "needs"}, {"k": "firms"}],
                         ids=["bad-time", "no-position", "other-list"])
def test_forged_needs_cursor_is_422(client, keys, state):
    resp = client.get("/api/v1/needs", query_string={"cursor": encode_cursor(state)}, headers=auth(keys["advisor"]))
    assert resp.status_code == 422
    assert resp.json["errors"][0]["field"] == "cursor"
