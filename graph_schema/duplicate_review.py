"""The duplicate review queue as advisors work it: every open pair with where its firms are and which centers
they belong to (for the filters), and one pair's two firms side by side with what an advisor weighs.

A firm belongs to a center when an advisor of that center advised it or it is party to an alliance of
a project the center runs. Open pairs are a few hundred to a few thousand, so the queue reads them
all in one query and ``application.duplicate_review`` filters, counts and pages them.
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import RoutingControl

from graph_schema.driver import Graph
from graph_schema.firms import FIRM_PROJECTION

OPEN_PAIR_KEYS: LiteralString = """
MATCH (d:DuplicateCandidate {status: 'open'})-[:CANDIDATE]->(f:Firm)
OPTIONAL MATCH (f)-[:LOCATED_IN]->(c:Comuna)
WITH d, collect(f) AS firms, collect(c.cut) AS comunas, collect(c.region_cut) AS regions
WHERE size(firms) = 2
RETURN d.id AS id, d.score AS score, comunas, regions,
       COLLECT { UNWIND firms AS f
                 CALL (f) {
                   MATCH (f)<-[:ADVISED]-(:Advisor)-[:WORKS_AT]->(ce:Center) RETURN ce.id AS center
                   UNION
                   MATCH (f)-[:PARTY_TO]->(:Alliance)-[:PART_OF]->(:Project)-[:RUN_BY]->(ce:Center)
                   RETURN ce.id AS center
                 }
                 RETURN DISTINCT center } AS centers
ORDER BY score DESC, id
"""

PAIR_SUMMARIES: LiteralString = """
UNWIND $ids AS id
MATCH (d:DuplicateCandidate {id: id})
RETURN d {.id, .score, .evidence,
          firms: COLLECT { MATCH (d)-[:CANDIDATE]->(f:Firm)
                           RETURN f {.rut, .name,
                                     comuna: COLLECT { MATCH (f)-[:LOCATED_IN]->(c:Comuna) RETURN c.name LIMIT 1 }[0]}
                           ORDER BY f.created_at, f.rut }} AS pair
"""

# Both firms of a pair, the first registered first, with all an advisor compares.
PAIR_SIDES: LiteralString = """
MATCH (d:DuplicateCandidate {id: $id})-[:CANDIDATE]->(f:Firm)
WITH f ORDER BY f.created_at, f.rut
RETURN """ + FIRM_PROJECTION + """ AS firm,
  COUNT { (f)-[:PARTY_TO]->(:Alliance) } AS alliance_count,
  COLLECT { MATCH (f)-[:PARTY_TO]->(a:Alliance)
            RETURN a {.id, .status, .origin, created_at: toString(a.created_at),
                      buyer: COLLECT { MATCH (b:Buyer)-[:PARTY_TO]->(a) RETURN b.name LIMIT 1 }[0],
                      project: COLLECT { MATCH (a)-[:PART_OF]->(p:Project) RETURN p.name LIMIT 1 }[0]}
            ORDER BY a.created_at DESC LIMIT $shown } AS alliances,
  COUNT { (:Proposal)-[:OF]->(f) } AS proposal_count,
  COLLECT { MATCH (p:Proposal)-[:OF]->(f) MATCH (p)-[:FOR]->(n:Need)
            RETURN p {.id, .status, need: n.title, created_at: toString(p.created_at)}
            ORDER BY p.created_at DESC LIMIT $shown } AS proposals,
  COLLECT { MATCH (adv:Advisor)-[r:ADVISED]->(f)
            RETURN {advisor: adv.name, sessions: r.sessions, hours: toFloat(r.hours),
                    center: COLLECT { MATCH (adv)-[:WORKS_AT]->(c:Center) RETURN c.name LIMIT 1 }[0]}
            ORDER BY r.hours DESC LIMIT $shown } AS advised
"""


def open_pair_keys(driver: Graph) -> list[dict]:
    """``{"id", "score", "comunas", "regions", "centers"}`` of every open pair, best first."""
    records, _, _ = driver.execute_query(OPEN_PAIR_KEYS, routing_=RoutingControl.READ)
    return [dict(r) for r in records]


def pair_summaries(driver: Graph, ids: list[str]) -> list[dict]:
    """Score, evidence and the two firms' names and comunas of these pairs, in the order given."""
    records, _, _ = driver.execute_query(PAIR_SUMMARIES, ids=ids, routing_=RoutingControl.READ)
    return [r["pair"] for r in records]


def pair_sides(driver: Graph, cid: str, shown: int = 5) -> list[dict]:
    """The pair's two firms (first registered first): profile, alliances, proposals, advisory sessions."""
    records, _, _ = driver.execute_query(PAIR_SIDES, id=cid, shown=shown, routing_=RoutingControl.READ)
    return [{**r["firm"], "alliance_count": r["alliance_count"], "alliances": r["alliances"],
             "proposal_count": r["proposal_count"], "proposals": r["proposals"], "advised": r["advised"]}
            for r in records]
