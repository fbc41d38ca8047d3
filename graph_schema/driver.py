"""The one way Encadena opens Neo4j: a driver bound to one database (``Graph``), for every process.

The official driver has no default database, so ``Graph`` names it on every ``execute_query`` and
every session: on a cluster or Aura that also spares the driver a home-database lookup per query.
Repositories take a ``Graph`` and use only ``execute_query`` and ``session``, as with a driver.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar, Token
from typing import Any, LiteralString

from neo4j import Bookmarks, Driver, GraphDatabase, Query, RoutingControl, Session
from neo4j.api import BookmarkManager

# Fail fast when Neo4j is down: the API answers 503 within a few seconds instead of hanging.
CONNECTION_TIMEOUT_S = 3.0
CONNECTION_ACQUISITION_TIMEOUT_S = 5.0
MAX_TRANSACTION_RETRY_TIME_S = 5.0
DEFAULT_DATABASE = "neo4j"


# The bookmarks a unit of work (a web request) reads after: set by ``use_bookmarks``, used by every
# query and session of that context, so a read waits until the writes it names are visible.
_BOOKMARKS: ContextVar[BookmarkManager | None] = ContextVar("encadena_bookmarks", default=None)


def use_bookmarks(initial: Iterable[str] = ()) -> tuple[BookmarkManager, Token]:
    """Make this context's queries causally follow ``initial`` (bookmarks a client sent back) and
    each other; the manager then holds the bookmarks of the context's own writes."""
    manager = GraphDatabase.bookmark_manager(initial_bookmarks=Bookmarks.from_raw_values(list(initial)))
    return manager, _BOOKMARKS.set(manager)


def stop_using_bookmarks(token: Token) -> None:
    _BOOKMARKS.reset(token)


class Graph:
    """A ``neo4j.Driver`` bound to one database.

    Parameters
    ----------
    driver : neo4j.Driver
        The process's driver (thread-safe; one per process, never shared across a fork).
    database : str
        Named on every query and session.
    query_timeout : float, optional
        Seconds a single ``execute_query`` may run before Neo4j cancels it (the web sets it; jobs rely on
        the server's ``db.transaction.timeout``).
    """

    def __init__(self, driver: Driver, database: str = DEFAULT_DATABASE, query_timeout: float | None = None):
        self.driver = driver
        self.database = database
        self.query_timeout = query_timeout

    def execute_query(self, query: LiteralString | Query, parameters: dict[str, Any] | None = None,
                      routing_: RoutingControl = RoutingControl.WRITE, **kwargs: Any):
        """``Driver.execute_query`` on this graph's database (a managed, retried transaction)."""
        if self.query_timeout and isinstance(query, str):
            query = Query(query, timeout=self.query_timeout)
        manager = _BOOKMARKS.get()
        if manager is not None:
            kwargs.setdefault("bookmark_manager_", manager)
        return self.driver.execute_query(query, parameters, routing_=routing_, database_=self.database, **kwargs)

    def session(self, **config: Any) -> Session:
        """A session on this graph's database, for units of work (``execute_read``/``execute_write``)."""
        config.setdefault("database", self.database)
        manager = _BOOKMARKS.get()
        if manager is not None and "bookmarks" not in config:
            config.setdefault("bookmark_manager", manager)
        return self.driver.session(**config)

    def verify_connectivity(self) -> None:
        self.driver.verify_connectivity()

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_graph(uri: str, user: str, password: str, database: str = DEFAULT_DATABASE, *,
               query_timeout: float | None = None, **options: Any) -> Graph:
    """A ``Graph`` for ``bolt://`` or ``neo4j://`` (cluster routing) URIs with Encadena's timeouts."""
    defaults = {
        "connection_timeout": CONNECTION_TIMEOUT_S,
        "connection_acquisition_timeout": CONNECTION_ACQUISITION_TIMEOUT_S,
        "max_transaction_retry_time": MAX_TRANSACTION_RETRY_TIME_S,
        "user_agent": "encadena/0.1",
        # Unknown-label warnings on an empty graph are noise in logs, not problems.
        "notifications_min_severity": "OFF",
    }
    driver = GraphDatabase.driver(uri, auth=(user, password), **{**defaults, **options})
    return Graph(driver, database, query_timeout)


def graph_from_settings(settings, **options: Any) -> Graph:
    """A ``Graph`` for ``application.settings.Settings`` (any object with its ``neo4j_*`` fields)."""
    return make_graph(settings.neo4j_uri, settings.neo4j_username, settings.neo4j_password,
                      settings.neo4j_database, **options)
