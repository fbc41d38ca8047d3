"""Sector names in Spanish (the UN's CIIU Rev. 4 titles) wherever people read them, and the pages' pickers."""

from __future__ import annotations

import isic
import pytest

from graph_schema.reference import read_sectors, spanish_sector_titles
from matching.pickers import search_comunas, search_sectors
from tests.domain import create_firm
from tests.helpers import auth


def test_every_isic_code_has_a_spanish_title():
    titles = spanish_sector_titles()
    assert set(titles) == set(isic.ISIC)
    assert all(title.strip() for title in titles.values())
    assert titles["1071"] == "Elaboración de productos de panadería"
    assert titles["C"] == "Industrias manufactureras"


def test_sectors_are_named_in_spanish_and_keep_the_english_title():
    bakery = next(s for s in read_sectors() if s["code"] == "1071")
    assert bakery["name"] == "Elaboración de productos de panadería"
    assert bakery["name_en"] == isic.ISIC["1071"]
    assert bakery["parent"] == "107" and bakery["section"] == "C"


def test_the_graph_and_the_api_name_sectors_in_spanish(driver, client, keys):
    records, _, _ = driver.execute_query("MATCH (s:Sector {code: '1071'}) RETURN s.name AS name, s.name_en AS en")
    assert dict(records[0]) == {"name": "Elaboración de productos de panadería", "en": isic.ISIC["1071"]}
    rut = create_firm(client, keys["advisor"], sectors=["1071"])
    firm = client.get(f"/api/v1/firms/{rut}", headers=auth(keys["buyer"])).json
    assert firm["sectors"] == [{"code": "1071", "name": "Elaboración de productos de panadería"}]


@pytest.mark.parametrize(
    ("typed", "first"),
    [("pan", "1071"), ("Panadería", "1071"), ("PANADERIA", "1071"), ("panadria", "1071"), ("1071", "1071"),
     ("productos lacteos", "1050"), ("transporte carga carretera", "4923"), ("lavado limpieza", "9601")],
    ids=["word-start", "accents", "case", "typo", "code", "two-words", "three-words", "laundry"],
)
def test_sector_picker_finds_spanish_titles_by_word(catalog, typed, first):
    found = search_sectors(catalog, typed)
    assert found and found[0].code == first
    assert found[0].label.endswith(f"(CIIU {first})")


def test_sector_picker_offers_nothing_for_nonsense(catalog):
    assert search_sectors(catalog, "xqzw") == [] and search_sectors(catalog, "  ") == []


@pytest.mark.parametrize(("typed", "first"), [("nunoa", "Ñuñoa"), ("Ñuñoaa", "Ñuñoa"), ("rancagua", "Rancagua"),
                                              ("Rancgua", "Rancagua"), ("13120", "Ñuñoa"), ("valpo", "Valparaíso")])
def test_comuna_picker_forgives_typos_and_accents(catalog, typed, first):
    assert search_comunas(catalog, typed)[0].name == first


def test_picker_partials_answer_options(app, people):
    from tests.pages import sign_in

    client = app.test_client()
    sign_in(client, people["accounts"]["buyer_a"])
    sectors = client.get("/app/pickers/sectors?sector_q=pan").get_data(as_text=True)
    assert "Elaboración de productos de panadería" in sectors and 'name="sectors"' in sectors
    assert 'id="sector-status"' in sectors and 'hx-swap-oob="true"' in sectors
    kept = client.get("/app/pickers/sectors?sector_q=transporte&sectors=1071").get_data(as_text=True)
    assert kept.index('value="1071" checked') < kept.index("Transporte")
    comunas = client.get("/app/pickers/comunas?comuna=nunoa").get_data(as_text=True)
    assert "Ñuñoa" in comunas and 'value="13120" checked' in comunas
