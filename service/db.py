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
# A web request retries a failed transaction for at most this long: the driver retries after about
# 1 s (0.8-1.2 with jitter) and gives up once this much time has passed, so with Neo4j down the API
# answers 503 in about a second (a budget of 2 s meant a second retry at about 3 s, up to 3.6 s in all).
# Jobs and the command line keep the driver's default and ride out longer outages.
WEB_RETRY_TIME_S = 0.5


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
                                      query_timeout=self.query_timeout, max_transaction_retry_time=WEB_RETRY_TIME_S)
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
