"""gunicorn settings for Encadena: loopback by default, stateless workers, driver made after fork."""

import gc
import logging
import os
import shutil
import tempfile

from application.settings import Settings

_settings = Settings()
bind = f"{_settings.host}:{_settings.port}"
# Matching is CPU-bound Python: a process per core plus one, four threads each for I/O waits. With
# connections spread evenly (service/gunicorn_worker.py), two threads and four gave the same
# throughput and p99 under 20 users at 100,000 firms.
workers = _settings.web_concurrency
# gthread, spreading kept-alive connections evenly over the workers (service/gunicorn_worker.py).
worker_class = "service.gunicorn_worker.BalancedThreadWorker"
threads = _settings.gunicorn_threads
timeout = 120
graceful_timeout = 20
# Never preload: each worker opens its own Neo4j driver (and loads the ranker) after the fork.
preload_app = False
accesslog = "-"
errorlog = "-"
loglevel = _settings.log_level


def when_ready(server):
    """In the master, before it forks the workers: a directory where the workers tell each other whether
    they are warm (``/readyz`` waits for all of them), and every candidate query shape planned once
    (``application.warmup.warm_plans``) so the workers, warming at once, find the plans made."""
    from application.warmup import WORKERS_DIR_ENV

    os.environ[WORKERS_DIR_ENV] = tempfile.mkdtemp(prefix="encadena-workers-")
    if not _settings.warm_workers:
        return
    from application.warmup import warm_plans
    from graph_schema.driver import graph_from_settings

    log = logging.getLogger("gunicorn.error")
    try:
        # Its own driver, closed before the fork: each worker opens its own afterwards.
        with graph_from_settings(_settings) as graph:
            done = warm_plans(graph)
    except Exception as exc:  # noqa: BLE001 - Neo4j not up yet: the workers warm (or not) on their own
        log.warning("Query plans not warmed before the workers start: %s", exc)
        return
    log.info("Query plans warmed before the workers start: %s", done)


def post_fork(server, worker):
    from application.warmup import record_worker_state

    record_worker_state(worker.pid, "warming" if _settings.warm_workers else "warm")


def on_exit(server):
    from application.warmup import WORKERS_DIR_ENV

    shutil.rmtree(os.environ.get(WORKERS_DIR_ENV, ""), ignore_errors=True)


def post_worker_init(worker):
    """Warm the worker before it accepts a connection (``service.warmup``: catalog, model, planner
    counts, every candidate query shape planned, a sample of open needs ranked), so the first requests
    after a restart are no slower than the rest; then exempt what it built (Flask app, scikit-learn,
    numpy, pydantic models, the warm caches) from the cyclic garbage collector: its full collections
    then walk only what requests create. Without it, an occasional full collection during a match
    request added 10-30 ms (the p95 tail).
    """
    from application.warmup import record_worker_state
    from service.warmup import warm_worker

    if _settings.warm_workers:
        warm_worker(worker.wsgi, tick=worker.notify)
    record_worker_state(worker.pid, "warm")
    gc.freeze()


def on_starting(server):
    """In the master: the board on which the workers count their connections, shared by every fork."""
    from service.gunicorn_worker import BalancedThreadWorker, ConnectionBoard

    BalancedThreadWorker.board = ConnectionBoard()


def pre_fork(server, worker):
    """In the master: the worker's slot on the board (one no live worker holds)."""
    from service.gunicorn_worker import BalancedThreadWorker

    if BalancedThreadWorker.board is not None:
        worker.slot = BalancedThreadWorker.board.claim(w.slot for w in server.WORKERS.values())


def child_exit(server, worker):
    """In the master: a worker gone no longer counts as the least loaded."""
    from service.gunicorn_worker import BalancedThreadWorker

    if BalancedThreadWorker.board is not None and worker.slot is not None:
        BalancedThreadWorker.board.clear(worker.slot)


# A kept-alive connection is closed after this many requests, as nginx's ``keepalive_requests`` does
# (and at its default), so a split of connections that drifted (clients gone) evens out as clients
# reconnect: to the least loaded worker (service/gunicorn_worker.py). Not much lower: gthread closes a
# connection on its event loop, waiting for the client's side of the close.
KEEPALIVE_REQUESTS = 1000


def pre_request(worker, req):
    """Answer with ``Connection: close`` once a connection has carried ``KEEPALIVE_REQUESTS`` requests."""
    if req.req_number >= KEEPALIVE_REQUESTS:
        req.must_close = True
