"""Projects, alliances, centers and advisors through the API against the real Neo4j."""

from __future__ import annotations

import pytest

from graph_schema.keys import create_key
from tests.domain import count_rels, create_buyer, create_center, create_firm, create_project, ok
from tests.helpers import auth, count_nodes, make_rut

# -- centers and projects -------------------------------------------------------------------


def test_center_takes_its_region_from_the_comuna(client, keys):
    center = create_center(client, keys["admin"], name="CDN Cooperativo Talca", kind="cdn_cooperativas",
                           comuna="talca")
    assert center["id"].startswith("ctr_")
    assert (center["kind"], center["region_cut"], center["comuna"]["name"]) == ("cdn_cooperativas", "07", "Talca")
    assert client.get(f"/api/v1/centers/{center['id']}", headers=auth(keys["buyer"])).json == center
    listed = client.get("/api/v1/centers", query_string={"kind": "cdn_cooperativas", "region": "Maule", "limit": 200},
                        headers=auth(keys["advisor"]))
    assert center["id"] in [c["id"] for c in listed.json["items"]]
    assert {c["kind"] for c in listed.json["items"]} == {"cdn_cooperativas"}


def test_project_run_by_a_center(client, keys, driver):
    center = create_center(client, keys["admin"])
    project = create_project(client, keys["advisor"], kind="cadena_corta", region="O'Higgins",
                             center_id=center["id"])
    assert project["id"].startswith("proj_")
    assert project["center"] == {"id": center["id"], "name": center["name"]}
    assert project["region"]["cut"] == "06"
    assert (project["start_date"], project["end_date"]) == ("2025-03-01", "2026-03-31")
    assert (project["alliances"], project["firms"]) == (0, 0)
    records, _, _ = driver.execute_query(
        "MATCH (p:Project {id: $id})-[:RUN_BY]->(c:Center) RETURN c.id AS center, p.start_date AS start",
        id=project["id"])
    assert records[0]["center"] == center["id"]
    assert records[0]["start"].iso_format() == "2025-03-01"
    by_center = client.get("/api/v1/projects", query_string={"center": center["id"]}, headers=auth(keys["buyer"]))
    assert [p["id"] for p in by_center.json["items"]] == [project["id"]]
    by_kind = client.get("/api/v1/projects", query_string={"kind": "cadena_corta", "limit": 200},
                         headers=auth(keys["advisor"]))
    assert {p["kind"] for p in by_kind.json["items"]} == {"cadena_corta"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"center_id": "ctr_000000000000"}, "center_id"),
        ({"end_date": "2024-01-01"}, "end_date"),
        ({"kind": "cluster"}, "kind"),
        ({"region": "Mordor"}, "region"),
        ({"start_date": None}, "start_date"),
    ],
    ids=["unknown-center", "ends-before-start", "bad-kind", "unknown-region", "no-start"],
)
def test_invalid_project_is_422_and_writes_nothing(client, keys, driver, overrides, field):
    body = {"name": "Proyecto", "kind": "red_proveedores", "start_date": "2025-03-01", **overrides}
    before = count_nodes(driver)
    resp = client.post("/api/v1/projects", json=body, headers=auth(keys["advisor"]))
    assert resp.status_code == 422, resp.json
    assert field in [e["field"] for e in resp.json["errors"]]
    assert count_nodes(driver) == before


def test_unknown_project_is_404(client, keys):
    resp = client.get("/api/v1/projects/proj_000000000000", headers=auth(keys["advisor"]))
    assert resp.status_code == 404
    assert resp.mimetype == "application/problem+json"


# -- alliances ------------------------------------------------------------------------------


def test_program_alliance_between_buyer_and_firms(client, keys, driver):
    project = create_project(client, keys["admin"])
    firms = sorted(create_firm(client, keys["advisor"]) for _ in range(2))
    resp = client.post("/api/v1/alliances", json={"project_id": project["id"], "buyer_rut": keys["buyer_rut"],
                                                  "firm_ruts": [*firms, firms[0]]}, headers=auth(keys["advisor"]))
    assert resp.status_code == 201, resp.json
    alliance = resp.json
    assert (alliance["origin"], alliance["status"], alliance["proposal_id"]) == ("program", "active", None)
    assert alliance["project"]["id"] == project["id"]
    assert alliance["buyer"]["rut"] == keys["buyer_rut"]
    assert [f["rut"] for f in alliance["firms"]] == firms
    assert alliance["firms"][0]["owner_gender"] == "F"  # advisors see it
    records, _, _ = driver.execute_query(
        "MATCH (a:Alliance {id: $id}) RETURN COUNT { (:Firm)-[:PARTY_TO]->(a) } AS firms, "
        "COUNT { (:Buyer)-[:PARTY_TO]->(a) } AS buyers, COUNT { (a)-[:PART_OF]->(:Project) } AS projects",
        id=alliance["id"])
    assert dict(records[0]) == {"firms": 2, "buyers": 1, "projects": 1}
    counted = client.get(f"/api/v1/projects/{project['id']}", headers=auth(keys["advisor"])).json
    assert (counted["alliances"], counted["firms"]) == (1, 2)


def test_buyer_sees_only_alliances_it_is_party_to_without_owner_gender(client, keys):
    project = create_project(client, keys["admin"])
    firm = create_firm(client, keys["advisor"])
    mine = ok(client.post("/api/v1/alliances", json={"project_id": project["id"], "buyer_rut": keys["buyer_rut"],
                                                     "firm_ruts": [firm]}, headers=auth(keys["admin"])))
    theirs = ok(client.post("/api/v1/alliances", json={"project_id": project["id"],
                                                       "buyer_rut": keys["other_buyer_rut"], "firm_ruts": [firm]},
                            headers=auth(keys["admin"])))
    got = client.get(f"/api/v1/alliances/{mine['id']}", headers=auth(keys["buyer"]))
    assert got.status_code == 200
    assert "owner_gender" not in got.json["firms"][0]
    assert client.get(f"/api/v1/alliances/{theirs['id']}", headers=auth(keys["buyer"])).status_code == 404
    listed = client.get("/api/v1/alliances", query_string={"firm": firm, "buyer": keys["other_buyer_rut"]},
                        headers=auth(keys["buyer"]))
    assert [a["id"] for a in listed.json["items"]] == [mine["id"]]
    assert all("owner_gender" not in f for a in listed.json["items"] for f in a["firms"])
    everyone = client.get("/api/v1/alliances", query_string={"project": project["id"]},
                          headers=auth(keys["advisor"]))
    assert [a["id"] for a in everyone.json["items"]] == [theirs["id"], mine["id"]]  # newest first


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"firm_ruts": ["fresh"]}, "firm_ruts.0"),
        ({"project_id": "proj_000000000000"}, "project_id"),
        ({"buyer_rut": "fresh"}, "buyer_rut"),
        ({"buyer_rut": None}, "firm_ruts"),
        ({"firm_ruts": []}, "firm_ruts"),
        ({"origin": "proposal"}, "origin"),
    ],
    ids=["unknown-firm", "unknown-project", "unknown-buyer", "single-firm-without-buyer", "no-firms",
         "proposal-origin"],
)
def test_invalid_alliance_is_422_and_writes_nothing(client, keys, driver, body, field):
    project = create_project(client, keys["admin"])
    firm = create_firm(client, keys["advisor"])
    payload = {"project_id": project["id"], "buyer_rut": keys["buyer_rut"], "firm_ruts": [firm], **body}
    payload = {k: ([make_rut()] if v == ["fresh"] else make_rut() if v == "fresh" else v) for k, v in payload.items()}
    before = (count_nodes(driver), count_rels(driver, "PARTY_TO"))
    resp = client.post("/api/v1/alliances", json=payload, headers=auth(keys["advisor"]))
    assert resp.status_code == 422, resp.json
    assert field in [e["field"] for e in resp.json["errors"]]
    assert (count_nodes(driver), count_rels(driver, "PARTY_TO")) == before


# -- advisors -------------------------------------------------------------------------------


def test_advisor_sessions_accumulate_on_advised(client, keys, driver):
    center = create_center(client, keys["admin"])
    advisor = ok(client.post("/api/v1/advisors", json={"name": "Ana Pérez", "email": "ana@cdn.cl",
                                                       "center_id": center["id"]}, headers=auth(keys["admin"])))
    assert advisor["center"]["id"] == center["id"]
    firm = create_firm(client, keys["advisor"])
    path = f"/api/v1/advisors/{advisor['id']}/sessions"
    first = ok(client.post(path, json={"firm_rut": firm, "sessions": 3, "hours": 4.5}, headers=auth(keys["advisor"])),
               200)
    assert (first["sessions"], first["hours"]) == (3, 4.5)
    second = ok(client.post(path, json={"firm_rut": firm, "sessions": 2, "hours": 1}, headers=auth(keys["admin"])), 200)
    assert (second["sessions"], second["hours"]) == (5, 5.5)
    records, _, _ = driver.execute_query(
        "MATCH (:Advisor {id: $id})-[r:ADVISED]->(:Firm {rut: $rut}) RETURN count(r) AS n, r.sessions AS s",
        id=advisor["id"], rut=firm)
    assert (records[0]["n"], records[0]["s"]) == (1, 5)
    shown = client.get(f"/api/v1/advisors/{advisor['id']}", headers=auth(keys["advisor"])).json
    assert (shown["firms_advised"], shown["sessions"], shown["hours"]) == (1, 5, 5.5)
    listed = client.get("/api/v1/advisors", query_string={"center": center["id"]}, headers=auth(keys["advisor"]))
    assert listed.json["items"] == [shown]


def test_sessions_validation(client, keys, driver):
    center = create_center(client, keys["admin"])
    advisor = ok(client.post("/api/v1/advisors", json={"name": "Luis Soto", "center_id": center["id"]},
                             headers=auth(keys["admin"])))
    firm = create_firm(client, keys["advisor"])
    path = f"/api/v1/advisors/{advisor['id']}/sessions"
    before = count_rels(driver, "ADVISED")
    unknown_firm = client.post(path, json={"firm_rut": make_rut(), "sessions": 1, "hours": 1},
                               headers=auth(keys["advisor"]))
    assert unknown_firm.status_code == 422
    assert unknown_firm.json["errors"][0]["field"] == "firm_rut"
    zero = client.post(path, json={"firm_rut": firm, "sessions": 0, "hours": 1}, headers=auth(keys["advisor"]))
    assert zero.status_code == 422
    assert zero.json["errors"][0]["field"] == "sessions"
    unknown_advisor = client.post("/api/v1/advisors/adv_000000000000/sessions",
                                  json={"firm_rut": firm, "sessions": 1, "hours": 1}, headers=auth(keys["advisor"]))
    assert unknown_advisor.status_code == 404
    assert count_rels(driver, "ADVISED") == before


def test_advisor_key_records_only_its_own_sessions(client, keys, driver):
    center = create_center(client, keys["admin"])
    me, other = (ok(client.post("/api/v1/advisors", json={"name": name, "center_id": center["id"]},
                                headers=auth(keys["admin"]))) for name in ("Yo", "Otra"))
    _, my_key = create_key(driver, "advisor", advisor_id=me["id"], label="pytest")
    firm = create_firm(client, keys["advisor"])
    body = {"firm_rut": firm, "sessions": 1, "hours": 2}
    assert client.post(f"/api/v1/advisors/{me['id']}/sessions", json=body, headers=auth(my_key)).status_code == 200
    resp = client.post(f"/api/v1/advisors/{other['id']}/sessions", json=body, headers=auth(my_key))
    assert resp.status_code == 403


def test_unknown_center_for_advisor_is_422(client, keys, driver):
    before = count_nodes(driver)
    resp = client.post("/api/v1/advisors", json={"name": "Nadie", "center_id": "ctr_000000000000"},
                       headers=auth(keys["admin"]))
    assert resp.status_code == 422
    assert resp.json["errors"][0]["field"] == "center_id"
    assert count_nodes(driver) == before


# -- what a buyer key may not do ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/projects", {"name": "Proyecto", "kind": "red_proveedores", "start_date": "2025-03-01"}),
        ("/api/v1/alliances", {"project_id": "proj_000000000000", "firm_ruts": ["76086428-5"]}),
        ("/api/v1/centers", {"name": "CDN", "kind": "cdn", "comuna": "Rancagua"}),
        ("/api/v1/advisors", {"name": "Asesor", "center_id": "ctr_000000000000"}),
        ("/api/v1/advisors/adv_000000000000/sessions", {"firm_rut": "76086428-5", "sessions": 1, "hours": 1}),
    ],
    ids=["projects", "alliances", "centers", "advisors", "sessions"],
)
def test_buyer_key_cannot_create_program_records(client, keys, driver, path, body):
    before = count_nodes(driver)
    resp = client.post(path, json=body, headers=auth(keys["buyer"]))
    assert resp.status_code == 403
    assert resp.mimetype == "application/problem+json"
    assert count_nodes(driver) == before


def test_buyer_key_cannot_list_advisors(client, keys):
    assert client.get("/api/v1/advisors", headers=auth(keys["buyer"])).status_code == 403


def test_buyer_created_by_api_can_be_party_to_alliance(client, keys):
    buyer = create_buyer(client, keys["advisor"])
    project = create_project(client, keys["admin"])
    firm = create_firm(client, keys["advisor"])
    resp = client.post("/api/v1/alliances", json={"project_id": project["id"], "buyer_rut": buyer,
                                                  "firm_ruts": [firm], "status": "ended"}, headers=auth(keys["admin"]))
    assert resp.status_code == 201
    assert resp.json["status"] == "ended"
    listed = client.get("/api/v1/alliances", query_string={"buyer": buyer}, headers=auth(keys["advisor"]))
    assert [a["id"] for a in listed.json["items"]] == [resp.json["id"]]
