"""Warming a just-started Neo4j: its page cache (the firm graph) and its query plans, and the record of it.

Right after a start, Neo4j's page cache is empty and its plan cache too: the first match requests read
the store page by page and plan every query shape, seconds each. ``PAGE_CACHE_WARMERS`` read what
match requests and firm searches read (every firm with its properties, its relationships with theirs,
the nodes at their other end) once, sequentially; ``encadena neo4j start`` runs them before it returns.

While that runs a ``CacheWarmup`` node says so, keyed by the database's start time, so ``/readyz``
answers "warming" for this start of the database and not for a later one (a crash mid-warm-up leaves a
record that the next start no longer matches).
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import RoutingControl

from graph_schema.driver import Graph

# Each reads one part of the store end to end; the aggregate keeps the answer one row.
PAGE_CACHE_WARMERS: tuple[tuple[str, LiteralString], ...] = (
    ("empresas", "MATCH (f:Firm) RETURN count(properties(f)) AS n"),
    ("relaciones de las empresas",
     "MATCH (f:Firm)-[r]-(x) RETURN count(properties(r)) + count(properties(x)) AS n"),
    ("comunas, rubros y certificaciones",
     "CALL () { MATCH (c:Comuna) RETURN count(properties(c)) AS n UNION ALL "
     "MATCH (s:Sector) RETURN count(properties(s)) AS n UNION ALL "
     "MATCH (c:Certification) RETURN count(properties(c)) AS n } RETURN sum(n) AS n"),
    ("necesidades y compradores",
     "CALL () { MATCH (n:Need)-[r]-(x) RETURN count(properties(n)) + count(properties(x)) AS n UNION ALL "
     "MATCH (b:Buyer)-[r]-(x) RETURN count(properties(b)) + count(properties(x)) AS n } RETURN sum(n) AS n"),
    ("índice de texto de empresas",
     "CALL db.index.fulltext.queryNodes('firm_text', 'cooperativa OR comercial OR servicios') "
     "YIELD node RETURN count(properties(node)) AS n"),
)

# When the database (this start of it) began; the warm-up record is keyed by it.
DATABASE_STARTED: LiteralString = "SHOW DATABASE $name YIELD lastStartTime RETURN toString(lastStartTime) AS started"

MARK_WARMING: LiteralString = """
MERGE (w:CacheWarmup {id: 'page_cache'})
SET w.database_started = $started, w.state = 'warming', w.started_at = datetime(), w.finished_at = null,
    w.seconds = null
"""
MARK_WARM: LiteralString = """
MATCH (w:CacheWarmup {id: 'page_cache'}) WHERE w.database_started = $started
SET w.state = 'warm', w.finished_at = datetime(), w.seconds = $seconds
"""
WARMUP_STATE: LiteralString = """
MATCH (w:CacheWarmup {id: 'page_cache'}) RETURN w.database_started AS started, w.state AS state
"""


def database_started(graph: Graph) -> str | None:
    """When the graph's database last started (None where the server does not say, e.g. without rights)."""
    records, _, _ = graph.driver.execute_query(DATABASE_STARTED, name=graph.database, database_="system",
                                               routing_=RoutingControl.READ)
    return records[0]["started"] if records else None


def mark_warming(graph: Graph, started: str | None) -> None:
    graph.execute_query(MARK_WARMING, started=started)


def mark_warm(graph: Graph, started: str | None, seconds: float) -> None:
    graph.execute_query(MARK_WARM, started=started, seconds=round(seconds, 1))


def warmup_state(graph: Graph, started: str | None) -> str | None:
    """'warming' while this start of the database is being warmed, 'warm' after; None when unknown."""
    records, _, _ = graph.execute_query(WARMUP_STATE, routing_=RoutingControl.READ)
    if not records or records[0]["started"] != started:
        return None
    return records[0]["state"]


def run_warmer(graph: Graph, query: LiteralString) -> int:
    records, _, _ = graph.execute_query(query, routing_=RoutingControl.READ)
    return int(records[0]["n"] or 0)
