"""After a restart: /readyz says "warming" while Neo4j's page cache or this worker warms, and a worker warms
itself (query shapes planned, open needs ranked) before it takes traffic."""

from __future__ import annotations

import random

import pytest

from application.warmup import page_cache_state, warm_page_cache
from graph_schema import warmup as warmup_repo
from service.warmup import warm_state, warm_worker
from tests.helpers import make_rut
from tests.matching_seed import cleanup, firm, seed_buyer, seed_firms, seed_need, tag_for

RANCAGUA = "06101"


@pytest.fixture
def seeded_open_need(driver):
    """An open need with a few cheese makers around it (a worker warms by ranking open needs)."""
    rng = random.Random()
    tag = tag_for(rng)
    seed_firms(driver, [firm(make_rut(rng), RANCAGUA) for _ in range(3)], tag)
    buyer = seed_buyer(driver, tag, RANCAGUA)
    yield seed_need(driver, tag, buyer, RANCAGUA)
    cleanup(driver, tag)


def test_readyz_says_warming_while_the_page_cache_warms_and_ready_after(client, driver):
    started = warmup_repo.database_started(driver)
    assert started, "Neo4j names when its database started"
    warmup_repo.mark_warming(driver, started)
    try:
        warming = client.get("/readyz")
        assert warming.status_code == 503
        assert warming.json["readiness"] == "warming"
        assert "Neo4j" in warming.json["reason"] and warming.headers["Retry-After"] == "5"
    finally:
        seconds = warm_page_cache(driver)  # what `encadena neo4j start` runs; it records the end
    assert seconds >= 0 and page_cache_state(driver) == "warm"
    assert client.get("/readyz").status_code == 200


def test_a_warm_up_record_of_an_earlier_start_of_the_database_is_not_warming(client, driver):
    warmup_repo.mark_warming(driver, "an earlier start")  # e.g. a start command killed mid-warm-up
    try:
        assert page_cache_state(driver) is None
        assert client.get("/readyz").status_code == 200
    finally:
        warm_page_cache(driver)


def test_readyz_says_warming_while_this_worker_warms(app, client):
    app.extensions["encadena.warm_state"] = "warming"
    try:
        response = client.get("/readyz")
        assert response.status_code == 503 and response.json["readiness"] == "warming"
    finally:
        app.extensions["encadena.warm_state"] = "warm"
    assert client.get("/readyz").status_code == 200


def test_a_worker_warms_before_it_takes_traffic(app, seeded_open_need):
    ticks = []
    done = warm_worker(app, tick=lambda: ticks.append(1))
    assert done is not None and done["query_shapes"] > 0 and done["needs_ranked"] >= 1
    assert ticks, "the worker tells gunicorn it is alive while it warms"
    with app.app_context():
        assert warm_state() == "warm"


def test_readyz_waits_for_every_worker_of_the_server(client, tmp_path, monkeypatch):
    import subprocess
    import sys

    from application.warmup import WORKERS_DIR_ENV, record_worker_state

    monkeypatch.setenv(WORKERS_DIR_ENV, str(tmp_path))
    sibling = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    try:
        record_worker_state(gone.pid, "warming")  # a worker that died while warming holds nothing up
        assert client.get("/readyz").status_code == 200
        record_worker_state(sibling.pid, "warming")
        response = client.get("/readyz")
        assert response.status_code == 503 and response.json["readiness"] == "warming"
        assert "otros procesos" in response.json["reason"]
        record_worker_state(sibling.pid, "warm")
        assert client.get("/readyz").status_code == 200
    finally:
        sibling.kill()
        sibling.wait()
