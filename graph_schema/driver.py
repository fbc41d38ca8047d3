"""The one way Encadena opens a Neo4j driver (service workers and command-line jobs alike)."""

from __future__ import annotations

from neo4j import Driver, GraphDatabase

# Fail fast when Neo4j is down: the API answers 503 within a few seconds instead of hanging.
CONNECTION_TIMEOUT_S = 3.0
CONNECTION_ACQUISITION_TIMEOUT_S = 5.0
MAX_TRANSACTION_RETRY_TIME_S = 5.0


def make_driver(uri: str, user: str, password: str, **options) -> Driver:
    """A driver for ``bolt://`` or ``neo4j://`` (cluster routing) URIs with Encadena's timeouts."""
    defaults = {
        "connection_timeout": CONNECTION_TIMEOUT_S,
        "connection_acquisition_timeout": CONNECTION_ACQUISITION_TIMEOUT_S,
        "max_transaction_retry_time": MAX_TRANSACTION_RETRY_TIME_S,
        "user_agent": "encadena/0.1",
        # Unknown-label warnings on an empty graph are noise in logs, not problems.
        "notifications_min_severity": "OFF",
    }
    return GraphDatabase.driver(uri, auth=(user, password), **{**defaults, **options})
