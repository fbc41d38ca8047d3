"""What a batch report reads: the open needs in scope and each need's match inputs, in batches.

The match inputs are the very ones ``GET /needs/{id}/matches`` uses (``graph_schema.candidates``:
the need context, the capped candidate set, the short-list diagnostics), fetched outside Flask
with a fixed ``as_of`` so that a report is reproducible. Need contexts are read for a whole batch
of needs in one query (the single-need ``NEED_CONTEXT`` under an ``UNWIND``).

Candidates are not read with one query per need: ``FIRM_TABLE`` reads, once per report, every
firm the scope's search areas cover with the candidate query's projection, and
``matching.reports.FirmTable`` applies the candidate rule to it for each need (a test checks it
against ``graph_schema.candidates.CANDIDATES``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import LiteralString

from neo4j import Driver, RoutingControl

from graph_schema.candidates import CANDIDATE_LIST, NEED_CONTEXT, diagnose_pool
from matching.candidates import CANDIDATE_CAP, SearchArea, search_area
from matching.catalog import Catalog
from matching.features import NeedContext, need_context
from matching.reports import FirmTable

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


@dataclass
class MatchInputs:
    """Everything ``matching.reports.need_result`` takes for one need."""

    context: NeedContext | None   # None: the need has no valid comuna, matching cannot run
    area: SearchArea | None
    candidates: list[dict]
    extras: list[dict]
    diagnostics: dict | None


def scope_needs(driver: Driver, *, region: str | None, center: str | None, project_kind: str | None,
                buyer: str | None) -> list[dict]:
    """The open needs in scope, by id."""
    records, _, _ = driver.execute_query(
        SCOPE_NEEDS, region=region, center=center, project_kind=project_kind, buyer=buyer,
        routing_=RoutingControl.READ,
    )
    return [r["need"] for r in records]


def list_centers(driver: Driver) -> list[dict]:
    records, _, _ = driver.execute_query(CENTERS, routing_=RoutingControl.READ)
    return [dict(r) for r in records]


def buyer_exists(driver: Driver, rut: str) -> bool:
    records, _, _ = driver.execute_query(BUYER_EXISTS, rut=rut, routing_=RoutingControl.READ)
    return bool(records[0]["found"])


def fetch_need_contexts(driver: Driver, need_ids: list[str]) -> dict[str, dict]:
    """``need_id -> {"need", "buyer"}`` (as ``graph_schema.candidates.fetch_need_context``) in one query."""
    records, _, _ = driver.execute_query(NEED_CONTEXTS, need_ids=need_ids, routing_=RoutingControl.READ)
    return {r["need"]["id"]: {"need": r["need"], "buyer": r["buyer"]} for r in records}


def scope_area(catalog: Catalog, needs: list[dict]) -> tuple[list[str], list[str]]:
    """``(codes, cuts)``: every ISIC class and comuna the search areas of ``needs`` (scope rows) cover."""
    codes: set[str] = set()
    cuts: set[str] = set()
    for need in needs:
        if need.get("comuna_cut") not in catalog.comunas:
            continue
        area = search_area(catalog, need["comuna_cut"], float(need.get("radius_km") or 0.0),
                           tuple(need.get("sectors") or ()))
        codes.update(area.codes)
        cuts.update(area.cuts)
    return sorted(codes), sorted(cuts)


def fetch_firm_table(driver: Driver, codes: list[str], cuts: list[str], threads: int = 2) -> FirmTable:
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


def fetch_match_inputs(driver: Driver, catalog: Catalog, table: FirmTable, need_ids: list[str], as_of: float,
                       limit: int) -> dict[str, MatchInputs]:
    """The match endpoint's inputs for each need, read as of ``as_of`` (epoch seconds).

    Candidates come from ``table`` (``FirmTable.select``: the candidate query's rule); the need
    contexts from one query for all ``need_ids``; short lists get the endpoint's diagnostics.
    """
    contexts = fetch_need_contexts(driver, need_ids)
    out: dict[str, MatchInputs] = {}
    for need_id in need_ids:
        found = contexts.get(need_id)
        if found is None or found["need"].get("comuna") not in catalog.comunas:
            out[need_id] = MatchInputs(None, None, [], [], None)
            continue
        ctx = need_context(found, as_of=as_of)
        area = search_area(catalog, ctx.comuna, ctx.radius_km, ctx.sectors)
        candidates, extras = table.select(ctx, area, CANDIDATE_CAP)
        diagnostics = None
        if len(candidates) < limit:
            diagnostics = diagnose_pool(driver, origin=ctx.comuna, codes=area.codes, cuts=area.cuts)
        out[need_id] = MatchInputs(ctx, area, candidates, extras, diagnostics)
    return out
