"""Possible duplicates against the real Neo4j: detection on import, advisor review, merge and distinct."""

from __future__ import annotations

import json

import pytest

from tests.helpers import auth, make_rut
from tests.test_imports import HEADER, fresh_word, import_report


def _near_duplicates(client, key: str, *, comuna: str = "Rancagua") -> tuple[str, str, str, dict]:
    """Import one cooperative written two ways in one comuna; return both RUTs, the place and the report."""
    a, b = make_rut(), make_rut()
    place = fresh_word()
    # A phone of its own: the test database keeps earlier runs' firms, and a shared phone is evidence.
    phone = f"+56 9 {a[:4]} {a[4:8]}"
    text = (HEADER
            + f"{a};Cooperativa Agrícola y Lechera {place} Ltda.;{comuna};1050;2500;30;F;leche;"
              f"HACCP:valid:2027-03-31;sí;;{phone};\n"
            + f"{b};Coop. Agricola Lechera {place};{comuna};1050|0141;;;;quesos;ISO9001:in_progress;si;;;"
              f"contacto@{place.lower()}.cl\n")
    return a, b, place, import_report(client, key, text)


def phone_of(rut: str) -> str:
    return f"+56 9 {rut[:4]} {rut[4:8]}"


def _candidate_for(client, key: str, rut: str, other: str, status: str = "open") -> dict | None:
    """The listed pair of ``rut`` and ``other`` (firms of other tests, or of earlier runs, may pair with them too)."""
    resp = client.get("/api/v1/duplicates", query_string={"rut": rut, "status": status, "limit": 100},
                      headers=auth(key))
    assert resp.status_code == 200, resp.json
    return next((item for item in resp.json["items"] if other in item["ruts"]), None)


def test_planted_near_duplicate_in_same_comuna_is_listed_for_review_with_evidence(client, keys):
    a, b, place, report = _near_duplicates(client, keys["advisor"])
    [pair] = [p for p in report["possible_duplicates_detail"] if {f["rut"] for f in p["firms"]} == {a, b}]
    assert pair["new"] is True and pair["score"] >= 91

    listed = _candidate_for(client, keys["advisor"], a, b)
    assert listed is not None and listed["id"] == pair["id"]
    assert listed["status"] == "open"
    firms = {f["rut"]: f for f in listed["firms"]}
    assert firms[a]["name"] == f"Cooperativa Agrícola y Lechera {place} Ltda."
    assert firms[b]["name"] == f"Coop. Agricola Lechera {place}"
    assert firms[a]["comuna"]["name"] == firms[b]["comuna"]["name"] == "Rancagua"
    assert [s["code"] for s in firms[b]["sectors"]] == ["0141", "1050"]
    assert firms[a]["phone"] == phone_of(a) and firms[b]["email"] == f"contacto@{place.lower()}.cl"
    assert f"Mismo nombre normalizado: «lechera {place.lower()}»." in listed["evidence"]
    assert "Misma comuna." in listed["evidence"]

    one = client.get(f"/api/v1/duplicates/{pair['id']}", headers=auth(keys["admin"]))
    assert one.status_code == 200 and one.json["ruts"] == sorted([a, b])


def test_duplicates_are_for_advisors_and_admins_only(client, keys):
    assert client.get("/api/v1/duplicates", headers=auth(keys["buyer"])).status_code == 403
    assert client.get("/api/v1/duplicates").status_code == 401


def test_merge_moves_every_relationship_of_both_firms_onto_the_kept_one(client, keys, driver):
    a, b, place, report = _near_duplicates(client, keys["advisor"])
    cid = next(p["id"] for p in report["possible_duplicates_detail"] if {f["rut"] for f in p["firms"]} == {a, b})
    coop_x, coop_y, member = make_rut(), make_rut(), make_rut()
    tag = fresh_word().lower()
    driver.execute_query(
        """
        MATCH (a:Firm {rut: $a}), (b:Firm {rut: $b}), (sector:Sector {code: '1050'}), (c:Comuna {cut: '06101'})
        CREATE (x:Firm:Cooperative {rut: $coop_x, name: 'Coop X ' + $tag, size_segment: 'sin_ventas'}),
               (y:Firm:Cooperative {rut: $coop_y, name: 'Coop Y ' + $tag, size_segment: 'sin_ventas'})
        CREATE (m:Firm {rut: $member, name: 'Socia ' + $tag, size_segment: 'sin_ventas'})
        CREATE (a)-[:MEMBER_OF]->(x), (b)-[:MEMBER_OF]->(y), (m)-[:MEMBER_OF]->(b)
        CREATE (adv:Advisor {id: 'adv_' + $tag, name: 'Asesora ' + $tag})
        CREATE (adv)-[:ADVISED {sessions: 2, hours: 3.0}]->(a), (adv)-[:ADVISED {sessions: 1, hours: 1.5}]->(b)
        CREATE (al1:Alliance {id: 'ally_a' + $tag, status: 'active', origin: 'program', created_at: datetime()}),
               (al2:Alliance {id: 'ally_b' + $tag, status: 'active', origin: 'program', created_at: datetime()})
        CREATE (a)-[:PARTY_TO]->(al1), (b)-[:PARTY_TO]->(al2)
        CREATE (p1:Proposal {id: 'prop_a' + $tag, firm_rut: $a, status: 'pending', created_at: datetime()})-[:OF]->(a)
        CREATE (p2:Proposal {id: 'prop_b' + $tag, firm_rut: $b, status: 'pending', created_at: datetime()})-[:OF]->(b)
        CREATE (b)-[:SUPPLIES {since: 2024}]->(:Buyer {rut: $buyer, name: 'Compradora ' + $tag, created_at: datetime()})
        """,
        a=a, b=b, coop_x=coop_x, coop_y=coop_y, member=member, tag=tag, buyer=make_rut(),
    )
    resp = client.post(f"/api/v1/duplicates/{cid}", json={"action": "merge", "keep": a, "note": "misma cooperativa"},
                       headers=auth(keys["advisor"]))
    assert resp.status_code == 200, resp.json
    assert resp.json["candidate"]["status"] == "merged" and resp.json["candidate"]["kept_rut"] == a
    firm = resp.json["firm"]
    assert firm["rut"] == a and firm["is_cooperative"] is True
    assert [s["code"] for s in firm["sectors"]] == ["0141", "1050"]
    assert {c["code"]: c["status"] for c in firm["certifications"]} == {"HACCP": "valid", "ISO9001": "in_progress"}
    assert firm["member_of"] == sorted([coop_x, coop_y])

    records, _, _ = driver.execute_query(
        """
        MATCH (k:Firm {rut: $a})
        RETURN EXISTS { MATCH (:Firm {rut: $b}) } AS b_exists,
               [(adv:Advisor)-[r:ADVISED]->(k) | [r.sessions, r.hours]] AS advised,
               COLLECT { MATCH (k)-[:PARTY_TO]->(al:Alliance) RETURN al.id ORDER BY al.id } AS alliances,
               COLLECT { MATCH (p:Proposal)-[:OF]->(k) RETURN p.id + ':' + p.firm_rut ORDER BY p.id } AS proposals,
               COLLECT { MATCH (m:Firm)-[:MEMBER_OF]->(k) RETURN m.rut } AS members,
               COLLECT { MATCH (k)-[s:SUPPLIES]->(buyer) RETURN s.since } AS supplies,
               k.merged_ruts AS merged_ruts, k.phone AS phone, k.email AS email,
               COLLECT { MATCH (fm:FirmMerge {dropped_rut: $b})-[:INTO]->(k)
                         RETURN fm.merged_by + '|' + fm.dropped_name } AS merges
        """, a=a, b=b)
    row = records[0]
    assert row["b_exists"] is False
    assert row["advised"] == [[3, 4.5]]
    assert row["alliances"] == sorted([f"ally_a{tag}", f"ally_b{tag}"])
    assert row["proposals"] == [f"prop_a{tag}:{a}", f"prop_b{tag}:{a}"]
    assert row["members"] == [member]
    assert row["supplies"] == [2024]
    assert row["merged_ruts"] == [b]
    assert row["phone"] == phone_of(a) and row["email"] == f"contacto@{place.lower()}.cl"
    assert len(row["merges"]) == 1 and row["merges"][0].endswith(f"Coop. Agricola Lechera {place}")


def test_merge_keeps_the_best_certification_status(client, keys, driver):
    a, b, _, report = _near_duplicates(client, keys["advisor"])
    cid = next(p["id"] for p in report["possible_duplicates_detail"] if {f["rut"] for f in p["firms"]} == {a, b})
    driver.execute_query(
        "MATCH (a:Firm {rut: $a}), (b:Firm {rut: $b}), (c:Certification {code: 'ISO9001'}) "
        "CREATE (a)-[:HOLDS {status: 'expired', valid_until: date('2023-01-31')}]->(c)", a=a, b=b)
    resp = client.post(f"/api/v1/duplicates/{cid}", json={"action": "merge", "keep": a}, headers=auth(keys["admin"]))
    assert resp.status_code == 200, resp.json
    assert {c["code"]: c["status"] for c in resp.json["firm"]["certifications"]}["ISO9001"] == "in_progress"


def test_pair_marked_distinct_is_never_proposed_again(client, keys, runner):
    a, b, place, _ = _near_duplicates(client, keys["advisor"])
    cid = _candidate_for(client, keys["advisor"], a, b)["id"]
    resp = client.post(f"/api/v1/duplicates/{cid}", json={"action": "distinct", "note": "dos cooperativas"},
                       headers=auth(keys["advisor"]))
    assert resp.status_code == 200, resp.json
    assert resp.json["candidate"]["status"] == "distinct"
    assert _candidate_for(client, keys["advisor"], a, b) is None

    text = (HEADER + f"{a};Cooperativa Agrícola y Lechera {place} Ltda.;Rancagua;1050;;;;;;;;;\n"
            + f"{b};Coop. Agricola Lechera {place};Rancagua;1050;;;;;;;;;\n")
    again = import_report(client, keys["advisor"], text)
    assert again["decided_pairs_not_reopened"] == 1
    assert not [p for p in again["possible_duplicates_detail"] if {f["rut"] for f in p["firms"]} == {a, b}]
    scan = runner.invoke("dedupe")
    assert scan.exit_code == 0, scan.output
    assert _candidate_for(client, keys["advisor"], a, b) is None
    assert _candidate_for(client, keys["advisor"], a, b, status="distinct")["id"] == cid


def test_dedupe_command_finds_a_pair_among_stored_firms(client, keys, runner):
    a, b = make_rut(), make_rut()
    place = fresh_word()
    for rut, name in ((a, f"Maderas {place} Hermanos Ltda."), (b, f"Maderas {place} Hnos")):
        body = {"rut": rut, "name": name, "sectors": ["1610"], "comuna": "Curacautín"}
        resp = client.post("/api/v1/firms", json=body, headers=auth(keys["advisor"]))
        assert resp.status_code == 201
    assert _candidate_for(client, keys["advisor"], a, b) is None
    dry = runner.invoke("dedupe", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert _candidate_for(client, keys["advisor"], a, b) is None
    result = runner.invoke("dedupe", "--threshold", "91")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["new"] >= 1
    listed = _candidate_for(client, keys["advisor"], a, b)
    assert listed is not None and listed["ruts"] == sorted([a, b])


def test_merged_rut_is_not_recreated_by_a_later_import(client, keys, driver):
    a, b, place, report = _near_duplicates(client, keys["advisor"])
    cid = next(p["id"] for p in report["possible_duplicates_detail"] if {f["rut"] for f in p["firms"]} == {a, b})
    merged = client.post(f"/api/v1/duplicates/{cid}", json={"action": "merge"}, headers=auth(keys["advisor"]))
    assert merged.status_code == 200
    kept = merged.json["candidate"]["kept_rut"]
    assert kept == min(a, b)  # both registered at once: the lower RUT is kept
    dropped = max(a, b)
    again = import_report(client, keys["advisor"], HEADER + f"{dropped};Coop. Lechera {place};Rancagua;1050;;;;;;;;;\n")
    [skipped] = again["skipped"]
    assert skipped["rut"] == dropped and skipped["kept_rut"] == kept
    records, _, _ = driver.execute_query("MATCH (f:Firm {rut: $rut}) RETURN count(f) AS n", rut=dropped)
    assert records[0]["n"] == 0


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"action": "merge", "keep": "11.111.111-1"}, 422, "keep"),
        ({"action": "fuse"}, 422, "action"),
        ({"action": "distinct", "keep": "11.111.111-1"}, 422, "keep"),
    ],
    ids=["keep-not-in-pair", "unknown-action", "keep-with-distinct"],
)
def test_bad_resolutions_are_422_and_change_nothing(client, keys, body, status, field):
    a, b, _, _ = _near_duplicates(client, keys["advisor"])
    cid = _candidate_for(client, keys["advisor"], a, b)["id"]
    resp = client.post(f"/api/v1/duplicates/{cid}", json=body, headers=auth(keys["advisor"]))
    assert resp.status_code == status, resp.json
    assert field in [e["field"] for e in resp.json["errors"]]
    assert _candidate_for(client, keys["advisor"], a, b)["status"] == "open"


def test_resolving_twice_is_409_and_unknown_pair_is_404(client, keys):
    a, b, _, _ = _near_duplicates(client, keys["advisor"])
    cid = _candidate_for(client, keys["advisor"], a, b)["id"]
    assert client.post(f"/api/v1/duplicates/{cid}", json={"action": "distinct"},
                       headers=auth(keys["advisor"])).status_code == 200
    again = client.post(f"/api/v1/duplicates/{cid}", json={"action": "merge"}, headers=auth(keys["advisor"]))
    assert again.status_code == 409
    assert "ya fue resuelto" in again.json["detail"]
    missing = client.post("/api/v1/duplicates/dup_000000000000", json={"action": "merge"},
                          headers=auth(keys["advisor"]))
    assert missing.status_code == 404


def test_duplicate_list_pages_with_a_cursor(client, keys):
    for _ in range(2):
        _near_duplicates(client, keys["advisor"], comuna="Lumaco")
    seen, cursor = [], None
    for _ in range(200):
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        resp = client.get("/api/v1/duplicates", query_string=params, headers=auth(keys["advisor"]))
        assert resp.status_code == 200
        seen += [(-c["score"], c["id"]) for c in resp.json["items"]]
        cursor = resp.json["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) >= 2


def test_merge_carries_the_dropped_firms_other_pairs_to_the_kept_one(client, keys, driver):
    a, b, c = sorted(make_rut() for _ in range(3))
    place = fresh_word()
    text = (HEADER + f"{a};Cooperativa Lechera {place} Ltda.;Purén;1050;;;;;;sí;;;\n"
            + f"{b};Coop. Lechera {place};Purén;1050;;;;;;sí;;;\n"
            + f"{c};COOPERATIVA LECHERA {place.upper()} SPA;Purén;1050;;;;;;sí;;;\n")
    report = import_report(client, keys["advisor"], text)
    pairs = {tuple(sorted(f["rut"] for f in p["firms"])): p["id"] for p in report["possible_duplicates_detail"]}
    assert set(pairs) == {(a, b), (a, c), (b, c)}
    resp = client.post(f"/api/v1/duplicates/{pairs[(a, b)]}", json={"action": "merge", "keep": a},
                       headers=auth(keys["advisor"]))
    assert resp.status_code == 200, resp.json
    records, _, _ = driver.execute_query(
        "MATCH (d:DuplicateCandidate) WHERE d.id IN $ids RETURN d.id AS id, d.status AS status, d.ruts AS ruts",
        ids=list(pairs.values()))
    by_id = {r["id"]: r for r in records}
    assert by_id[pairs[(a, b)]]["status"] == "merged"
    assert by_id[pairs[(a, c)]]["status"] == "open"      # still to review, now about the kept firm
    assert pairs[(b, c)] not in by_id                   # the same pair as (a, c) once b is a
    listed = _candidate_for(client, keys["advisor"], c, a)
    assert listed["id"] == pairs[(a, c)] and [f["rut"] for f in listed["firms"]] == [a, c]


def test_a_pair_whose_id_a_merge_gave_to_another_pair_is_recorded_under_a_fresh_id(driver):
    from datetime import UTC, datetime

    from graph_schema.duplicates import candidate_id, record_candidates_tx
    from matching.dedupe import Match

    a, b, c = sorted(make_rut() for _ in range(3))
    driver.execute_query("UNWIND $ruts AS rut CREATE (:Firm {rut: rut, name: 'Par ' + rut, size_segment: 'micro_1'})",
                         ruts=[a, b, c])
    # What a merge of c into b leaves: the candidate of a|c, its id kept, now names the pair a|b... and a|c
    # is found again (c registered once more).
    taken = candidate_id(f"{a}|{c}")
    driver.execute_query("CREATE (:DuplicateCandidate {id: $id, pair_key: $key, ruts: $ruts, status: 'merged', "
                         "score: 80.0, evidence: [], source: 'scan', created_at: datetime()})",
                         id=taken, key=f"{a}|{b}", ruts=[a, b])
    try:
        with driver.session() as session:
            [row] = session.execute_write(record_candidates_tx, [Match(a, c, 80.0, ("prueba",))],
                                          datetime.now(UTC).isoformat(), "scan")
        assert row["new"] is True and row["status"] == "open" and row["pair_key"] == f"{a}|{c}"
        assert row["id"] != taken and row["id"].startswith("dup_") and len(row["id"]) == 16
    finally:
        driver.execute_query("MATCH (d:DuplicateCandidate) WHERE d.pair_key IN $keys DETACH DELETE d",
                             keys=[f"{a}|{b}", f"{a}|{c}"])
        driver.execute_query("UNWIND $ruts AS rut MATCH (f:Firm {rut: rut}) DETACH DELETE f", ruts=[a, b, c])
