"""Candidate suppliers for a need: two bounded, index-backed read queries and their helpers.

1. ``NEED_CONTEXT`` reads the need (sectors, comuna, certifications, deadline, volume,
   preferences) and its buyer (comuna, buyers of the same industry, current suppliers).
2. ``CANDIDATES`` walks from the need's ISIC classes (unique-constraint seeks on ``Sector.code``)
   to the firms operating in them, keeps those located in the comunas within the radius, drops
   large firms (and, when the need says so, firms without every required certification), orders
   them by (sector tier, distance of their comuna, RUT) and keeps the first ``cap``. For those it
   returns every raw attribute the features need, in the same round trip.

Which codes and comunas to ask for is decided in Python with ``matching.catalog.Catalog``
(``matching.candidates.search_area``), so the queries only take lists and maps as parameters.
Times come back as epoch seconds (cheap to transfer and to compare with ``as_of``).
"""

from __future__ import annotations

from datetime import date
from typing import LiteralString

from neo4j import Driver, RoutingControl

NEED_CONTEXT: LiteralString = """
MATCH (n:Need {id: $need_id})
OPTIONAL MATCH (b:Buyer {rut: n.buyer_rut})
CALL (b) {
  OPTIONAL MATCH (b)-[:OPERATES_IN]->(s:Sector)
  WITH collect(CASE WHEN s.level = 'section' THEN s.code ELSE left(s.code, 2) END) AS keys,
       collect(s.section) AS sections
  OPTIONAL MATCH (other:Buyer)-[:OPERATES_IN]->(o:Sector)
  WHERE other <> b AND (left(o.code, 2) IN keys OR o.section IN keys OR (o.level = 'section' AND o.code IN sections))
  RETURN collect(DISTINCT other.rut) AS peers
}
RETURN n {
  .id, .buyer_rut, .title, .description, .radius_km, .volume_uf, .certifications_mandatory, .status,
  .project_id,
  prefer: coalesce(n.prefer, []),
  deadline: n.deadline,
  created_at: n.created_at.epochSeconds,
  comuna: COLLECT { MATCH (n)-[:LOCATED_IN]->(c:Comuna) RETURN c.cut LIMIT 1 }[0],
  sectors: COLLECT { MATCH (n)-[:IN_SECTOR]->(s:Sector) RETURN s.code ORDER BY s.code },
  required: COLLECT { MATCH (n)-[:REQUIRES]->(c:Certification) RETURN c.code ORDER BY c.code }
} AS need,
CASE WHEN b IS NULL THEN null ELSE b {
  .rut, .name,
  comuna: COLLECT { MATCH (b)-[:LOCATED_IN]->(c:Comuna) RETURN c.cut LIMIT 1 }[0],
  peers: peers,
  suppliers: COLLECT {
    MATCH (b)-[:PARTY_TO]->(a:Alliance)<-[:PARTY_TO]-(f:Firm)
    RETURN [f.rut, a.created_at.epochSeconds, a.proposal_id,
            COLLECT { MATCH (f)-[:LOCATED_IN]->(c:Comuna) RETURN c.cut LIMIT 1 }[0],
            COLLECT { MATCH (f)-[:MEMBER_OF]->(co:Cooperative) RETURN co.rut }, f:Cooperative]
  }
} END AS buyer
"""

# Everything ``matching.features`` reads about one firm ``f`` located in comuna ``c``. Lists of
# small lists instead of maps keep the Bolt payload and its decoding small.
CANDIDATE_PROJECTION: LiteralString = """
{
  rut: f.rut, name: f.name, comuna: c.cut, size_segment: f.size_segment, annual_sales_uf: f.annual_sales_uf,
  employees: f.employees, owner_gender: f.owner_gender, products: f.products, cooperative: f:Cooperative,
  sectors: [(f)-[:OPERATES_IN]->(s:Sector) | s.code],
  coops: [(f)-[:MEMBER_OF]->(co:Cooperative) | co.rut],
  certs: [(f)-[h:HOLDS]->(ce:Certification) | [ce.code, h.status, h.valid_until]],
  advisory_hours: reduce(total = 0.0, h IN [(:Advisor)-[a:ADVISED]->(f) | coalesce(a.hours, 0.0)] | total + h),
  alliances: [(f)-[:PARTY_TO]->(a:Alliance)<-[:PARTY_TO]-(b:Buyer)
              | [b.rut, a.created_at.epochSeconds, a.proposal_id]],
  proposals: [(p:Proposal)-[:OF]->(f)
              | [p.id, p.need_id, p.status, p.created_at.epochSeconds, p.decided_at.epochSeconds]]
}
"""

# $codes: ISIC classes of every tier; $tiers: code -> 0 (the need's own), 1 (same group),
# 2 (same division); $cuts: comunas in the radius; $km: cut -> km from the need's comuna.
CANDIDATES: LiteralString = """
MATCH (s:Sector) WHERE s.code IN $codes
MATCH (s)<-[:OPERATES_IN]-(f:Firm)-[:LOCATED_IN]->(c:Comuna)
WHERE c.cut IN $cuts AND coalesce(f.size_segment, '') <> 'grande'
WITH f, c, min($tiers[s.code]) AS tier
WHERE NOT $mandatory OR all(code IN $required WHERE EXISTS {
        MATCH (f)-[h:HOLDS]->(:Certification {code: code})
        WHERE h.status = 'valid' AND (h.valid_until IS NULL OR h.valid_until >= date($today)) })
WITH f, c, tier ORDER BY tier, $km[c.cut], f.rut LIMIT $cap
RETURN """ + CANDIDATE_PROJECTION + " AS candidate"

# The same attributes for given firms (training examples proposed outside today's pool).
FIRMS_BY_RUT: LiteralString = """
UNWIND $ruts AS rut
MATCH (f:Firm {rut: rut})-[:LOCATED_IN]->(c:Comuna)
RETURN """ + CANDIDATE_PROJECTION + " AS candidate"

# The naive baseline of the benchmark: every firm of the sectors, nationwide, no cap.
SECTOR_FIRMS: LiteralString = """
MATCH (s:Sector) WHERE s.code IN $codes
MATCH (s)<-[:OPERATES_IN]-(f:Firm)-[:LOCATED_IN]->(c:Comuna)
WITH DISTINCT f, c
RETURN """ + CANDIDATE_PROJECTION + " AS candidate"

# Only when a list comes back short: how many firms of the sectors lie in the radius before the
# certification filter, and the nearest one outside it (to suggest a wider radius).
DIAGNOSE_POOL: LiteralString = """
MATCH (origin:Comuna {cut: $origin})
MATCH (s:Sector) WHERE s.code IN $codes
MATCH (s)<-[:OPERATES_IN]-(f:Firm)-[:LOCATED_IN]->(c:Comuna)
WHERE coalesce(f.size_segment, '') <> 'grande'
WITH DISTINCT f, c, c.cut IN $cuts AS inside, point.distance(c.location, origin.location) AS meters
WITH count(CASE WHEN inside THEN 1 END) AS in_radius,
     collect(CASE WHEN NOT inside THEN [meters, c.cut] END) AS outside
RETURN in_radius, size(outside) AS outside_count,
       reduce(best = null, o IN outside | CASE WHEN best IS NULL OR o[0] < best[0] THEN o ELSE best END) AS nearest
"""


def fetch_need_context(driver: Driver, need_id: str) -> dict | None:
    """``{"need": {...}, "buyer": {...} | None}`` for a need id, or None when there is no such need."""
    records, _, _ = driver.execute_query(NEED_CONTEXT, need_id=need_id, routing_=RoutingControl.READ)
    if not records:
        return None
    return {"need": records[0]["need"], "buyer": records[0]["buyer"]}


def fetch_candidates(driver: Driver, *, codes: list[str], tiers: dict[str, int], cuts: list[str],
                     km: dict[str, float], required: list[str], mandatory: bool, today: date,
                     cap: int) -> list[dict]:
    """The capped candidate set with raw attributes, in (tier, distance, RUT) order."""
    if not codes or not cuts:
        return []
    records, _, _ = driver.execute_query(
        CANDIDATES, codes=codes, tiers=tiers, cuts=cuts, km=km, required=required, mandatory=mandatory,
        today=today.isoformat(), cap=cap, routing_=RoutingControl.READ,
    )
    return [r["candidate"] for r in records]


def fetch_firms(driver: Driver, ruts: list[str]) -> list[dict]:
    """Candidate attributes for the given RUTs (unknown RUTs are skipped)."""
    if not ruts:
        return []
    records, _, _ = driver.execute_query(FIRMS_BY_RUT, ruts=ruts, routing_=RoutingControl.READ)
    return [r["candidate"] for r in records]


def fetch_sector_firms(driver: Driver, codes: list[str]) -> list[dict]:
    """Every firm operating in ``codes`` with its attributes (the benchmark's naive baseline)."""
    records, _, _ = driver.execute_query(SECTOR_FIRMS, codes=codes, routing_=RoutingControl.READ)
    return [r["candidate"] for r in records]


def diagnose_pool(driver: Driver, *, origin: str, codes: list[str], cuts: list[str]) -> dict:
    """``{"in_radius", "outside_count", "nearest_km", "nearest_cut"}`` for a short or empty list."""
    if not codes:
        return {"in_radius": 0, "outside_count": 0, "nearest_km": None, "nearest_cut": None}
    records, _, _ = driver.execute_query(
        DIAGNOSE_POOL, origin=origin, codes=codes, cuts=cuts, routing_=RoutingControl.READ
    )
    row = records[0]
    nearest = row["nearest"]
    return {
        "in_radius": row["in_radius"],
        "outside_count": row["outside_count"],
        "nearest_km": round(nearest[0] / 1000.0, 1) if nearest else None,
        "nearest_cut": nearest[1] if nearest else None,
    }
