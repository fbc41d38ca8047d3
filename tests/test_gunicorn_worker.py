"""Client connections spread evenly over gunicorn's workers (service/gunicorn_worker.py), and
kept-alive connections closed after ``KEEPALIVE_REQUESTS`` requests (service/gunicorn_conf.py).

With gunicorn's plain ``gthread`` worker, twelve connections opened one after another went 6/5/1 and
six went 3/2/1:
the worker that had just answered was awake and tended to accept the next one first.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import time

import pytest

from scripts.bench_load import connections_per_worker
from service import gunicorn_worker
from service.gunicorn_conf import KEEPALIVE_REQUESTS
from service.gunicorn_worker import EMPTY, STALE_S, ConnectionBoard
from tests.conftest import Gunicorn, app_env
from tests.helpers import wait_until

WORKERS = 3


# -- the board --------------------------------------------------------------------------------------

def test_a_claimed_slot_is_the_lowest_free_one_and_counts_only_once_published():
    board = ConnectionBoard(slots=4)
    assert board.claim([]) == 0
    board.publish(0, 5)
    assert board.claim([0, None]) == 1
    assert board.counts() == [5] and board.least() == 5  # slot 1 warms up: not counted yet
    board.publish(1, 2)
    assert board.least() == 2
    board.clear(1)
    assert board.least() == 5
    # A slot left by a dead worker is claimed again, and its old count no longer counts.
    board.publish(2, 0)
    assert board.claim([0, 1]) == 2 and board.counts() == [5]
    # All taken (a reload starts a new set beside the old one): no slot, and that worker accepts freely.
    assert board.claim([0, 1, 2, 3]) is None


def test_an_empty_board_lets_every_worker_accept():
    assert ConnectionBoard(slots=2).least() == 0


def test_a_count_not_refreshed_for_a_while_no_longer_counts(monkeypatch):
    board = ConnectionBoard(slots=3)
    board.publish(0, 0)  # a worker that then hangs: its 0 would keep the others from ever accepting
    board.publish(1, 4)
    later_ms = gunicorn_worker._now_ms() + int((STALE_S + 0.5) * 1000)
    monkeypatch.setattr(gunicorn_worker, "_now_ms", lambda: later_ms)
    board.publish(1, 4)
    assert board.counts() == [4] and board.least() == 4


def test_counts_written_by_a_forked_child_are_read_by_its_parent():
    board = ConnectionBoard(slots=3)
    pid = os.fork()
    if pid == 0:  # the child: a worker after gunicorn's fork
        board.publish(2, 7)
        os._exit(0)
    os.waitpid(pid, 0)
    assert board.counts() == [7]
    assert EMPTY not in board.counts()


# -- a live gunicorn ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(driver, settings, data_dir, job_worker, tmp_path_factory):
    # Connections stay open while the test opens the others (gunicorn closes idle ones after 2 s).
    env = {**app_env(settings, data_dir), "GUNICORN_CMD_ARGS": "--keep-alive 60"}
    gunicorn = Gunicorn(env, tmp_path_factory.mktemp("balance"), workers=WORKERS)
    gunicorn.wait("/readyz")
    yield gunicorn
    gunicorn.stop()


def _connect_and_ask(server: Gunicorn) -> http.client.HTTPConnection:
    time.sleep(0.05)  # one after another, as clients arrive (not a burst)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/healthz")
    response = conn.getresponse()
    response.read()
    assert response.status == 200
    return conn


def _assert_spread(server: Gunicorn, count: int) -> None:
    """Open ``count`` connections one after another; every worker then holds within one of the others."""
    conns = [_connect_and_ask(server) for _ in range(count)]
    try:
        held = wait_until(lambda: h if sum(h := connections_per_worker(server.workers(), server.port)) == len(conns)
                          else None, 10, step=0.2)
        assert len(held) == WORKERS and max(held) - min(held) <= 1, held
    finally:
        for conn in conns:
            conn.close()


def test_connections_opened_one_after_another_are_spread_over_the_workers(server):
    _assert_spread(server, 5 * WORKERS)


def test_a_kept_alive_connection_is_closed_by_the_server_after_its_last_request(server):
    headers = []
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        for _ in range(KEEPALIVE_REQUESTS):
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            response = http.client.HTTPResponse(sock)
            response.begin()
            response.read()
            headers.append(response.getheader("Connection"))
        assert sock.recv(1) == b"", "the server closed its side"
    assert headers[:-1] == ["keep-alive"] * (KEEPALIVE_REQUESTS - 1)
    assert headers[-1] == "close"


def test_after_a_worker_is_killed_new_connections_are_answered_and_spread_again(server):
    before = wait_until(lambda: w if len(w := server.workers()) == WORKERS else None, 30, step=0.2)
    os.kill(before[0], signal.SIGKILL)
    # The master replaces it; its slot on the board is claimed afresh (its old count gone).
    wait_until(lambda: (w if len(w := set(server.workers())) == WORKERS and before[0] not in w else None), 60,
               step=0.2)
    wait_until(lambda: server_ready(server), 60, step=0.2)
    _assert_spread(server, 2 * WORKERS)


def server_ready(server: Gunicorn) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        conn.request("GET", "/readyz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()
