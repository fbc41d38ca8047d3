"""Helpers and fixtures for the page tests: people with accounts, signing in through the form, CSRF tokens.

``people`` (session-scoped) seeds, under fresh RUTs and ids, a center in Rancagua with an advisor, seven
bakeries around Rancagua and one need of buyer A with a pending proposal, creates an account for each
of buyer A, buyer B (the ``keys`` fixture's buyers), the advisor and an admin, and removes all of it,
with what the page tests posted under those buyers and firms, when the session ends.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest

from application.users import create_user
from tests.domain import create_center, create_firm, create_need, ok
from tests.helpers import auth

PASSWORD = "contraseña-de-prueba-1"
# Bakeries around Rancagua, with every certification state a card shows (the first one has personal data).
BAKERIES = [
    {"name": "Panadería La Espiga de Rancagua", "comuna": "Rancagua", "owner_gender": "F",
     "products": "pan amasado, hallullas y marraquetas", "phone": "+56 9 5555 1234", "email": "espiga@example.cl",
     "certifications": [{"code": "HACCP", "status": "valid", "valid_until": "2028-03-31"}]},
    {"name": "Amasandería Doña Juana", "comuna": "Machalí", "products": "pan amasado y empanadas",
     "certifications": [{"code": "HACCP", "status": "in_progress", "valid_until": "2027-02-28"}]},
    {"name": "Cooperativa Panificadora de Codegua", "comuna": "Codegua", "is_cooperative": True,
     "products": "pan y pasteles para casinos",
     "certifications": [{"code": "HACCP", "status": "expired", "valid_until": "2024-12-31"}]},
    {"name": "Panificadora Los Aromos", "comuna": "Graneros", "annual_sales_uf": 1800.0, "employees": 9,
     "products": "pan amasado, hallullas y pan de molde para casinos industriales",
     "certifications": [{"code": "HACCP", "status": "valid", "valid_until": "2027-11-30"},
                        {"code": "ISO9001", "status": "valid", "valid_until": "2028-06-30"}]},
    {"name": "Hallullas El Trigal", "comuna": "Rengo", "products": "hallullas, coliza y dobladitas"},
    {"name": "Panadería y Pastelería Mostazal", "comuna": "Mostazal", "annual_sales_uf": 900.0,
     "products": "pan, queques y tortas",
     "certifications": [{"code": "BPM", "status": "valid", "valid_until": "2027-08-31"}]},
    {"name": "Masas Olivar", "comuna": "Olivar", "products": "masas congeladas y pan precocido",
     "certifications": [{"code": "HACCP", "status": "valid", "valid_until": "2027-05-31"}]},
]
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


CLEANUP = """
CALL () { MATCH (b:Buyer)-[:POSTED]->(n:Need) WHERE b.rut IN $buyers
          OPTIONAL MATCH (p:Proposal)-[:FOR]->(n) DETACH DELETE p, n }
CALL () { MATCH (a:Alliance)<-[:PARTY_TO]-(f:Firm) WHERE f.rut IN $ruts DETACH DELETE a }
CALL () { MATCH (p:Proposal)-[:OF]->(f:Firm) WHERE f.rut IN $ruts DETACH DELETE p }
CALL () { MATCH (f:Firm) WHERE f.rut IN $ruts DETACH DELETE f }
CALL () { MATCH (u:User) WHERE u.email IN $emails DETACH DELETE u }
CALL () { MATCH (x) WHERE (x:Advisor AND x.id = $advisor) OR (x:Center AND x.id = $center) DETACH DELETE x }
"""


@dataclass(frozen=True)
class Person:
    email: str
    password: str
    role: str


def csrf_token(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client, person: Person) -> None:
    """Sign in through the form, as a person would (the test client keeps the session cookie)."""
    page = client.get("/app/login")
    response = client.post("/app/login", data={"email": person.email, "password": person.password,
                                               "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def token_for(client, path: str = "/app/alliances") -> str:
    """A CSRF token of the signed-in session (read from any page with a form)."""
    return csrf_token(client.get(path).get_data(as_text=True))


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@prueba.encadena.cl"


@pytest.fixture(scope="session")
def people(app, driver, keys):
    """Accounts for buyer A, buyer B, an advisor and an admin, and what they look at."""
    client = app.test_client()
    center = create_center(client, keys["advisor"], name=f"Centro de Negocios de prueba {uuid.uuid4().hex[:6]}")
    advisor = ok(client.post("/api/v1/advisors", json={"name": "Asesora Paula Rojas", "center_id": center["id"]},
                             headers=auth(keys["advisor"])))
    firms = [create_firm(client, keys["advisor"], sectors=["1071"], **values) for values in BAKERIES]
    need = create_need(client, keys["buyer"], keys["buyer_rut"], title="Pan amasado para el casino de la faena",
                       sectors=["1071"], comuna="Rancagua", required_certifications=["HACCP"], prefer=[])
    proposal = ok(client.post(f"/api/v1/needs/{need['id']}/proposals", json={"rut": firms[1], "note": "Cercana"},
                              headers=auth(keys["advisor"])))
    accounts = {}
    for name, role, binding in (("buyer_a", "buyer", {"buyer_rut": keys["buyer_rut"]}),
                                ("buyer_b", "buyer", {"buyer_rut": keys["other_buyer_rut"]}),
                                ("advisor", "advisor", {"advisor_id": advisor["id"]}),
                                ("admin", "admin", {})):
        email = unique_email(name.replace("_", "-"))
        create_user(driver, email=email, name=f"Persona {name}", role=role, password=PASSWORD, **binding)
        accounts[name] = Person(email, PASSWORD, role)
    yield {"accounts": accounts, "center": center, "advisor": advisor, "firms": firms, "need": need["id"],
           "proposal": proposal["id"], "buyer_a": keys["buyer_rut"], "buyer_b": keys["other_buyer_rut"]}
    # What the page tests wrote: these firms, the buyers' needs with their proposals and alliances, the
    # accounts (the pages' tests post needs, proposals and decisions under these buyers and firms).
    driver.execute_query(CLEANUP, ruts=firms, buyers=[keys["buyer_rut"], keys["other_buyer_rut"]],
                         emails=[a.email for a in accounts.values()], advisor=advisor["id"], center=center["id"])
