"""Proposals and decisions through the API against the real Neo4j: who may do what, and what it writes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from graph_schema.keys import create_key
from tests.domain import count_rels, create_center, create_firm, create_need, create_project, ok
from tests.helpers import auth, count_nodes, make_rut


@pytest.fixture()
def need(client, keys):
    """An open need of the ``buyer`` key's buyer, in a project."""
    project = create_project(client, keys["admin"])
    return create_need(client, keys["advisor"], keys["buyer_rut"], project_id=project["id"])


def propose(client, key: str, need_id: str, rut: str, **extra):
    return client.post(f"/api/v1/needs/{need_id}/proposals", json={"rut": rut, "note": "Cerca y con HACCP", **extra},
                       headers=auth(key))


def alliances_of(driver, proposal_id: str) -> list[dict]:
    records, _, _ = driver.execute_query(
        """MATCH (a:Alliance {proposal_id: $id})
           RETURN a.origin AS origin, [(b:Buyer)-[:PARTY_TO]->(a) | b.rut] AS buyers,
                  [(f:Firm)-[:PARTY_TO]->(a) | f.rut] AS firms, [(a)-[:PART_OF]->(p:Project) | p.id] AS projects""",
        id=proposal_id)
    return [dict(r) for r in records]


# -- proposing ------------------------------------------------------------------------------


def test_advisor_key_bound_to_an_advisor_makes_the_proposal(client, keys, driver, need):
    center = create_center(client, keys["admin"])
    advisor = ok(client.post("/api/v1/advisors", json={"name": "Carla Muñoz", "center_id": center["id"]},
                             headers=auth(keys["admin"])))
    _, key = create_key(driver, "advisor", advisor_id=advisor["id"], label="pytest")
    firm = create_firm(client, keys["advisor"])
    resp = propose(client, key, need["id"], firm, score=0.81, rank=3, model_version="prior-1")
    assert resp.status_code == 201, resp.json
    proposal = resp.json
    assert proposal["id"].startswith("prop_")
    assert (proposal["status"], proposal["need_id"], proposal["firm"]["rut"]) == ("pending", need["id"], firm)
    assert proposal["advisor"] == {"id": advisor["id"], "name": "Carla Muñoz"}
    assert (proposal["score"], proposal["rank"], proposal["model_version"]) == (0.81, 3, "prior-1")
    records, _, _ = driver.execute_query(
        "MATCH (:Advisor {id: $a})-[:MADE]->(p:Proposal {id: $p})-[:FOR]->(:Need {id: $n}), (p)-[:OF]->(f:Firm) "
        "RETURN f.rut AS rut", a=advisor["id"], p=proposal["id"], n=need["id"])
    assert [r["rut"] for r in records] == [firm]
    as_other = propose(client, key, need["id"], create_firm(client, keys["advisor"]), advisor_id="adv_000000000000")
    assert as_other.status_code == 403


@pytest.mark.parametrize(
    ("case", "status", "field"),
    [
        ("duplicate", 409, None),
        ("closed-need", 409, None),
        ("unknown-firm", 422, "rut"),
        ("large-firm", 422, "rut"),
        ("bad-rut", 422, "rut"),
        ("unknown-advisor", 422, "advisor_id"),
        ("unknown-need", 404, None),
    ],
)
def test_proposal_that_cannot_be_made_writes_nothing(client, keys, driver, need, case, status, field):
    need_id, rut, extra = need["id"], create_firm(client, keys["advisor"]), {}
    if case == "duplicate":
        ok(propose(client, keys["advisor"], need_id, rut))
    elif case == "closed-need":
        ok(client.patch(f"/api/v1/needs/{need_id}", json={"status": "closed"}, headers=auth(keys["buyer"])), 200)
    elif case == "unknown-firm":
        rut = make_rut()
    elif case == "large-firm":
        rut = create_firm(client, keys["advisor"], annual_sales_uf=250_000)
    elif case == "bad-rut":
        rut = rut[:-1] + ("0" if rut[-1] != "0" else "1")
    elif case == "unknown-advisor":
        extra = {"advisor_id": "adv_000000000000"}
    elif case == "unknown-need":
        need_id = "need_000000000000"
    before = (count_nodes(driver), count_rels(driver, "FOR"), count_rels(driver, "OF"))
    resp = propose(client, keys["admin"], need_id, rut, **extra)
    assert resp.status_code == status, resp.json
    assert resp.mimetype == "application/problem+json"
    if field:
        assert field in [e["field"] for e in resp.json["errors"]]
    assert (count_nodes(driver), count_rels(driver, "FOR"), count_rels(driver, "OF")) == before


def test_buyer_key_cannot_propose(client, keys, driver, need):
    firm = create_firm(client, keys["advisor"])
    before = count_nodes(driver)
    resp = propose(client, keys["buyer"], need["id"], firm)
    assert resp.status_code == 403
    assert count_nodes(driver) == before


# -- reading --------------------------------------------------------------------------------


def test_need_buyer_reads_proposals_without_owner_gender(client, keys, need):
    firm = create_firm(client, keys["advisor"], owner_gender="F", phone="+56 9 1234 5678", email="duena@ejemplo.cl")
    proposal = ok(propose(client, keys["advisor"], need["id"], firm))
    assert proposal["firm"]["owner_gender"] == "F"  # advisors see it
    listed = client.get(f"/api/v1/needs/{need['id']}/proposals", headers=auth(keys["buyer"]))
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json["items"]] == [proposal["id"]]
    one = client.get(f"/api/v1/proposals/{proposal['id']}", headers=auth(keys["buyer"]))
    assert one.status_code == 200
    for body in (listed.json, one.json):
        text = str(body)
        assert "owner_gender" not in text and "duena@ejemplo.cl" not in text and "1234 5678" not in text
    assert client.get(f"/api/v1/needs/{need['id']}", headers=auth(keys["buyer"])).json["proposals"] == 1


def test_buyer_cannot_read_other_buyers_proposals(client, keys, need):
    proposal = ok(propose(client, keys["advisor"], need["id"], create_firm(client, keys["advisor"])))
    listed = client.get(f"/api/v1/needs/{need['id']}/proposals", headers=auth(keys["other_buyer"]))
    one = client.get(f"/api/v1/proposals/{proposal['id']}", headers=auth(keys["other_buyer"]))
    assert listed.status_code == one.status_code == 404
    assert need["id"] in listed.json["detail"]


def test_need_proposals_filter_by_status_and_paginate(client, keys, need):
    ids = [ok(propose(client, keys["advisor"], need["id"], create_firm(client, keys["advisor"])))["id"]
           for _ in range(3)]
    ok(client.post(f"/api/v1/proposals/{ids[0]}/decision", json={"decision": "rejected"},
                   headers=auth(keys["buyer"])), 200)
    pending, cursor = [], None
    for _ in range(5):
        params = {"status": "pending", "limit": 1, **({"cursor": cursor} if cursor else {})}
        resp = client.get(f"/api/v1/needs/{need['id']}/proposals", query_string=params, headers=auth(keys["advisor"]))
        pending += [p["id"] for p in resp.json["items"]]
        cursor = resp.json["next_cursor"]
        if not cursor:
            break
    assert pending == [ids[2], ids[1]]


# -- deciding -------------------------------------------------------------------------------


def test_accepting_creates_exactly_one_alliance_in_the_needs_project(client, keys, driver, need):
    firm = create_firm(client, keys["advisor"])
    proposal = ok(propose(client, keys["advisor"], need["id"], firm))
    resp = client.post(f"/api/v1/proposals/{proposal['id']}/decision",
                       json={"decision": "accepted", "reason": "Cumple con HACCP y está a 10 km."},
                       headers=auth(keys["buyer"]))
    assert resp.status_code == 200, resp.json
    decided, alliance = resp.json["proposal"], resp.json["alliance"]
    assert (decided["status"], decided["decision_reason"]) == ("accepted", "Cumple con HACCP y está a 10 km.")
    assert decided["decided_at"] is not None
    assert decided["alliance_id"] == alliance["id"]
    assert (alliance["origin"], alliance["proposal_id"]) == ("proposal", proposal["id"])
    assert alliance["project"]["id"] == need["project_id"]
    assert "owner_gender" not in str(resp.json)
    assert alliances_of(driver, proposal["id"]) == [
        {"origin": "proposal", "buyers": [keys["buyer_rut"]], "firms": [firm], "projects": [need["project_id"]]}
    ]
    shown = client.get(f"/api/v1/alliances/{alliance['id']}", headers=auth(keys["buyer"]))
    assert shown.status_code == 200


def test_deciding_twice_is_409_and_changes_nothing(client, keys, driver, need):
    proposal = ok(propose(client, keys["advisor"], need["id"], create_firm(client, keys["advisor"])))
    path = f"/api/v1/proposals/{proposal['id']}/decision"
    ok(client.post(path, json={"decision": "accepted"}, headers=auth(keys["buyer"])), 200)
    before = (count_nodes(driver), count_rels(driver, "PARTY_TO"))
    for decision in ("accepted", "rejected"):
        again = client.post(path, json={"decision": decision, "reason": "otra vez"}, headers=auth(keys["admin"]))
        assert again.status_code == 409
        assert again.mimetype == "application/problem+json"
    assert (count_nodes(driver), count_rels(driver, "PARTY_TO")) == before
    shown = client.get(f"/api/v1/proposals/{proposal['id']}", headers=auth(keys["advisor"])).json
    assert (shown["status"], shown["decision_reason"]) == ("accepted", None)
    assert len(alliances_of(driver, proposal["id"])) == 1


def test_rejecting_creates_no_alliance(client, keys, driver, need):
    proposal = ok(propose(client, keys["advisor"], need["id"], create_firm(client, keys["advisor"])))
    before = count_rels(driver, "PARTY_TO")
    resp = client.post(f"/api/v1/proposals/{proposal['id']}/decision",
                       json={"decision": "rejected", "reason": "Sin capacidad para el volumen."},
                       headers=auth(keys["admin"]))
    assert resp.status_code == 200
    assert resp.json["alliance"] is None
    assert resp.json["proposal"]["status"] == "rejected"
    assert alliances_of(driver, proposal["id"]) == []
    assert count_rels(driver, "PARTY_TO") == before


def test_advisor_cannot_decide(client, keys, driver, need):
    proposal = ok(propose(client, keys["advisor"], need["id"], create_firm(client, keys["advisor"])))
    resp = client.post(f"/api/v1/proposals/{proposal['id']}/decision", json={"decision": "accepted"},
                       headers=auth(keys["advisor"]))
    assert resp.status_code == 403
    assert client.get(f"/api/v1/proposals/{proposal['id']}", headers=auth(keys["admin"])).json["status"] == "pending"


def test_buyer_cannot_decide_on_another_buyers_proposal(client, keys, driver, need):
    proposal = ok(propose(client, keys["advisor"], need["id"], create_firm(client, keys["advisor"])))
    before = count_nodes(driver)
    resp = client.post(f"/api/v1/proposals/{proposal['id']}/decision", json={"decision": "accepted"},
                       headers=auth(keys["other_buyer"]))
    assert resp.status_code == 404
    assert count_nodes(driver) == before
    assert alliances_of(driver, proposal["id"]) == []
    assert client.get(f"/api/v1/proposals/{proposal['id']}", headers=auth(keys["admin"])).json["status"] == "pending"


@pytest.mark.parametrize("body", [{"decision": "maybe"}, {"reason": "sin decisión"}, {"decision": "accepted", "x": 1}],
                         ids=["bad-decision", "no-decision", "unknown-field"])
def test_invalid_decision_is_422(client, keys, need, body):
    proposal = ok(propose(client, keys["advisor"], need["id"], create_firm(client, keys["advisor"])))
    resp = client.post(f"/api/v1/proposals/{proposal['id']}/decision", json=body, headers=auth(keys["buyer"]))
    assert resp.status_code == 422
    assert client.get(f"/api/v1/proposals/{proposal['id']}", headers=auth(keys["admin"])).json["status"] == "pending"


def test_accepting_outside_a_project_makes_an_alliance_without_project(client, keys, driver):
    need = create_need(client, keys["buyer"], keys["buyer_rut"])
    proposal = ok(propose(client, keys["advisor"], need["id"], create_firm(client, keys["advisor"])))
    resp = client.post(f"/api/v1/proposals/{proposal['id']}/decision", json={"decision": "accepted"},
                       headers=auth(keys["buyer"]))
    assert resp.json["alliance"]["project"] is None
    assert alliances_of(driver, proposal["id"])[0]["projects"] == []


# -- concurrency, against the running gunicorn (two workers) --------------------------------


def test_concurrent_decisions_create_one_alliance(live_url, client, keys, driver, need):
    proposal = ok(propose(client, keys["advisor"], need["id"], create_firm(client, keys["advisor"])))
    url = f"{live_url}/api/v1/proposals/{proposal['id']}/decision"

    def decide(_):
        return requests.post(url, json={"decision": "accepted"}, headers=auth(keys["buyer"]), timeout=30).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(pool.map(decide, range(4)))
    assert statuses == [200, 409, 409, 409]
    assert len(alliances_of(driver, proposal["id"])) == 1


def test_concurrent_duplicate_proposals_keep_one(live_url, client, keys, driver, need):
    firm = create_firm(client, keys["advisor"])
    url = f"{live_url}/api/v1/needs/{need['id']}/proposals"

    def post(_):
        return requests.post(url, json={"rut": firm}, headers=auth(keys["advisor"]), timeout=30).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(pool.map(post, range(4)))
    assert statuses == [201, 409, 409, 409]
    records, _, _ = driver.execute_query(
        "MATCH (p:Proposal {need_id: $need, firm_rut: $rut}) RETURN count(p) AS n", need=need["id"], rut=firm)
    assert records[0]["n"] == 1
