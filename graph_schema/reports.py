"""What a batch report reads: the open needs in scope, their contexts in batches, and one firm table.

Need contexts are the match endpoint's ``NEED_CONTEXT`` under an ``UNWIND``, one query per batch of
needs. Candidates are not read with one query per need: ``FIRM_TABLE`` reads, once per report, every
firm the scope's search areas cover with the candidate query's projection, and
``matching.firm_table.FirmTable`` applies the candidate rule to it for each need (a test checks it
against ``graph_schema.candidates.CANDIDATES``). ``application.reports`` assembles the report.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import LiteralString

from neo4j import RoutingControl

from graph_schema.candidates import CANDIDATE_LIST, NEED_CONTEXT
from graph_schema.driver import Graph
from matching.firm_table import FirmTable

# Open needs in scope, in id order, with what the report prints about each. Every filter is
# optional; the center and the project type are those of the need's project.
SCOPE_NEEDS: LiteralString = """
MATCH (n:Need {status: 'open'})
WHERE $buyer IS NULL OR n.buyer_rut = $buyer
OPTIONAL MATCH (n)-[:LOCATED_IN]->(c:Comuna)
WITH n, c WHERE $region IS NULL OR c.region_cut = $region
OPTIONAL MATCH (p:Project {id: n.project_id})
OPTIONAL MATCH (p)-[:RUN_BY]->(ctr:Center)
WITH n, c, p, ctr
WHERE ($project_kind IS NULL OR p.kind = $project_kind) AND ($center IS NULL OR ctr.id = $center)
RETURN n {
  .id, .buyer_rut, .title, .radius_km, .project_id,
  buyer_name: COLLECT { MATCH (b:Buyer {rut: n.buyer_rut}) RETURN b.name LIMIT 1 }[0],
  comuna_cut: c.cut, comuna: c.name, region_cut: c.region_cut,
  sectors: COLLECT { MATCH (n)-[:IN_SECTOR]->(s:Sector) RETURN s.code ORDER BY s.code },
  required: COLLECT { MATCH (n)-[:REQUIRES]->(ce:Certification) RETURN ce.code ORDER BY ce.code },
  project_kind: p.kind, center_id: ctr.id, center: ctr.name
} AS need
ORDER BY n.id
"""

CENTERS: LiteralString = "MATCH (c:Center) RETURN c.id AS id, c.name AS name ORDER BY c.id"

BUYER_EXISTS: LiteralString = "MATCH (b:Buyer {rut: $rut}) RETURN count(b) > 0 AS found"

_SINGLE_NEED: LiteralString = "{id: $need_id}"
# The match endpoint's need-context query, once per need of the batch.
NEED_CONTEXTS: LiteralString = "UNWIND $need_ids AS need_id\n" + NEED_CONTEXT.replace(_SINGLE_NEED, "{id: need_id}")
if NEED_CONTEXT.count("$need_id") != 1 or _SINGLE_NEED not in NEED_CONTEXT:  # pragma: no cover - guards a refactor
    raise RuntimeError("graph_schema.candidates.NEED_CONTEXT changed shape; update NEED_CONTEXTS")

# Every non-large firm located in one of $cuts and operating in one of $codes, with the candidate
# query's projection: the table a report selects each need's candidates from
# (``matching.reports.FirmTable``), instead of one candidate query per need.
FIRM_TABLE: LiteralString = """
MATCH (c:Comuna) WHERE c.cut IN $cuts
MATCH (c)<-[:LOCATED_IN]-(f:Firm)
WHERE f.size_segment <> 'grande'
  AND EXISTS { MATCH (f)-[:OPERATES_IN]->(s:Sector) WHERE s.code IN $codes }
""" + CANDIDATE_LIST
# Comunas per FIRM_TABLE query: the table is read in slices on parallel sessions.
TABLE_SLICE_COMUNAS = 40


def scope_needs(driver: Graph, *, region: str | None, center: str | None, project_kind: str | None,
                buyer: str | None) -> list[dict]:
    """The open needs in scope, by id."""
    records, _, _ = driver.execute_query(
        SCOPE_NEEDS, region=region, center=center, project_kind=project_kind, buyer=buyer,
        routing_=RoutingControl.READ,
    )
    return [r["need"] for r in records]


def list_centers(driver: Graph) -> list[dict]:
    records, _, _ = driver.execute_query(CENTERS, routing_=RoutingControl.READ)
    return [dict(r) for r in records]


def buyer_exists(driver: Graph, rut: str) -> bool:
    records, _, _ = driver.execute_query(BUYER_EXISTS, rut=rut, routing_=RoutingControl.READ)
    return bool(records[0]["found"])


def fetch_need_contexts(driver: Graph, need_ids: list[str]) -> dict[str, dict]:
    """``need_id -> {"need", "buyer"}`` (as ``graph_schema.candidates.fetch_need_context``) in one query."""
    records, _, _ = driver.execute_query(NEED_CONTEXTS, need_ids=need_ids, routing_=RoutingControl.READ)
    return {r["need"]["id"]: {"need": r["need"], "buyer": r["buyer"]} for r in records}


def fetch_firm_table(driver: Graph, codes: list[str], cuts: list[str], threads: int = 2) -> FirmTable:
    """The firms the needs of a report may draw on (``FIRM_TABLE``), read in slices on ``threads`` sessions."""
    if not codes or not cuts:
        return FirmTable([])
    slices = [cuts[i:i + TABLE_SLICE_COMUNAS] for i in range(0, len(cuts), TABLE_SLICE_COMUNAS)]

    def read(part: list[str]) -> list[dict]:
        records, _, _ = driver.execute_query(FIRM_TABLE, cuts=part, codes=codes, routing_=RoutingControl.READ)
        return [firm for r in records for firm in r["candidates"]]

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        rows = [firm for part in pool.map(read, slices) for firm in part]
    return FirmTable(rows)
