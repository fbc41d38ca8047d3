"""gunicorn settings for Encadena: loopback by default, stateless workers, driver made after fork."""

import gc

from application.settings import Settings

_settings = Settings()
bind = f"{_settings.host}:{_settings.port}"
# Matching is CPU-bound Python: a process per core plus one, a few threads each for I/O waits.
workers = _settings.web_concurrency
worker_class = "gthread"
threads = _settings.gunicorn_threads
timeout = 120
graceful_timeout = 20
# Never preload: each worker opens its own Neo4j driver (and loads the ranker) after the fork.
preload_app = False
accesslog = "-"
errorlog = "-"
loglevel = _settings.log_level


def post_worker_init(worker):
    """Warm the worker before it accepts a connection (``service.warmup``: catalog, model, planner
    counts, every candidate query shape planned, a sample of open needs ranked), so the first requests
    after a restart are no slower than the rest; then exempt what it built (Flask app, scikit-learn,
    numpy, pydantic models, the warm caches) from the cyclic garbage collector: its full collections
    then walk only what requests create. Without it, an occasional full collection during a match
    request added 10-30 ms (the p95 tail).
    """
    from service.warmup import warm_worker

    if _settings.warm_workers:
        warm_worker(worker.wsgi, tick=worker.notify)
    gc.freeze()
