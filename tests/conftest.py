"""Fixtures: a real Neo4j (started by ``make test``), the Flask app, a live gunicorn, and keys.

Every storage test talks to the Neo4j at ``NEO4J_URI``; if it does not answer, the run fails
loudly. Tests seed what they assert on under fresh random RUTs and ids, so they do not depend
on each other or on demo data.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from stdnum.cl import rut as stdnum_rut

from graph_schema.driver import make_driver
from graph_schema.keys import create_key
from graph_schema.migrate import migrate
from graph_schema.reference import load_reference
from scripts.settings import Neo4jSettings
from service import create_app
from tests.browser import browser, new_page  # noqa: F401 - browser fixtures for the page tests

REPO = Path(__file__).resolve().parent.parent
LIVE_START_TIMEOUT_S = 120


@pytest.fixture(scope="session")
def neo4j_settings() -> Neo4jSettings:
    return Neo4jSettings.from_env()


@pytest.fixture(scope="session")
def driver(neo4j_settings):
    """The session's driver; the schema and reference data are applied once (idempotently)."""
    drv = make_driver(neo4j_settings.uri, neo4j_settings.user, neo4j_settings.password)
    try:
        drv.verify_connectivity()
    except Exception as exc:  # noqa: BLE001 - any failure here must stop the run
        pytest.exit(
            f"Neo4j is not reachable at {neo4j_settings.uri} ({exc}). Run the tests with `make test`, "
            "which starts a test instance.", returncode=3,
        )
    migrate(drv, echo=lambda *_: None)
    load_reference(drv, echo=lambda *_: None)
    yield drv
    drv.close()


@pytest.fixture(scope="session")
def app(driver, neo4j_settings):
    app = create_app({
        "TESTING": True,
        "NEO4J_URI": neo4j_settings.uri,
        "NEO4J_USER": neo4j_settings.user,
        "NEO4J_PASSWORD": neo4j_settings.password,
        "API_KEY_CACHE_SECONDS": 0,
    })
    return app


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner():
    """Invoke the ``encadena`` command line in-process."""
    from click.testing import CliRunner

    from scripts.cli import main

    class _Runner:
        def invoke(self, *args, **kwargs):
            return CliRunner().invoke(main, list(args), catch_exceptions=False, **kwargs)

    return _Runner()


# -- data helpers ---------------------------------------------------------------------------

def make_rut(rng: random.Random | None = None, low: int = 10_000_000, high: int = 99_999_999) -> str:
    """A random, valid RUT in canonical form (``12345678-5``)."""
    number = str((rng or random).randint(low, high))
    return f"{number}-{stdnum_rut.calc_check_digit(number)}"


@pytest.fixture()
def new_rut():
    return make_rut


def firm_payload(rut: str, **overrides) -> dict:
    body = {
        "rut": rut,
        "name": f"Empresa de prueba {rut}",
        "sectors": ["1050"],
        "comuna": "Rancagua",
        "annual_sales_uf": 150.0,
        "employees": 4,
        "owner_gender": "F",
        "products": "quesos y yogur artesanal",
        "certifications": [],
    }
    body.update(overrides)
    return body


def buyer_payload(rut: str, **overrides) -> dict:
    body = {"rut": rut, "name": f"Gran Comprador {rut}", "comuna": "Rancagua", "sectors": ["0510"]}
    body.update(overrides)
    return body


def count_nodes(driver) -> int:
    records, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS n")
    return records[0]["n"]


@pytest.fixture(scope="session")
def keys(driver):
    """Fresh admin, advisor and buyer keys (the buyer key bound to a buyer created here)."""
    buyer_rut = make_rut()
    other_buyer_rut = make_rut()
    driver.execute_query(
        "UNWIND $ruts AS rut MERGE (b:Buyer {rut: rut}) SET b.name = 'Comprador de prueba ' + rut "
        "WITH b MATCH (c:Comuna {cut: '06101'}) MERGE (b)-[:LOCATED_IN]->(c)",
        ruts=[buyer_rut, other_buyer_rut],
    )
    out = {"buyer_rut": buyer_rut, "other_buyer_rut": other_buyer_rut}
    for name, role, rut in (("admin", "admin", None), ("advisor", "advisor", None), ("buyer", "buyer", buyer_rut),
                            ("other_buyer", "buyer", other_buyer_rut)):
        _, secret = create_key(driver, role, rut, label="pytest")
        out[name] = secret
    return out


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


# -- a live server --------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_url(driver, neo4j_settings, tmp_path_factory):
    """gunicorn serving ``create_app()`` on a free loopback port, as ``make run`` does."""
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": "2", "NEO4J_URI": neo4j_settings.uri,
           "NEO4J_USER": neo4j_settings.user, "NEO4J_PASSWORD": neo4j_settings.password}
    # Its log goes to a file: a pipe nobody reads would fill up and block the workers.
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "--config", "service/gunicorn_conf.py",
             "service:create_app()"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    # Workers import scikit-learn before they answer: allow for a busy 2-core machine.
    deadline = time.monotonic() + LIVE_START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=1).ok:
                break
        except requests.RequestException:  # refused while binding, or a read timeout while workers boot
            time.sleep(0.2)
    else:
        proc.kill()
        proc.wait(timeout=30)
        pytest.fail(f"gunicorn did not answer /healthz within {LIVE_START_TIMEOUT_S} s: {log_path.read_text()}")
    yield url
    proc.terminate()
    proc.wait(timeout=30)
