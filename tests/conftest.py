"""Fixtures: a real Neo4j (started by ``make test``), the Flask app, a live gunicorn, keys and the catalog.

Every storage test talks to the Neo4j at ``NEO4J_URI``; if it does not answer, the run fails
loudly. Tests seed what they assert on under fresh random RUTs and ids, so they do not depend
on each other or on demo data. Data builders and headers are in ``tests/helpers.py``.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from application.settings import Settings
from graph_schema.driver import graph_from_settings
from graph_schema.keys import create_key
from graph_schema.migrate import migrate
from graph_schema.reference import load_reference, package_catalog
from matching.catalog import Catalog
from service import create_app
from tests.browser import browser, new_page  # noqa: F401 - browser fixtures for the page tests
from tests.helpers import make_rut
from tests.pages import people  # noqa: F401 - accounts for the page tests

REPO = Path(__file__).resolve().parent.parent
LIVE_START_TIMEOUT_S = 120
# One secret for this run, shared by the in-process app, the command line and child servers (sessions
# and model signatures must agree), and never the developer's own key file.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def driver(settings):
    """The session's graph; the schema and reference data are applied once (idempotently)."""
    drv = graph_from_settings(settings)
    try:
        drv.verify_connectivity()
    except Exception as exc:  # noqa: BLE001 - any failure here must stop the run
        pytest.exit(
            f"Neo4j is not reachable at {settings.neo4j_uri} ({exc}). Run the tests with `make test`, "
            "which starts a test instance.", returncode=3,
        )
    migrate(drv, echo=lambda *_: None)
    load_reference(drv, echo=lambda *_: None)
    yield drv
    drv.close()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The reference catalog straight from the packages (what the graph holds; no database needed)."""
    return package_catalog()


# The suite calls the API far faster than any person: generous limits, in this run's own files
# (tests/test_rate_limits.py checks the real limits on an app of its own).
TEST_LIMITS = {"RATE_LIMIT_AUTH_FAILURES": "100000 per minute", "RATE_LIMIT_MATCHES": "100000 per minute",
               "RATE_LIMIT_IMPORTS": "100000 per minute", "RATE_LIMIT_REPORTS": "100000 per minute",
               "RATE_LIMIT_TRAINING": "100000 per minute", "RATE_LIMIT_SIGN_IN": "100000 per minute",
               "RATE_LIMIT_SIGN_IN_FAILURES": "100000 per minute"}


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """This run's local state (rate-limit counters, job queue): never the files of `make run`."""
    return tmp_path_factory.mktemp("encadena-data")


# Jobs in the suite: short leases, so a test that kills a worker sees its job retried within seconds.
TEST_JOBS = {"JOB_LEASE_SECONDS": "6"}


class Worker:
    """``encadena worker`` in a subprocess, as ``make run`` starts it beside gunicorn."""

    def __init__(self, env: dict[str, str], log_dir: Path, workers: int = 1, worker_type: str = "process"):
        self.log_path = log_dir / f"worker-{time.monotonic_ns()}.log"
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [str(Path(sys.executable).with_name("encadena")), "worker", "--workers", str(workers),
                 "--worker-type", worker_type],
                cwd=REPO, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)


def app_env(settings: Settings, data_dir: Path) -> dict[str, str]:
    """Everything a child process (gunicorn, a worker) needs to share this run's Neo4j, queue and files."""
    return {**neo4j_env(settings), "ENCADENA_DATA_DIR": str(data_dir), **TEST_LIMITS, **TEST_JOBS}


@pytest.fixture(scope="session")
def job_worker(driver, settings, data_dir, tmp_path_factory):
    """One job worker for the session, on this run's own SQLite queue under its data folder."""
    worker = Worker(app_env(settings, data_dir), tmp_path_factory.mktemp("worker"))
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def app(driver, settings, data_dir, job_worker):
    return create_app({
        "TESTING": True,
        "NEO4J_URI": settings.neo4j_uri,
        "NEO4J_USERNAME": settings.neo4j_username,
        "NEO4J_PASSWORD": settings.neo4j_password,
        "NEO4J_DATABASE": settings.neo4j_database,
        "API_KEY_CACHE_SECONDS": 0,
        "ENCADENA_DATA_DIR": str(data_dir),
        **TEST_LIMITS,
        **TEST_JOBS,
    })


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


@pytest.fixture()
def new_rut():
    return make_rut


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


# -- a live server --------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def neo4j_env(settings: Settings) -> dict[str, str]:
    """The environment that points a child process at the test Neo4j."""
    return {"NEO4J_URI": settings.neo4j_uri, "NEO4J_USERNAME": settings.neo4j_username,
            "NEO4J_PASSWORD": settings.neo4j_password, "NEO4J_DATABASE": settings.neo4j_database}


class Gunicorn:
    """gunicorn serving ``create_app()`` on a free loopback port, as ``make run`` does."""

    def __init__(self, env: dict[str, str], log_dir: Path, workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"gunicorn-{self.port}.log"
        full_env = {**os.environ, "PORT": str(self.port), "WEB_CONCURRENCY": str(workers), **env}
        # Its log goes to a file: a pipe nobody reads would fill up and block the workers.
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [str(Path(sys.executable).with_name("gunicorn")), "--config", "service/gunicorn_conf.py",
                 "service:create_app()"],
                cwd=REPO, env=full_env, stdout=subprocess.DEVNULL, stderr=log,
            )

    def wait(self, probe: str = "/healthz") -> str:
        """The URL once ``probe`` answers 200 (``/readyz``: every worker warm, as a load balancer waits)."""
        # Workers import scikit-learn before they answer: allow for a busy 2-core machine.
        deadline = time.monotonic() + LIVE_START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}{probe}", timeout=1).ok:
                    return self.url
            except requests.RequestException:  # refused while binding, or a read timeout while workers boot
                pass
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"gunicorn did not answer {probe} within {LIVE_START_TIMEOUT_S} s: {self.log_path.read_text()}")

    def workers(self) -> list[int]:
        """The pids of the master's worker processes."""
        import psutil

        return [child.pid for child in psutil.Process(self.proc.pid).children()]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)


@pytest.fixture(scope="session")
def live_url(driver, settings, data_dir, job_worker, tmp_path_factory):
    """gunicorn with two workers, as ``make run`` serves, for the tests that need real processes."""
    server = Gunicorn(app_env(settings, data_dir), tmp_path_factory.mktemp("gunicorn"))
    yield server.wait("/readyz")
    server.stop()


@pytest.fixture(scope="session")
def private_neo4j(settings, tmp_path_factory):
    """A Neo4j of the fault tests' own (port and folder of its own), migrated with reference data;
    tests may kill, stop and start it. Never the shared test instance."""
    from tests.faults import PrivateNeo4j

    instance = PrivateNeo4j(tmp_path_factory.mktemp("private-neo4j"), free_port(), settings)
    instance.start()
    try:
        instance.encadena("migrate")
        instance.encadena("load-reference")
        yield instance
    finally:
        instance.close()
        instance.stop()
