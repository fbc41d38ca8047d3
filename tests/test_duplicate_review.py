"""The duplicate review behind the pages: merging while choosing which values stay, the merge's audit record
on the kept firm, undoing a merge back to both firms exactly as they were (or being told why not), the
queue's filters, and the evidence split into for and against.
"""

from __future__ import annotations

import pytest

from application import duplicate_review, duplicates
from application.access import Viewer
from application.duplicate_review import QueueFilters
from matching.errors import Conflict
from matching.pair_model import split_evidence
from tests.helpers import auth, make_rut
from tests.test_duplicates import _near_duplicates
from tests.test_imports import fresh_word

ADVISOR = Viewer("advisor", id="user_pruebarevision", name="Asesora de la revisión")

# Both firms and everything around them, in a form that compares equal when nothing changed.
NEIGHBOURHOOD = """
UNWIND $ruts AS rut
MATCH (f:Firm {rut: rut})
RETURN rut, properties(f) AS props, labels(f) AS labels,
  COLLECT { MATCH (f)-[r]->(o) WHERE NOT o:FirmMerge
            RETURN [type(r), coalesce(o.rut, o.id, o.code, o.cut), properties(r)] ORDER BY type(r), o.rut, o.id,
                   o.code, o.cut } AS outgoing,
  COLLECT { MATCH (o)-[r]->(f) WHERE NOT o:FirmMerge
            RETURN [type(r), coalesce(o.rut, o.id), properties(r)] ORDER BY type(r), o.rut, o.id } AS incoming
ORDER BY rut
"""


NODE_COUNT = "MATCH (n) WHERE NOT n:FirmMerge AND NOT n:Job AND NOT n:JobSlot RETURN count(n) AS n"


def neighbourhood(driver, ruts: list[str]) -> list[dict]:
    records, _, _ = driver.execute_query(NEIGHBOURHOOD, ruts=ruts)
    out = []
    for r in records:
        row = dict(r)
        # The pair under review changes state (open → merged → open); everything else must come back.
        row["incoming"] = [i for i in row["incoming"] if i[0] != "CANDIDATE"]
        out.append(row)
    return out


def candidates_of(driver, rut: str) -> list[tuple]:
    records, _, _ = driver.execute_query(
        "MATCH (d:DuplicateCandidate)-[:CANDIDATE]->(:Firm {rut: $rut}) "
        "RETURN d.id AS id, d.pair_key AS key, d.status AS status ORDER BY id", rut=rut)
    return [tuple(r.values()) for r in records]


@pytest.fixture()
def pair(client, keys, driver):
    """A planted pair (two records of one cooperative) with relationships on both sides."""
    a, b, place, report = _near_duplicates(client, keys["advisor"])
    cid = next(p["id"] for p in report["possible_duplicates_detail"] if {f["rut"] for f in p["firms"]} == {a, b})
    tag = fresh_word().lower()
    coop, member, third = make_rut(), make_rut(), make_rut()
    driver.execute_query(
        """
        MATCH (a:Firm {rut: $a}), (b:Firm {rut: $b}), (cert:Certification {code: 'ISO9001'})
        CREATE (co:Firm:Cooperative {rut: $coop, name: 'Coop ' + $tag, size_segment: 'sin_ventas'}),
               (m:Firm {rut: $member, name: 'Socia ' + $tag, size_segment: 'sin_ventas'})
        CREATE (b)-[:MEMBER_OF]->(co), (m)-[:MEMBER_OF]->(b)
        CREATE (a)-[:HOLDS {status: 'expired', valid_until: date('2023-01-31')}]->(cert)
        CREATE (adv:Advisor {id: 'adv_' + $tag, name: 'Asesora ' + $tag})
        CREATE (adv)-[:ADVISED {sessions: 2, hours: 3.0}]->(a), (adv)-[:ADVISED {sessions: 1, hours: 1.5}]->(b)
        CREATE (al:Alliance {id: 'ally_' + $tag, status: 'active', origin: 'program', created_at: datetime()})
        CREATE (b)-[:PARTY_TO]->(al)
        CREATE (:Proposal {id: 'prop_' + $tag, firm_rut: $b, status: 'pending', created_at: datetime()})-[:OF]->(b)
        CREATE (t:Firm {rut: $third, name: 'Tercera ' + $tag, size_segment: 'sin_ventas'})
        WITH CASE WHEN $b < $third THEN [$b, $third] ELSE [$third, $b] END AS ruts
        CREATE (d:DuplicateCandidate {id: 'dup_t' + $tag, pair_key: ruts[0] + '|' + ruts[1], ruts: ruts,
                                      status: 'open', score: 60.0, evidence: [], source: 'scan',
                                      created_at: datetime()})
        WITH d
        MATCH (b:Firm {rut: $b}), (t:Firm {rut: $third})
        CREATE (d)-[:CANDIDATE]->(b), (d)-[:CANDIDATE]->(t)
        """, a=a, b=b, coop=coop, member=member, third=third, tag=tag)
    return {"a": a, "b": b, "id": cid, "place": place, "tag": tag, "third": third}


def test_a_merge_keeps_the_chosen_values_and_undoing_it_puts_both_firms_back(driver, pair):
    a, b = pair["a"], pair["b"]
    before = neighbourhood(driver, [a, b])
    # Their (class, comuna) cells are part of what must come back.
    assert all(any(link[0] == "IN_CELL" for link in firm["outgoing"]) for firm in before)
    their_candidates = candidates_of(driver, b)
    nodes = driver.execute_query(NODE_COUNT)[0][0]["n"]
    result = duplicates.resolve(driver, pair["id"], action="merge", keep=a, viewer=ADVISOR, take=["name"])
    assert result["firm"]["name"] == f"Coop. Agricola Lechera {pair['place']}"  # b's name, chosen
    assert result["firm"]["phone"] is not None  # a's own value where b had none
    [merge] = duplicate_review.merges_into(driver, ADVISOR, a)
    assert merge["dropped_rut"] == b and merge["merged_by_name"] == "Asesora de la revisión"
    assert merge["undoable"] is True and merge["reason"] is None

    duplicate_review.undo_merge(driver, ADVISOR, merge["id"])
    assert neighbourhood(driver, [a, b]) == before
    assert candidates_of(driver, b) == their_candidates
    assert driver.execute_query(NODE_COUNT)[0][0]["n"] == nodes  # nothing stray created (the FirmMerge stays)
    [again] = duplicate_review.merges_into(driver, ADVISOR, a)
    assert again["undone_at"] and again["undoable"] is False
    records, _, _ = driver.execute_query("MATCH (d:DuplicateCandidate {id: $id}) RETURN d.status AS s, "
                                         "d.records IS NULL AS unlabeled", id=pair["id"])
    assert records[0]["s"] == "open" and records[0]["unlabeled"] is True


def test_work_on_the_kept_firm_after_the_merge_stays_with_it_when_undone(driver, pair):
    a, b = pair["a"], pair["b"]
    duplicates.resolve(driver, pair["id"], action="merge", keep=a, viewer=ADVISOR)
    driver.execute_query("MATCH (adv:Advisor {id: $adv})-[r:ADVISED]->(:Firm {rut: $a}) "
                         "SET r.sessions = r.sessions + 4, r.hours = r.hours + 2.0", adv=f"adv_{pair['tag']}", a=a)
    [merge] = duplicate_review.merges_into(driver, ADVISOR, a)
    duplicate_review.undo_merge(driver, ADVISOR, merge["id"])
    records, _, _ = driver.execute_query(
        "MATCH (adv:Advisor {id: $adv})-[r:ADVISED]->(f:Firm) WHERE f.rut IN [$a, $b] "
        "RETURN f.rut AS rut, r.sessions AS s, r.hours AS h ORDER BY rut", adv=f"adv_{pair['tag']}", a=a, b=b)
    assert {r["rut"]: (r["s"], r["h"]) for r in records} == {a: (6, 5.0), b: (1, 1.5)}


def test_an_undo_the_record_cannot_vouch_for_is_refused_with_the_reason(client, keys, driver, pair):
    a = pair["a"]
    duplicates.resolve(driver, pair["id"], action="merge", keep=a, viewer=ADVISOR)
    response = client.patch(f"/api/v1/firms/{a}", json={"products": "leche y quesos frescos"},
                            headers=auth(keys["advisor"]))
    assert response.status_code == 200, response.json
    [merge] = duplicate_review.merges_into(driver, ADVISOR, a)
    assert merge["undoable"] is False and "cambió después de la fusión" in merge["reason"]
    with pytest.raises(Conflict, match="cambió después de la fusión"):
        duplicate_review.undo_merge(driver, ADVISOR, merge["id"])
    driver.execute_query("MATCH (m:FirmMerge {id: $id}) REMOVE m.snapshot", id=merge["id"])
    [old] = duplicate_review.merges_into(driver, ADVISOR, a)
    assert "antes de que Encadena guardara una copia completa" in old["reason"]


def test_a_merge_that_moved_unknown_relationships_cannot_be_undone(driver, pair):
    driver.execute_query("MATCH (b:Firm {rut: $b}) CREATE (b)-[:SUPPLIES {since: 2024}]->"
                         "(:Buyer {rut: $t, name: 'Compradora ' + $tag, created_at: datetime()})",
                         b=pair["b"], t=make_rut(), tag=pair["tag"])
    duplicates.resolve(driver, pair["id"], action="merge", keep=pair["a"], viewer=ADVISOR)
    [merge] = duplicate_review.merges_into(driver, ADVISOR, pair["a"])
    assert "SUPPLIES" in merge["reason"]


def test_unknown_merge_fields_are_refused(driver, pair):
    from matching.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        duplicates.resolve(driver, pair["id"], action="merge", keep=pair["a"], viewer=ADVISOR, take=["rut"])
    assert caught.value.errors[0].field == "take"


def test_the_queue_filters_by_region_comuna_center_and_score(driver, pair):
    everything = duplicate_review.review_queue(driver, ADVISOR, QueueFilters(), limit=1000)
    assert pair["id"] in [p["id"] for p in everything["items"]]
    rancagua = QueueFilters(region="06", comuna="06101", min_score=50)
    found = duplicate_review.review_queue(driver, ADVISOR, rancagua, limit=1000)
    assert pair["id"] in [p["id"] for p in found["items"]]
    assert found["facets"]["comuna"].get("06101", 0) >= 1 and found["facets"]["min_score"]["50"] >= 1
    elsewhere = duplicate_review.review_queue(driver, ADVISOR, QueueFilters(region="15"), limit=1000)
    assert pair["id"] not in [p["id"] for p in elsewhere["items"]]
    nowhere = duplicate_review.review_queue(driver, ADVISOR, QueueFilters(center="ctr_ninguno"), limit=1000)
    assert nowhere["total"] == 0
    place = duplicate_review.neighbours(driver, rancagua, pair["id"])
    assert place["position"] >= 1 and place["total"] == found["total"]


def test_the_pair_view_lists_what_differs_and_the_evidence_for_and_against(driver, pair):
    view = duplicate_review.pair_view(driver, ADVISOR, pair["id"])
    assert [s["rut"] for s in view["sides"]] == sorted([pair["a"], pair["b"]]) or len(view["sides"]) == 2
    assert "name" in view["differences"] and "comuna" not in view["differences"]
    assert any("Misma comuna" in e for e in view["evidence"]["for"])
    assert view["evidence"]["balance"].startswith("Peso de la evidencia")


@pytest.mark.parametrize(("evidence", "expected"), [
    (["Mismo nombre normalizado: «x».", "Misma comuna.", "Rubro CIIU distinto (1 / 2).",
      "Peso de la evidencia (bits): parte en −17,0 (un par entre 10.000 registros); a favor nombre +11,8, comuna "
      "+4,5; en contra rubro CIIU −3,9; total −4,6.", "Grupo de 6 registros encadenados."],
     {"for": ["Mismo nombre normalizado: «x».", "Misma comuna."], "against": ["Rubro CIIU distinto (1 / 2)."],
      "other": [], "notes": ["Grupo de 6 registros encadenados."]}),
    (["Nombres distintos.", "Misma comuna.",
      "Peso de la evidencia (bits): parte en −17,0 (un par entre 10.000 registros); a favor comuna +4,5; en contra "
      "nombre −9,0; total −21,5."],
     {"for": ["Misma comuna."], "against": ["Nombres distintos."], "other": [], "notes": []}),
    (["Nombre parecido (92)."], {"for": [], "against": [], "other": ["Nombre parecido (92)."], "notes": []}),
], ids=["name-for", "name-against", "older-evidence"])
def test_evidence_is_split_into_for_and_against(evidence, expected):
    split = split_evidence(evidence)
    assert {k: split[k] for k in expected} == expected
