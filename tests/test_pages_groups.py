"""Group offers on the need page (issue 16): shown below the single candidates when no single firm covers
the volume, on a map of their own with each group's members joined by a line; an advisor proposes a
group from the page, and the buyer's acceptance makes one alliance with every member's share."""

from __future__ import annotations

import random
import re

import pytest

from tests.helpers import make_rut
from tests.matching_seed import cleanup, firm, seed_firms, seed_need, tag_for
from tests.pages import csrf_token, sign_in

SECTOR = "8010"  # private security, as tests/test_groups_api.py: no demo industry uses its division


@pytest.fixture()
def tag(driver):
    value = tag_for(random.Random())
    yield value
    cleanup(driver, value)


def guards(catalog, places: list[tuple[str, float]]) -> list[dict]:
    return [firm(make_rut(), catalog.resolve_comuna(place).cut, sectors=[SECTOR], supply_capacity_uf=capacity,
                 annual_sales_uf=3 * capacity, owner_gender="F", name=f"Guardias {place} {i}",
                 products="guardias y rondas de seguridad") for i, (place, capacity) in enumerate(places)]


def test_an_advisor_proposes_a_group_from_the_need_page_and_the_buyer_accepts_it(app, driver, catalog, keys, people,
                                                                                 tag):
    firms = guards(catalog, [("Rancagua", 300.0), ("Machalí", 250.0), ("Graneros", 200.0), ("Codegua", 150.0)])
    seed_firms(driver, firms, tag)
    need = seed_need(driver, tag, keys["buyer_rut"], catalog.resolve_comuna("Rancagua").cut, sectors=(SECTOR,),
                     radius_km=30.0, volume_uf=600.0, title="Rondas para la faena",
                     description="Guardias y rondas de seguridad para la faena")
    advisor = app.test_client()
    sign_in(advisor, people["accounts"]["advisor"])
    html = advisor.get(f"/app/needs/{need}").get_data(as_text=True)
    assert 'id="ofertas-conjuntas"' in html
    assert html.index('id="candidatos"') < html.index('id="ofertas-conjuntas"') < html.index('id="propuestas"')
    assert 'class="map-group" data-group="1"' in html and "Mapa: Rancagua" in html
    assert "grupo" in html.split('id="mapa-grupos-title">')[1].split("</title>")[0]
    first = html.split('id="grupo-1"')[1].split('id="grupo-2"')[0]
    ruts = re.findall(r'<input type="hidden" name="rut" value="([^"]+)">', first)
    assert 2 <= len(ruts) <= 4 and set(ruts) <= {f["rut"] for f in firms}
    assert "owner_gender" not in html and "mujer" not in first.lower()

    response = advisor.post(f"/app/needs/{need}/group-proposals",
                            data={"rut": ruts, "note": "Se turnan las rondas", "csrf_token": csrf_token(html)})
    assert response.status_code == 302
    html = advisor.get(f"/app/needs/{need}").get_data(as_text=True)
    assert f"Grupo de {len(ruts)} empresas" in html and "Grupo propuesto, esperando decisión" in html
    assert "Persona advisor" in html  # who proposed it

    buyer = app.test_client()
    sign_in(buyer, people["accounts"]["buyer_a"])
    html = buyer.get(f"/app/needs/{need}").get_data(as_text=True)
    assert "Proponer este grupo" not in html
    proposal_id = html.split('class="proposal" id="propuesta-')[1].split('"')[0]
    assert "UF al año" in html.split(f'id="propuesta-{proposal_id}"')[1]
    response = buyer.post(f"/app/proposals/{proposal_id}/decision",
                          data={"decision": "accepted", "csrf_token": csrf_token(html)})
    assert response.status_code == 302
    records, _, _ = driver.execute_query(
        "MATCH (a:Alliance {proposal_id: $id})<-[r:PARTY_TO]-(f:Firm) RETURN f.rut AS rut, r.share_uf AS share",
        id=proposal_id)
    assert {r["rut"] for r in records} == set(ruts)
    assert sum(r["share"] for r in records) == pytest.approx(600.0, abs=0.05)


def test_a_need_one_firm_covers_shows_no_group_offers(app, driver, catalog, keys, people, tag):
    firms = guards(catalog, [("Calama", 900.0), ("Calama", 250.0), ("Calama", 200.0)])
    seed_firms(driver, firms, tag)
    need = seed_need(driver, tag, keys["buyer_rut"], catalog.resolve_comuna("Calama").cut, sectors=(SECTOR,),
                     radius_km=20.0, volume_uf=600.0, title="Rondas", description="Guardias de seguridad")
    advisor = app.test_client()
    sign_in(advisor, people["accounts"]["advisor"])
    html = advisor.get(f"/app/needs/{need}").get_data(as_text=True)
    assert 'id="candidatos"' in html and "Guardias Calama 0" in html
    assert 'id="ofertas-conjuntas"' not in html and "map-group" not in html


def test_a_group_proposal_the_page_cannot_accept_says_why(app, driver, catalog, keys, people, tag):
    firms = guards(catalog, [("Calama", 300.0), ("Calama", 250.0)])
    seed_firms(driver, firms, tag)
    need = seed_need(driver, tag, keys["buyer_rut"], catalog.resolve_comuna("Calama").cut, sectors=(SECTOR,),
                     radius_km=20.0, volume_uf=600.0, title="Rondas", description="Guardias de seguridad")
    advisor = app.test_client()
    sign_in(advisor, people["accounts"]["advisor"])
    html = advisor.get(f"/app/needs/{need}").get_data(as_text=True)
    response = advisor.post(f"/app/needs/{need}/group-proposals", follow_redirects=True,
                            data={"rut": [f["rut"] for f in firms], "csrf_token": csrf_token(html)})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No se pudo proponer el grupo" in text and "agregue empresas al grupo" in text
