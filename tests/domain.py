"""Seeding helpers for the buyers, needs, program and proposals tests (through the API, fresh RUTs)."""

from __future__ import annotations

from datetime import date, timedelta

from tests.helpers import auth, buyer_payload, firm_payload, make_rut


def need_payload(buyer_rut: str, **overrides) -> dict:
    body = {
        "buyer_rut": buyer_rut,
        "title": "Lavandería industrial para campamento",
        "description": "Lavado de ropa de trabajo y sábanas, retiro y entrega semanal.",
        "sectors": ["9601"],
        "comuna": "Rancagua",
        "required_certifications": ["ISO 9001"],
        "deadline": (date.today() + timedelta(days=60)).isoformat(),
        "volume": 1200,
        "prefer": ["women"],
    }
    body.update(overrides)
    return body


def ok(response, status: int = 201) -> dict:
    assert response.status_code == status, response.json
    return response.json


def create_buyer(client, key: str, **overrides) -> str:
    rut = make_rut()
    ok(client.post("/api/v1/buyers", json=buyer_payload(rut, **overrides), headers=auth(key)))
    return rut


def create_firm(client, key: str, **overrides) -> str:
    rut = make_rut()
    ok(client.post("/api/v1/firms", json=firm_payload(rut, **overrides), headers=auth(key)))
    return rut


def create_need(client, key: str, buyer_rut: str, **overrides) -> dict:
    return ok(client.post("/api/v1/needs", json=need_payload(buyer_rut, **overrides), headers=auth(key)))


def create_center(client, key: str, **overrides) -> dict:
    body = {"name": "CDN de prueba", "kind": "cdn", "comuna": "Rancagua", **overrides}
    return ok(client.post("/api/v1/centers", json=body, headers=auth(key)))


def create_project(client, key: str, **overrides) -> dict:
    body = {"name": "Red de proveedores de prueba", "kind": "red_proveedores", "start_date": "2025-03-01",
            "end_date": "2026-03-31", "region": "6", **overrides}
    return ok(client.post("/api/v1/projects", json=body, headers=auth(key)))


def count_rels(driver, rel_type: str) -> int:
    """How many relationships of one type exist (types are fixed names from the graph model)."""
    records, _, _ = driver.execute_query("MATCH ()-[r]->() WHERE type(r) = $t RETURN count(r) AS n", t=rel_type)
    return records[0]["n"]
