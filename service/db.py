"""The graph (a Neo4j driver bound to its database) of one process: created lazily after gunicorn forks,
closed at exit."""

from __future__ import annotations

import atexit
import logging
import os

from flask import Flask, current_app
from neo4j.exceptions import Neo4jError, ServiceUnavailable

from graph_schema.driver import Graph, make_graph

log = logging.getLogger(__name__)
_EXTENSION = "encadena.neo4j"
# A web request retries a failed transaction quickly and briefly: the first retry after about 50 ms
# (±20% jitter), each next one after twice as long. The driver times from the end of the first try
# and, after each failed one, tries again only while less than ``WEB_RETRY_TIME_S`` has passed: with
# 0.25 s that is four tries (at ~0, 0.05, 0.15 and 0.35 s; the fourth starts after 0.28 s at the
# earliest). So a deadlock between two writers costs a request ~50 ms, not the driver's default 1 s,
# and with Neo4j down (a refused connection fails at once) the API answers 503 in ~0.35-0.45 s; a host
# that does not answer at all costs two connection timeouts (2 x 3 s). That matters beyond the one
# request: while a request sleeps between tries it holds a gunicorn thread, and with the driver's 1 s
# first delay two threads per worker were all asleep and /healthz waited over a second. Jobs and the
# command line keep the driver's defaults and ride out longer outages.
# ``initial_retry_delay`` is one of the driver's undocumented options (neo4j 6.4, pinned in uv.lock);
# tests/test_neo4j_down.py checks that the web driver carries it and times the 503.
WEB_RETRY_TIME_S = 0.25
WEB_INITIAL_RETRY_DELAY_S = 0.05


class Neo4jExtension:
    """Holds one driver per process (a fork gets its own), keyed by pid."""

    def __init__(self, uri: str, user: str, password: str, database: str, query_timeout: float | None = None):
        self.uri, self.user, self.password, self.database = uri, user, password, database
        self.query_timeout = query_timeout
        self._driver: Graph | None = None
        self._pid: int | None = None
        atexit.register(self.close)

    @property
    def driver(self) -> Graph:
        if self._driver is None or self._pid != os.getpid():
            # Never reuse a driver created before a fork: its sockets belong to the parent.
            self._driver = make_graph(self.uri, self.user, self.password, self.database,
                                      query_timeout=self.query_timeout, max_transaction_retry_time=WEB_RETRY_TIME_S,
                                      initial_retry_delay=WEB_INITIAL_RETRY_DELAY_S)
            self._pid = os.getpid()
        return self._driver

    def close(self) -> None:
        if self._driver is not None and self._pid == os.getpid():
            self._driver.close()
        self._driver = None


def init_app(app: Flask) -> None:
    """Register the extension; the driver itself is created on first use in each process."""
    app.extensions[_EXTENSION] = Neo4jExtension(
        app.config["NEO4J_URI"], app.config["NEO4J_USERNAME"], app.config["NEO4J_PASSWORD"],
        app.config["NEO4J_DATABASE"], app.config.get("QUERY_TIMEOUT_SECONDS"),
    )


def get_driver() -> Graph:
    return current_app.extensions[_EXTENSION].driver


def check_connectivity(app: Flask) -> bool:
    """True when Neo4j answers; the app still starts (and answers 503) when it does not."""
    try:
        app.extensions[_EXTENSION].driver.verify_connectivity()
    except (ServiceUnavailable, Neo4jError, OSError) as exc:
        log.warning("Neo4j at %s is not reachable yet: %s", app.config["NEO4J_URI"], exc)
        return False
    return True
