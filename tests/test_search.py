"""Typo-tolerant firm search: the Lucene query (pure) and the ranking against the real Neo4j."""

from __future__ import annotations

import pytest

from matching.search import lucene_query, name_score
from tests.helpers import auth, make_rut
from tests.test_imports import HEADER, fresh_word, import_report


@pytest.mark.parametrize(
    ("q", "lucene"),
    [
        ("cooperatva los andez", "(andez~ OR andez*)^3 OR (cooperativa~ OR cooperativa*)"),
        ("Soc. Agrícola El Roble Ltda.",
         "(roble~ OR roble*)^3 OR (sociedad~ OR sociedad*) OR (agricola~ OR agricola*)"),
        ("quesos", "(quesos~ OR quesos*)^3"),
        ('"a" OR b:*)', "a^3 OR or^3 OR b^3"),  # lower-case "or" is a word, not an operator
    ],
    ids=["typos-and-stopword", "abbreviations-and-legal-form", "product-word", "lucene-syntax-neutralized"],
)
def test_lucene_query_from_normalized_words(q, lucene):
    assert lucene_query(q) == lucene


def test_name_score_prefers_the_name_with_the_misspelt_word():
    q = "cooperatva los andez"
    assert name_score(q, "Cooperativa Agrícola y Lechera Los Andes Ltda.") > name_score(q, "Cooperativa Los Alerces")
    assert name_score(q, "Cooperativa Los Alerces") > name_score(q, "Empresa de prueba 12345678-5")


def test_search_ranks_the_intended_firm_first_despite_typos(client, keys):
    place = fresh_word()
    typo = place[:-2] + place[-1] + place[-2]  # last two letters swapped
    target, decoy_a, decoy_b = make_rut(), make_rut(), make_rut()
    text = (HEADER
            + f"{target};Cooperativa Agrícola y Lechera {place} Ltda.;Los Andes;1050;;;;;;sí;;;\n"
            + f"{decoy_a};Comercial {place[:3]}mar SpA;Los Andes;4711;;;;;;no;;;\n"
            + f"{decoy_b};Cooperativa Campesina Lechera Ltda.;Los Andes;0141;;;;;;sí;;;\n")
    assert import_report(client, keys["advisor"], text)["created"] == 3
    resp = client.get("/api/v1/firms", query_string={"q": f"cooperatva lechera {typo.lower()}"},
                      headers=auth(keys["advisor"]))
    assert resp.status_code == 200
    items = resp.json["items"]
    assert items[0]["rut"] == target
    assert items[0]["match_score"] > next((f["match_score"] for f in items if f["rut"] == decoy_b), 0)
