"""What a batch report reads: the open needs in scope and each need's match inputs, in batches.

The match inputs are the very ones ``GET /needs/{id}/matches`` uses (``graph_schema.candidates``:
the need context, the capped candidate set, the short-list diagnostics), fetched outside Flask
with a fixed ``as_of`` so that a report is reproducible. Need contexts are read for a whole batch
of needs in one query (the single-need ``NEED_CONTEXT`` under an ``UNWIND``).

For needs whose certifications are mandatory, ``EXCLUDED_IN_PROGRESS`` also reads the firms of
the search area left out only because a required certification is still in progress: the
certification-gap scenarios need them (``matching.reports.certification_scenarios``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j import Driver, RoutingControl

from graph_schema.candidates import (
    CANDIDATE_PROJECTION,
    NEED_CONTEXT,
    diagnose_pool,
    fetch_candidates,
)
from matching.candidates import CANDIDATE_CAP, SearchArea, search_area
from matching.catalog import Catalog
from matching.features import NeedContext, need_context

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

# Same walk as ``graph_schema.candidates.CANDIDATES``, keeping instead the firms that every
# required certification either has valid or has in progress, with at least one in progress.
EXCLUDED_IN_PROGRESS: LiteralString = """
MATCH (s:Sector) WHERE s.code IN $codes
MATCH (s)<-[:OPERATES_IN]-(f:Firm)-[:LOCATED_IN]->(c:Comuna)
WHERE c.cut IN $cuts AND coalesce(f.size_segment, '') <> 'grande'
WITH f, c, min($tiers[s.code]) AS tier
WHERE any(code IN $required WHERE EXISTS {
        MATCH (f)-[h:HOLDS]->(:Certification {code: code}) WHERE h.status = 'in_progress' })
  AND all(code IN $required WHERE EXISTS {
        MATCH (f)-[h:HOLDS]->(:Certification {code: code})
        WHERE h.status = 'in_progress'
           OR (h.status = 'valid' AND (h.valid_until IS NULL OR h.valid_until >= date($today))) })
WITH f, c, tier ORDER BY tier, $km[c.cut], f.rut LIMIT $cap
RETURN """ + CANDIDATE_PROJECTION + " AS candidate"


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


def fetch_excluded_in_progress(driver: Driver, ctx: NeedContext, area: SearchArea) -> list[dict]:
    """Firms a mandatory need leaves out only for a required certification in progress."""
    if not (ctx.mandatory and ctx.required and area.codes and area.cuts):
        return []
    records, _, _ = driver.execute_query(
        EXCLUDED_IN_PROGRESS, codes=area.codes, tiers=area.tiers, cuts=area.cuts, km=area.km,
        required=list(ctx.required), today=ctx.as_of_date.isoformat(), cap=CANDIDATE_CAP,
        routing_=RoutingControl.READ,
    )
    return [r["candidate"] for r in records]


def fetch_match_inputs(driver: Driver, catalog: Catalog, need_ids: list[str], as_of: float,
                       limit: int) -> dict[str, MatchInputs]:
    """The match endpoint's inputs for each need, read as of ``as_of`` (epoch seconds)."""
    contexts = fetch_need_contexts(driver, need_ids)
    out: dict[str, MatchInputs] = {}
    for need_id in need_ids:
        found = contexts.get(need_id)
        if found is None or found["need"].get("comuna") not in catalog.comunas:
            out[need_id] = MatchInputs(None, None, [], [], None)
            continue
        ctx = need_context(found, as_of=as_of)
        area = search_area(catalog, ctx.comuna, ctx.radius_km, ctx.sectors)
        candidates = fetch_candidates(
            driver, codes=area.codes, tiers=area.tiers, cuts=area.cuts, km=area.km, required=list(ctx.required),
            mandatory=ctx.mandatory, today=ctx.as_of_date, cap=CANDIDATE_CAP,
        )
        diagnostics = None
        if len(candidates) < limit:
            diagnostics = diagnose_pool(driver, origin=ctx.comuna, codes=area.codes, cuts=area.cuts)
        extras = fetch_excluded_in_progress(driver, ctx, area)
        out[need_id] = MatchInputs(ctx, area, candidates, extras, diagnostics)
    return out
