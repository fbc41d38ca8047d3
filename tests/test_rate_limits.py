"""Rate limits hold across gunicorn workers (one SQLite file per host) and answer 429 with Retry-After."""

from __future__ import annotations

import pytest
import requests

from graph_schema.keys import create_key
from tests.conftest import Gunicorn, neo4j_env
from tests.helpers import auth


@pytest.fixture()
def strict_server(driver, settings, tmp_path_factory):
    """Two workers with low limits and their own counters (a fresh server per test)."""
    data = tmp_path_factory.mktemp("limits")
    server = Gunicorn({**neo4j_env(settings), "ENCADENA_DATA_DIR": str(data),
                       "RATE_LIMIT_AUTH_FAILURES": "5 per minute", "RATE_LIMIT_MATCHES": "4 per minute"},
                      data, workers=2)
    yield server.wait()
    server.stop()


def test_bad_keys_are_limited_per_address_across_workers(strict_server):
    statuses = []
    for i in range(12):
        response = requests.get(f"{strict_server}/api/v1/needs", headers=auth(f"enc_nope{i}"), timeout=30)
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert response.headers["Content-Type"].startswith("application/problem+json")
            assert "intentos" in response.json()["detail"]
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429] * 7


def test_matches_are_limited_per_key_with_retry_after(strict_server, driver):
    _, secret = create_key(driver, "advisor", label="limits")
    statuses, last = [], None
    for _ in range(6):
        last = requests.get(f"{strict_server}/api/v1/needs/need_000000000000/matches", headers=auth(secret),
                            timeout=30)
        statuses.append(last.status_code)
    assert statuses == [404] * 4 + [429] * 2
    assert last is not None and int(last.headers["Retry-After"]) > 0
    assert last.headers["Content-Type"].startswith("application/problem+json")
    assert "Demasiadas solicitudes" in last.json()["detail"] and "4 por minuto" in last.json()["detail"]
    # Another key from the same address still has its own allowance... until the address limit.
    _, other = create_key(driver, "advisor", label="limits-2")
    assert requests.get(f"{strict_server}/api/v1/needs/need_000000000000/matches", headers=auth(other),
                        timeout=30).status_code == 429  # the address has used its 4 as well


def _increment(path: str, times: int) -> list[int]:
    from service.limits_sqlite import SQLiteStorage

    storage = SQLiteStorage(f"encadena+sqlite://{path}")
    return [storage.incr("shared-key", 60) for _ in range(times)]


def test_the_shared_counter_file_counts_every_hit_of_every_process_once(tmp_path):
    import multiprocessing
    import time

    from service.limits_sqlite import SQLiteStorage

    path = str(tmp_path / "limits.sqlite")
    SQLiteStorage(f"encadena+sqlite://{path}")  # the table, before the processes race to make it
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        seen = [v for values in pool.starmap(_increment, [(path, 150)] * 4) for v in values]
    assert sorted(seen) == list(range(1, 601)), "each increment saw its own count, none lost or repeated"
    storage = SQLiteStorage(f"encadena+sqlite://{path}")
    assert storage.get("shared-key") == 600
    assert storage.incr("short", 1) == 1 and storage.incr("short", 1) == 2
    time.sleep(1.1)  # the one-second window has ended: counting starts again
    assert storage.get("short") == 0 and storage.incr("short", 1) == 1
