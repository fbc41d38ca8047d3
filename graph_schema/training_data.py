"""The ranker's labels, read from the graph: decided proposals and program alliances per need.

Labels (docs/graph-model.md): a decided proposal is 1 when accepted and 0 when rejected; an
alliance made by the program (not from a proposal) between a buyer and a firm is 1 for the
buyer's needs in the alliance's project posted before it, in the firm's ISIC division. Each need
is read as of just before its first proposal (or alliance), so nothing decided on it feeds its own
features.
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import RoutingControl

from graph_schema.driver import Graph

DECISIONS: LiteralString = """
MATCH (p:Proposal)-[:FOR]->(n:Need)
WHERE p.status IN ['accepted', 'rejected'] AND p.decided_at IS NOT NULL
MATCH (p)-[:OF]->(f:Firm)
RETURN n.id AS need_id, f.rut AS rut, p.status = 'accepted' AS accepted,
       coalesce(p.created_at, p.decided_at).epochSeconds AS proposed, p.decided_at.epochSeconds AS decided
ORDER BY decided, need_id, rut
"""

# A program alliance is evidence for the buyer's needs in the same project, posted before it, that
# ask for what the firm makes (a need sector in the firm's ISIC division, or its section).
PROGRAM_ALLIANCES: LiteralString = """
MATCH (b:Buyer)-[:PARTY_TO]->(a:Alliance)<-[:PARTY_TO]-(f:Firm)
WHERE a.proposal_id IS NULL AND a.created_at IS NOT NULL
MATCH (a)-[:PART_OF]->(project:Project)
MATCH (b)-[:POSTED]->(n:Need {project_id: project.id})
WHERE n.created_at <= a.created_at AND EXISTS {
  MATCH (n)-[:IN_SECTOR]->(wanted:Sector), (f)-[:OPERATES_IN]->(made:Sector)
  WHERE left(made.code, 2) = left(wanted.code, 2) OR wanted.code = made.section
}
RETURN n.id AS need_id, f.rut AS rut, true AS accepted, a.created_at.epochSeconds AS proposed,
       a.created_at.epochSeconds AS decided
ORDER BY decided, need_id, rut
"""


def labeled_rows(driver: Graph) -> list[dict]:
    """Decisions and program alliances, oldest first (a proposal wins over an alliance for the same firm)."""
    decisions, _, _ = driver.execute_query(DECISIONS, routing_=RoutingControl.READ)
    alliances, _, _ = driver.execute_query(PROGRAM_ALLIANCES, routing_=RoutingControl.READ)
    proposed = {(r["need_id"], r["rut"]) for r in decisions}
    rows = [dict(r) for r in decisions]
    rows += [dict(r) for r in alliances if (r["need_id"], r["rut"]) not in proposed]
    rows.sort(key=lambda r: (r["decided"], r["need_id"], r["rut"]))
    return rows
