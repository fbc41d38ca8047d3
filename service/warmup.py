"""A worker warms itself before it takes traffic (gunicorn's ``post_worker_init`` calls ``warm_worker``).

It loads what it keeps between requests (the catalog, the served ranker, the planner's counts) and ranks
a sample of open needs (``application.warmup.warm_matching``). ``/readyz`` says "warming" while a worker
warms (when warming runs beside traffic, as under ``flask run``), while a sibling worker of the same
gunicorn still warms (``application.warmup.siblings_warming``) or while ``encadena neo4j start`` still
warms Neo4j's page cache.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app

from application.warmup import warm_matching
from service.db import get_driver
from service.ranking import current_ranker, planner_counts
from service.reference import get_catalog

log = logging.getLogger(__name__)
_STATE = "encadena.warm_state"


def warm_state() -> str:
    """'cold' (not warmed: it warms on its first requests), 'warming' or 'warm'."""
    return current_app.extensions.get(_STATE, "cold")


def warm_worker(app: Flask, tick: Callable[[], None] = lambda: None) -> dict | None:
    """Warm this process's app; what was done, or None when Neo4j could not be reached (the worker then
    starts cold and answers as it can: 503 while Neo4j is down)."""
    with app.app_context():
        app.extensions[_STATE] = "warming"
        try:
            done = warm_matching(get_driver(), get_catalog(), current_ranker(), planner_counts(), tick=tick)
        except Exception:  # noqa: BLE001 - a worker that cannot warm still serves
            log.warning("Warm-up skipped: Neo4j or its data are not available yet", exc_info=True)
            app.extensions[_STATE] = "cold"
            return None
        app.extensions[_STATE] = "warm"
        log.info("Worker warm: %s", done)
        return done
