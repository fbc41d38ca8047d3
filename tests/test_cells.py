"""(ISIC class, comuna) cells follow every writer of a firm's sectors and comuna (graph_schema/cells.py)."""

from __future__ import annotations

import random

import pytest

from graph_schema.cells import cell_groups
from graph_schema.firms import create_parameters, firm_row, upsert_firm, write_firms_tx
from tests.helpers import make_rut

NOW = "2026-11-25T12:00:00+00:00"
CELLS_OF = "MATCH (f:Firm {rut: $rut})-[:IN_CELL]->(x:Cell) RETURN x.key AS key ORDER BY key"


def cells_of(driver, rut: str) -> list[str]:
    return [r["key"] for r in driver.execute_query(CELLS_OF, rut=rut)[0]]


def values(rut: str, sectors: list[str], comuna: str) -> dict:
    return {"rut": rut, "name": "Panadería de prueba de celdas", "sectors": sectors, "comuna": comuna,
            "products": "pan amasado"}


@pytest.fixture
def ruts(driver):
    made: list[str] = []
    yield made
    driver.execute_query("MATCH (f:Firm) WHERE f.rut IN $ruts DETACH DELETE f", ruts=made)


def test_an_upsert_moves_the_firms_cells_with_its_sectors_and_comuna(driver, ruts):
    rut = make_rut(random.Random())
    ruts.append(rut)
    upsert_firm(driver, values(rut, ["1071", "1050"], "06101"), NOW)
    assert cells_of(driver, rut) == ["1050|06101", "1071|06101"]
    upsert_firm(driver, values(rut, ["1071"], "13101"), NOW)  # one sector dropped, another comuna
    assert cells_of(driver, rut) == ["1071|13101"]
    upsert_firm(driver, values(rut, ["1071"], "13101"), NOW)  # the same again: nothing doubles
    assert cells_of(driver, rut) == ["1071|13101"]


def test_a_bulk_create_links_each_new_firm_to_its_cells(driver, ruts):
    rng = random.Random()
    rows = [firm_row(values(make_rut(rng), sectors, comuna))
            for sectors, comuna in ((["1071"], "06101"), (["1071", "4711"], "06101"), (["4711"], "13101"))]
    ruts.extend(r["rut"] for r in rows)
    with driver.session() as session:
        session.execute_write(write_firms_tx, rows, NOW, "pytest", new=True)
    assert [cells_of(driver, r["rut"]) for r in rows] == [
        ["1071|06101"], ["1071|06101", "4711|06101"], ["4711|13101"]]
    ordered = sorted(rows, key=lambda r: r["rut"])
    assert create_parameters(rows)["in_cell"] == cell_groups([r["comuna"] for r in ordered],
                                                             [r["sectors"] for r in ordered])


def test_cell_groups_name_each_firm_once_per_cell():
    assert cell_groups(["06101", "06101", "13101"], [["1071"], ["1071", "1071", "4711"], ["1071"]]) == [
        ["1071|06101", "1071", "06101", [0, 1]], ["4711|06101", "4711", "06101", [1]],
        ["1071|13101", "1071", "13101", [2]]]
