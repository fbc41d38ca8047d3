"""Firms as the pages show them: candidate cards, a firm's history (proposals, advisory sessions), and
how many firms each search filter option leaves.

Facet counts group by one filter's key with every other filter applied (``FirmFacet``: a closed
set, one named query each). A search with words re-ranks a bounded set of full-text hits, so its
counts are made from those hits in ``application.firms`` instead.
"""

from __future__ import annotations

from enum import Enum
from typing import LiteralString

from neo4j import RoutingControl

from graph_schema.driver import Graph

# What a candidate card shows beside the ranking: place, size, certifications with dates.
FIRM_CARDS: LiteralString = """
UNWIND $ruts AS rut
MATCH (f:Firm {rut: rut})
RETURN f {
  .rut, .name, .size_segment, .employees, .annual_sales_uf, .products, is_cooperative: f:Cooperative,
  comuna: COLLECT { MATCH (f)-[:LOCATED_IN]->(c:Comuna) RETURN c {.cut, .name, .region_cut} LIMIT 1 }[0],
  certifications: COLLECT { MATCH (f)-[h:HOLDS]->(c:Certification)
                            RETURN {code: c.code, name: c.name, status: h.status,
                                    valid_until: toString(h.valid_until)} ORDER BY c.code },
  advisory_hours: reduce(total = 0.0, h IN [(:Advisor)-[r:ADVISED]->(f) | r.hours] | total + coalesce(h, 0))
} AS firm
"""

# Proposals of a firm (newest first) with their need, buyer, advisor and decision.
FIRM_PROPOSALS: LiteralString = """
MATCH (p:Proposal {firm_rut: $rut})-[:FOR]->(n:Need)
WITH p, n ORDER BY p.created_at DESC, p.id DESC LIMIT $limit
RETURN p {
  .id, .status, .note, .decision_reason, .decided_by_name, .created_by_name,
  created_at: toString(p.created_at), decided_at: toString(p.decided_at),
  need: n {.id, .title, .status},
  buyer: COLLECT { MATCH (b:Buyer)-[:POSTED]->(n) RETURN b {.rut, .name} LIMIT 1 }[0],
  advisor: COLLECT { MATCH (a:Advisor)-[:MADE]->(p) RETURN a {.id, .name} LIMIT 1 }[0]
} AS proposal
"""

FIRM_SESSIONS: LiteralString = """
MATCH (a:Advisor)-[r:ADVISED]->(:Firm {rut: $rut})
RETURN {advisor: a {.id, .name}, center: COLLECT { MATCH (a)-[:WORKS_AT]->(c:Center) RETURN c {.id, .name} LIMIT 1 }[0],
        sessions: r.sessions, hours: toFloat(r.hours), last_recorded_at: toString(r.last_recorded_at),
        last_recorded_by: r.last_recorded_by} AS advised
ORDER BY advised.hours DESC, a.id
"""

# Every firm that passes the filters whose parameters are not null (the API's list filters).
_FIRMS: LiteralString = """
MATCH (f:Firm)-[:LOCATED_IN]->(co:Comuna)
WHERE ($sizes IS NULL OR f.size_segment IN $sizes)
  AND ($cooperative IS NULL OR (f:Cooperative) = $cooperative)
  AND ($comuna IS NULL OR co.cut = $comuna)
  AND ($region IS NULL OR co.region_cut = $region)
  AND ($sector IS NULL OR EXISTS { (f)-[:OPERATES_IN]->(s:Sector) WHERE s.code STARTS WITH $sector })
  AND ($certification IS NULL OR EXISTS {
        (f)-[h:HOLDS]->(:Certification {code: $certification}) WHERE h.status = 'valid' })
"""


class FirmFacet(Enum):
    """A filter of the firm search; its value names the filter's key in ``FirmFilters.resolve``."""

    REGION = "region"
    COMUNA = "comuna"
    SECTOR = "sector"
    SIZE = "sizes"
    CERTIFICATION = "certification"
    COOPERATIVE = "cooperative"


FIRM_FACET_QUERIES: dict[FirmFacet, LiteralString] = {
    FirmFacet.REGION: _FIRMS + "RETURN co.region_cut AS key, count(f) AS n",
    FirmFacet.COMUNA: _FIRMS + "RETURN co.cut AS key, count(f) AS n",
    FirmFacet.SECTOR: _FIRMS + """
MATCH (f)-[:OPERATES_IN]->(s:Sector)
RETURN substring(s.code, 0, 2) AS key, count(DISTINCT f) AS n""",
    FirmFacet.SIZE: _FIRMS + "RETURN f.size_segment AS key, count(f) AS n",
    FirmFacet.CERTIFICATION: _FIRMS + """
MATCH (f)-[h:HOLDS]->(c:Certification) WHERE h.status = 'valid'
RETURN c.code AS key, count(f) AS n""",
    FirmFacet.COOPERATIVE: _FIRMS + "RETURN f:Cooperative AS key, count(f) AS n",
}

FIRMS_TOTAL: LiteralString = _FIRMS + "RETURN count(f) AS n"


def firm_cards(driver: Graph, ruts: list[str]) -> dict[str, dict]:
    """RUT -> card (comuna, size, cooperative, every certification with its status and date)."""
    if not ruts:
        return {}
    records, _, _ = driver.execute_query(FIRM_CARDS, ruts=ruts, routing_=RoutingControl.READ)
    return {r["firm"]["rut"]: r["firm"] for r in records}


def firm_proposals(driver: Graph, rut: str, limit: int) -> list[dict]:
    records, _, _ = driver.execute_query(FIRM_PROPOSALS, rut=rut, limit=limit, routing_=RoutingControl.READ)
    return [r["proposal"] for r in records]


def firm_sessions(driver: Graph, rut: str) -> list[dict]:
    records, _, _ = driver.execute_query(FIRM_SESSIONS, rut=rut, routing_=RoutingControl.READ)
    return [r["advised"] for r in records]


def _params(filters: dict, without: FirmFacet | None = None) -> dict:
    params = {facet.value: filters.get(facet.value) for facet in FirmFacet}
    if without is not None:
        params[without.value] = None
    return params


def firm_facet_counts(driver: Graph, facet: FirmFacet, filters: dict) -> dict:
    """Firms per option of ``facet`` with every other filter applied."""
    records, _, _ = driver.execute_query(FIRM_FACET_QUERIES[facet], **_params(filters, facet),
                                         routing_=RoutingControl.READ)
    return {r["key"]: r["n"] for r in records}


def firms_total(driver: Graph, filters: dict) -> int:
    records, _, _ = driver.execute_query(FIRMS_TOTAL, **_params(filters), routing_=RoutingControl.READ)
    return records[0]["n"]
