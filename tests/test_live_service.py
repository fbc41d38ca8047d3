"""Acceptance checks against the RUNNING service (gunicorn, two workers) and the real Neo4j.

Bad input gets a clear problem+json 4xx naming the field and writes nothing; keys and roles hold.
"""

from __future__ import annotations

import json

import pytest
import requests

from tests.domain import need_payload
from tests.helpers import auth, count_nodes, firm_payload, make_rut

PROBLEM_JSON = "application/problem+json"


def is_problem(resp: requests.Response, status: int) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith(PROBLEM_JSON)
    body = resp.json()
    assert body["status"] == status
    assert body["detail"]
    return body


def wrong_check_digit(rut: str) -> str:
    """The same RUT with a check digit that does not match, written with dots as people do."""
    number, digit = rut.split("-")
    wrong = next(d for d in "0123456789K" if d != digit)
    return f"{int(number):,}".replace(",", ".") + f"-{wrong}"


def test_invalid_rut_check_digit_is_422_naming_rut(live_url, keys, driver):
    before = count_nodes(driver)
    resp = requests.post(f"{live_url}/api/v1/firms", json=firm_payload(wrong_check_digit(make_rut())),
                         headers=auth(keys["advisor"]), timeout=30)
    body = is_problem(resp, 422)
    assert [e["field"] for e in body["errors"]] == ["rut"]
    assert "dígito verificador" in body["errors"][0]["message"]
    assert count_nodes(driver) == before


def test_nunoa_resolves_to_nunoa(live_url, keys):
    resp = requests.post(f"{live_url}/api/v1/firms", json=firm_payload(make_rut(), comuna="Nunoa"),
                         headers=auth(keys["advisor"]), timeout=30)
    assert resp.status_code == 201, resp.text
    assert resp.json()["comuna"] == {"cut": "13120", "name": "Ñuñoa", "region_cut": "13"}


def test_unknown_comuna_is_422_with_suggestions(live_url, keys, driver):
    before = count_nodes(driver)
    resp = requests.post(f"{live_url}/api/v1/firms", json=firm_payload(make_rut(), comuna="Providenca"),
                         headers=auth(keys["advisor"]), timeout=30)
    body = is_problem(resp, 422)
    error = body["errors"][0]
    assert error["field"] == "comuna"
    assert "Providencia" in error["suggestions"]
    assert count_nodes(driver) == before


@pytest.mark.parametrize("path", ["/api/v1/firms", "/api/v1/needs", "/api/v1/buyers"])
def test_malformed_json_is_400(live_url, keys, driver, path):
    before = count_nodes(driver)
    resp = requests.post(f"{live_url}{path}", data='{"rut": "76086428-5", "name": "Sin cierre"',
                         headers={**auth(keys["admin"]), "Content-Type": "application/json"}, timeout=30)
    body = is_problem(resp, 400)
    assert "JSON" in body["detail"]
    assert count_nodes(driver) == before


def test_oversized_body_is_413(live_url, keys, driver):
    before = count_nodes(driver)
    payload = firm_payload(make_rut(), products="x" * (1024 * 1024 + 10))  # over MAX_CONTENT_LENGTH (1 MB)
    resp = requests.post(f"{live_url}/api/v1/firms", data=json.dumps(payload),
                         headers={**auth(keys["advisor"]), "Content-Type": "application/json"}, timeout=30)
    body = is_problem(resp, 413)
    assert "1 MB" in body["detail"]
    assert count_nodes(driver) == before


def test_buyer_key_cannot_read_another_buyers_need(live_url, keys):
    created = requests.post(f"{live_url}/api/v1/needs", json=need_payload(keys["other_buyer_rut"]),
                            headers=auth(keys["other_buyer"]), timeout=30)
    assert created.status_code == 201, created.text
    need_id = created.json()["id"]
    assert requests.get(f"{live_url}/api/v1/needs/{need_id}", headers=auth(keys["other_buyer"]),
                        timeout=30).status_code == 200
    body = is_problem(requests.get(f"{live_url}/api/v1/needs/{need_id}", headers=auth(keys["buyer"]), timeout=30),
                      404)
    assert body["detail"] == f"No existe una necesidad con id {need_id}."


def test_buyer_key_cannot_create_firms(live_url, keys, driver):
    before = count_nodes(driver)
    resp = requests.post(f"{live_url}/api/v1/firms", json=firm_payload(make_rut()), headers=auth(keys["buyer"]),
                         timeout=30)
    is_problem(resp, 403)
    assert count_nodes(driver) == before


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer enc_not-a-key"}, {"Authorization": "Basic abc"}],
                         ids=["no-header", "unknown-key", "wrong-scheme"])
def test_request_without_a_valid_key_is_401(live_url, driver, headers):
    before = count_nodes(driver)
    resp = requests.post(f"{live_url}/api/v1/firms", json=firm_payload(make_rut()), headers=headers, timeout=30)
    is_problem(resp, 401)
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert count_nodes(driver) == before


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/nothing-here", 404),
        ("delete", "/api/v1/firms", 405),
        ("get", "/api/v1/needs/need_000000000000", 404),
        ("get", "/api/v1/firms?limit=0", 422),
        ("get", "/api/v1/buyers", 403),
    ],
    ids=["unknown-path", "wrong-method", "missing-need", "bad-limit", "buyer-lists-buyers"],
)
def test_every_error_is_problem_json(live_url, keys, method, path, status):
    resp = requests.request(method, f"{live_url}{path}", headers=auth(keys["buyer"]), timeout=30)
    is_problem(resp, status)


def test_health_and_readiness(live_url):
    assert requests.get(f"{live_url}/healthz", timeout=30).json() == {"status": "ok"}
    ready = requests.get(f"{live_url}/readyz", timeout=30)
    assert ready.status_code == 200, ready.text
    assert ready.json()["neo4j"]["version"].startswith("5.")
