"""Needs as the pages list them: a buyer's needs with their proposals, proposals awaiting the buyer,
and the open needs an advisor filters, with how many needs each filter option leaves.

Filters are closed choices (``NeedFacet``): every facet's count is one query that applies every
other filter and groups by the facet's key, so an option's count is what choosing it would leave.
"""

from __future__ import annotations

from enum import Enum
from typing import LiteralString

from neo4j import RoutingControl

from graph_schema.driver import Graph

MY_NEEDS: LiteralString = """
MATCH (b:Buyer {rut: $buyer})-[:POSTED]->(n:Need)
WITH n ORDER BY CASE n.status WHEN 'open' THEN 0 ELSE 1 END, n.created_at DESC, n.id DESC LIMIT $limit
RETURN n {
  .id, .title, .status, .radius_km, .certifications_mandatory,
  deadline: toString(n.deadline), created_at: toString(n.created_at),
  comuna: COLLECT { MATCH (n)-[:LOCATED_IN]->(c:Comuna) RETURN c {.cut, .name} LIMIT 1 }[0],
  sectors: COLLECT { MATCH (n)-[:IN_SECTOR]->(s:Sector) RETURN s.code ORDER BY s.code },
  required: COLLECT { MATCH (n)-[:REQUIRES]->(c:Certification) RETURN c.code ORDER BY c.code },
  proposals: COUNT { (:Proposal)-[:FOR]->(n) },
  pending: COUNT { (p:Proposal)-[:FOR]->(n) WHERE p.status = 'pending' },
  accepted: COUNT { (p:Proposal)-[:FOR]->(n) WHERE p.status = 'accepted' }
} AS need
"""

# Proposals waiting for the buyer's decision, oldest first (the longest wait comes first).
PENDING_FOR_BUYER: LiteralString = """
MATCH (b:Buyer {rut: $buyer})-[:POSTED]->(n:Need)<-[:FOR]-(p:Proposal {status: 'pending'})
WITH n, p ORDER BY p.created_at, p.id LIMIT $limit
MATCH (p)-[:OF]->(f:Firm)
RETURN p {
  .id, .note, created_at: toString(p.created_at),
  need: n {.id, .title},
  firm: f {.rut, .name},
  advisor: COLLECT { MATCH (a:Advisor)-[:MADE]->(p) RETURN a {.id, .name} LIMIT 1 }[0]
} AS proposal
"""

# The open needs that pass every filter whose parameter is not null. ``$today`` is Chile's date;
# deadline buckets: soon (within 30 days), quarter (31 to 90), later, none (no deadline).
_OPEN_NEEDS: LiteralString = """
MATCH (n:Need {status: 'open'})-[:LOCATED_IN]->(co:Comuna)
WITH n, co, CASE WHEN n.deadline IS NULL THEN 'none'
                 WHEN n.deadline <= date($today) + duration({days: 30}) THEN 'soon'
                 WHEN n.deadline <= date($today) + duration({days: 90}) THEN 'quarter'
                 ELSE 'later' END AS bucket,
            COLLECT { MATCH (pr:Project {id: n.project_id})-[:RUN_BY]->(ce:Center) RETURN ce.id LIMIT 1 }[0]
              AS center_id,
            EXISTS { (:Proposal)-[:FOR]->(n) } AS proposed
WHERE ($region IS NULL OR co.region_cut = $region)
  AND ($center IS NULL OR center_id = $center)
  AND ($division IS NULL OR EXISTS { (n)-[:IN_SECTOR]->(s:Sector) WHERE s.code STARTS WITH $division })
  AND ($deadline IS NULL OR bucket = $deadline)
  AND ($proposed IS NULL OR proposed = $proposed)
"""

OPEN_NEEDS: LiteralString = _OPEN_NEEDS + """
WITH n, co, proposed ORDER BY n.deadline, n.created_at DESC, n.id SKIP $offset LIMIT $limit
RETURN n {
  .id, .title, .radius_km, deadline: toString(n.deadline), created_at: toString(n.created_at),
  buyer: COLLECT { MATCH (b:Buyer)-[:POSTED]->(n) RETURN b {.rut, .name} LIMIT 1 }[0],
  comuna: co {.cut, .name, .region_cut},
  sectors: COLLECT { MATCH (n)-[:IN_SECTOR]->(s:Sector) RETURN s.code ORDER BY s.code },
  required: COLLECT { MATCH (n)-[:REQUIRES]->(c:Certification) RETURN c.code ORDER BY c.code },
  proposals: COUNT { (:Proposal)-[:FOR]->(n) },
  pending: COUNT { (p:Proposal)-[:FOR]->(n) WHERE p.status = 'pending' }
} AS need
"""

OPEN_NEEDS_TOTAL: LiteralString = _OPEN_NEEDS + "RETURN count(n) AS n"


class NeedFacet(Enum):
    """A filter of the open needs, with the query that counts needs per option (others applied)."""

    REGION = "region"
    CENTER = "center"
    DIVISION = "division"
    DEADLINE = "deadline"
    PROPOSED = "proposed"


FACET_QUERIES: dict[NeedFacet, LiteralString] = {
    NeedFacet.REGION: _OPEN_NEEDS + "RETURN co.region_cut AS key, count(n) AS n",
    NeedFacet.CENTER: _OPEN_NEEDS + "WITH center_id, n WHERE center_id IS NOT NULL "
                                    "RETURN center_id AS key, count(n) AS n",
    NeedFacet.DIVISION: _OPEN_NEEDS + """
MATCH (n)-[:IN_SECTOR]->(s:Sector) WHERE s.level <> 'section'
RETURN substring(s.code, 0, 2) AS key, count(DISTINCT n) AS n""",
    NeedFacet.DEADLINE: _OPEN_NEEDS + "RETURN bucket AS key, count(n) AS n",
    NeedFacet.PROPOSED: _OPEN_NEEDS + "RETURN proposed AS key, count(n) AS n",
}


def my_needs(driver: Graph, buyer: str, limit: int) -> list[dict]:
    """The buyer's needs, open ones first, each with its proposals counted by status."""
    records, _, _ = driver.execute_query(MY_NEEDS, buyer=buyer, limit=limit, routing_=RoutingControl.READ)
    return [r["need"] for r in records]


def pending_for_buyer(driver: Graph, buyer: str, limit: int) -> list[dict]:
    records, _, _ = driver.execute_query(PENDING_FOR_BUYER, buyer=buyer, limit=limit, routing_=RoutingControl.READ)
    return [r["proposal"] for r in records]


def _params(filters: dict, today: str, without: NeedFacet | None = None) -> dict:
    params = {facet.value: filters.get(facet.value) for facet in NeedFacet}
    if without is not None:
        params[without.value] = None
    return {**params, "today": today}


def open_needs(driver: Graph, filters: dict, today: str, offset: int, limit: int) -> tuple[list[dict], int]:
    """``(page of open needs by deadline, how many pass the filters)``."""
    params = _params(filters, today)
    records, _, _ = driver.execute_query(OPEN_NEEDS, **params, offset=offset, limit=limit,
                                         routing_=RoutingControl.READ)
    total, _, _ = driver.execute_query(OPEN_NEEDS_TOTAL, **params, routing_=RoutingControl.READ)
    return [r["need"] for r in records], total[0]["n"]


def facet_counts(driver: Graph, facet: NeedFacet, filters: dict, today: str) -> dict:
    """Open needs per option of ``facet`` with every other filter applied."""
    records, _, _ = driver.execute_query(FACET_QUERIES[facet], **_params(filters, today, facet),
                                         routing_=RoutingControl.READ)
    return {r["key"]: r["n"] for r in records}
