"""Candidate suppliers for a need: two bounded, index-backed read queries and their helpers.

1. ``NEED_CONTEXT`` reads the need (sectors, comuna, certifications, deadline, volume,
   preferences) and its buyer (comuna, buyers of the same industry, current suppliers).
2. ``CANDIDATES`` walks from the need's ISIC classes (unique-constraint seeks on ``Sector.code``)
   to the firms operating in them, keeps those located in the comunas within the radius, drops
   large firms (and, when the need says so, firms without every required certification), orders
   them by (sector tier, distance of their comuna, RUT) and keeps the first ``cap``. For those it
   returns every raw attribute the features need, in the same round trip and a single record.

Which codes and comunas to ask for is decided in Python with ``matching.catalog.Catalog``
(``matching.candidates.search_area``), so the queries only take lists and maps as parameters.
Times come back as epoch seconds (cheap to transfer and to compare with ``as_of``).
"""

from __future__ import annotations

from datetime import date
from typing import LiteralString

from neo4j import Driver, RoutingControl

from matching.candidates import Plan

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

# Everything ``matching.features`` reads about one firm ``f`` located in comuna ``c``, from a single
# walk over f's relationships (one pattern per relationship type would walk them six times), then
# split by kind. Lists of small lists instead of maps keep the Bolt payload small.
CANDIDATE_LINKS: LiteralString = """
[(f)-[r]-(x) WHERE NOT r:LOCATED_IN | CASE type(r)
  WHEN 'OPERATES_IN' THEN ['sector', x.code]
  WHEN 'HOLDS' THEN ['cert', x.code, r.status, r.valid_until]
  WHEN 'MEMBER_OF' THEN CASE WHEN startNode(r) = f THEN ['coop', x.rut] END
  WHEN 'ADVISED' THEN ['advice', r.hours]
  WHEN 'OF' THEN ['proposal', x.id, x.need_id, x.status, x.created_at.epochSeconds, x.decided_at.epochSeconds]
  WHEN 'PARTY_TO' THEN ['alliance', [(x)<-[:PARTY_TO]-(b:Buyer) | b.rut][0], x.created_at.epochSeconds,
                        x.proposal_id]
END]
"""

CANDIDATE_MAP: LiteralString = """
{
  rut: f.rut, name: f.name, comuna: c.cut, size_segment: f.size_segment, annual_sales_uf: f.annual_sales_uf,
  owner_gender: f.owner_gender, products: f.products, cooperative: f:Cooperative,
  sectors: [l IN links WHERE l[0] = 'sector' | l[1]],
  coops: [l IN links WHERE l[0] = 'coop' | l[1]],
  certs: [l IN links WHERE l[0] = 'cert' | l[1..]],
  advisory_hours: reduce(total = 0.0, l IN links | total + CASE WHEN l[0] = 'advice' THEN coalesce(l[1], 0.0)
                                                                ELSE 0.0 END),
  alliances: [l IN links WHERE l[0] = 'alliance' | l[1..]],
  proposals: [l IN links WHERE l[0] = 'proposal' | l[1..]]
}
"""

# One candidate as a map, for any query with ``f`` and ``c`` bound (the one-element list binds
# ``links`` for the map); graph_schema/reports.py reads its firm table with it.
CANDIDATE_PROJECTION: LiteralString = "[links IN [" + CANDIDATE_LINKS + "] | " + CANDIDATE_MAP + "][0]"

# All candidates come back in one record: decoding one list is several times cheaper for the driver
# than decoding one record per candidate.
CANDIDATE_LIST: LiteralString = (
    "WITH f, c, " + CANDIDATE_LINKS + " AS links\nRETURN collect(" + CANDIDATE_MAP + ") AS candidates"
)

# Candidate selection, shared by the three plans below: the best tier per firm, large firms (and,
# for a mandatory requirement, firms without every certification valid today) out, then the
# ``$cap`` nearest firms of the closest tiers. Only firms carry size_segment, so the size test also
# drops buyers, which operate in sectors too.
_SELECT: LiteralString = """
WITH f, c, min($tiers[s.code]) AS tier
WHERE f.size_segment <> 'grande' AND (NOT $mandatory OR all(code IN $required WHERE EXISTS {
        MATCH (f)-[h:HOLDS]->(:Certification {code: code})
        WHERE h.status = 'valid' AND (h.valid_until IS NULL OR h.valid_until >= date($today)) }))
WITH f, c, tier ORDER BY tier, $km[c.cut], f.rut LIMIT $cap
"""

# Three ways to find the firms of $codes (ISIC classes; $tiers: code -> 0 own, 1 same group,
# 2 same division) located in $cuts (the area; $km: cut -> km from the need's comuna). Sector and
# Comuna nodes are dense, so listing a sector's firms or a comuna's firms costs about one db hit
# per firm; a firm's own relationships are not grouped, so finding its comuna or its sectors walks
# all of them (~6 db hits in the demo data). ``matching.candidates.choose_plan`` picks the cheapest.

# From the sectors, checking each firm's comuna (cheap when the sectors have few firms).
_FROM_SECTORS: LiteralString = """
MATCH (a:Comuna) WHERE a.cut IN $cuts
WITH collect(a) AS area
MATCH (s:Sector) WHERE s.code IN $codes
MATCH (s)<-[:OPERATES_IN]-(f)-[:LOCATED_IN]->(c)
WHERE c IN area
"""
CANDIDATES_FROM_SECTORS: LiteralString = _FROM_SECTORS + _SELECT + CANDIDATE_LIST

# From the comunas, checking each firm's sectors (cheap when the area has few firms).
_FROM_COMUNAS: LiteralString = """
MATCH (w:Sector) WHERE w.code IN $codes
WITH collect(w) AS wanted
MATCH (c:Comuna) WHERE c.cut IN $cuts
MATCH (c)<-[:LOCATED_IN]-(f)-[:OPERATES_IN]->(s)
WHERE s IN wanted
"""
CANDIDATES_FROM_COMUNAS: LiteralString = _FROM_COMUNAS + _SELECT + CANDIDATE_LIST

# Both lists, hash-joined on the firm: no firm's relationships are walked (cheap when both are big).
_JOINED: LiteralString = """
MATCH (s:Sector)<-[:OPERATES_IN]-(f)-[:LOCATED_IN]->(c:Comuna)
USING JOIN ON f
WHERE s.code IN $codes AND c.cut IN $cuts
"""
CANDIDATES_JOINED: LiteralString = _JOINED + _SELECT + CANDIDATE_LIST

# Rings of comunas outward, tier by tier ($steps from matching.candidates.nearest_first_steps),
# stopping as soon as $cap firms are found: when the need's own classes are dense in the area, the
# nearest rings hold the whole answer. Each step is sorted by distance; DISTINCT keeps a firm at
# its first (lowest) tier; LIMIT stops the walk.
CANDIDATES_NEAREST_FIRST: LiteralString = """
UNWIND $steps AS step
CALL (step) {
  MATCH (w:Sector) WHERE w.code IN step.codes
  WITH collect(w) AS wanted
  MATCH (c:Comuna) WHERE c.cut IN step.cuts
  MATCH (c)<-[:LOCATED_IN]-(f)-[:OPERATES_IN]->(s)
  WHERE s IN wanted AND f.size_segment <> 'grande' AND (NOT $mandatory OR all(code IN $required WHERE EXISTS {
        MATCH (f)-[h:HOLDS]->(:Certification {code: code})
        WHERE h.status = 'valid' AND (h.valid_until IS NULL OR h.valid_until >= date($today)) }))
  WITH DISTINCT f, c
  RETURN f, c ORDER BY $km[c.cut], f.rut
}
WITH DISTINCT f, c
LIMIT $cap
""" + CANDIDATE_LIST

CANDIDATE_QUERIES: dict[Plan, LiteralString] = {
    Plan.NEAREST_FIRST: CANDIDATES_NEAREST_FIRST,
    Plan.FROM_SECTORS: CANDIDATES_FROM_SECTORS,
    Plan.FROM_COMUNAS: CANDIDATES_FROM_COMUNAS,
    Plan.JOINED: CANDIDATES_JOINED,
}
CANDIDATES: LiteralString = CANDIDATES_FROM_SECTORS

# How many non-large firms of $codes the area holds, whatever their certifications (a short list
# with mandatory certifications says how many the requirement left out).
_COUNT: LiteralString = """
WITH DISTINCT f WHERE f.size_segment <> 'grande'
RETURN count(f) AS n
"""
POOL_COUNT_QUERIES: dict[Plan, LiteralString] = {
    Plan.FROM_SECTORS: _FROM_SECTORS + _COUNT,
    Plan.FROM_COMUNAS: _FROM_COMUNAS + _COUNT,
    Plan.JOINED: _JOINED + _COUNT,
    Plan.NEAREST_FIRST: _JOINED + _COUNT,  # only an estimate chose it; any plan counts the same
}

# How many firms (and buyers) each ISIC class and each comuna has: relationship degrees of dense
# nodes, read from their relationship groups. Used only to choose a plan, so a cached copy may lag.
FIRM_COUNTS: LiteralString = """
CALL () { MATCH (s:Sector {level: 'class'})
          RETURN collect([s.code, COUNT { (s)<-[:OPERATES_IN]-() }]) AS sectors }
CALL () { MATCH (c:Comuna) RETURN collect([c.cut, COUNT { (c)<-[:LOCATED_IN]-() }]) AS comunas }
RETURN sectors, comunas
"""

# The same attributes for given firms (training examples proposed outside today's pool).
FIRMS_BY_RUT: LiteralString = """
UNWIND $ruts AS rut
MATCH (f:Firm {rut: rut})-[:LOCATED_IN]->(c:Comuna)
""" + CANDIDATE_LIST

# The naive baseline of the benchmark: every firm of the sectors, nationwide, no cap.
SECTOR_FIRMS: LiteralString = """
MATCH (s:Sector) WHERE s.code IN $codes
MATCH (s)<-[:OPERATES_IN]-(f:Firm)-[:LOCATED_IN]->(c:Comuna)
WITH DISTINCT f, c
""" + CANDIDATE_LIST

# Only when a list comes back short: how many firms of the sectors lie in the radius before the
# certification filter, and the nearest one outside it (to suggest a wider radius). Firms are
# counted per comuna first, so distances are computed once per comuna, not per firm.
DIAGNOSE_POOL: LiteralString = """
MATCH (origin:Comuna {cut: $origin})
MATCH (s:Sector) WHERE s.code IN $codes
MATCH (s)<-[:OPERATES_IN]-(f)-[:LOCATED_IN]->(c)
WHERE f.size_segment <> 'grande'
WITH origin, c, count(DISTINCT f) AS firms
WITH origin, c, firms, c.cut IN $cuts AS inside
WITH sum(CASE WHEN inside THEN firms ELSE 0 END) AS in_radius,
     sum(CASE WHEN inside THEN 0 ELSE firms END) AS outside_count,
     collect(CASE WHEN NOT inside THEN [point.distance(c.location, origin.location), c.cut] END) AS outside
RETURN in_radius, outside_count,
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
                     cap: int, plan: Plan = Plan.FROM_SECTORS, steps: list[dict] | None = None) -> list[dict]:
    """The capped candidate set with raw attributes, in (tier, distance, RUT) order; every plan gives the same.

    ``Plan.NEAREST_FIRST`` needs ``steps`` (``matching.candidates.nearest_first_steps``).
    """
    if not codes or not cuts:
        return []
    if plan is Plan.NEAREST_FIRST and not steps:
        raise ValueError("Plan.NEAREST_FIRST needs steps")
    records, _, _ = driver.execute_query(
        CANDIDATE_QUERIES[plan], codes=codes, tiers=tiers, cuts=cuts, km=km, required=required, mandatory=mandatory,
        today=today.isoformat(), cap=cap, steps=steps or [], routing_=RoutingControl.READ,
    )
    return records[0]["candidates"] if records else []


def firm_counts(driver: Driver) -> tuple[dict[str, int], dict[str, int]]:
    """``(firms per ISIC class, firms per comuna CUT)`` from relationship degrees."""
    records, _, _ = driver.execute_query(FIRM_COUNTS, routing_=RoutingControl.READ)
    row = records[0]
    return dict(map(tuple, row["sectors"])), dict(map(tuple, row["comunas"]))


def fetch_firms(driver: Driver, ruts: list[str]) -> list[dict]:
    """Candidate attributes for the given RUTs (unknown RUTs are skipped)."""
    if not ruts:
        return []
    records, _, _ = driver.execute_query(FIRMS_BY_RUT, ruts=ruts, routing_=RoutingControl.READ)
    return records[0]["candidates"] if records else []


def fetch_sector_firms(driver: Driver, codes: list[str]) -> list[dict]:
    """Every firm operating in ``codes`` with its attributes (the benchmark's naive baseline)."""
    records, _, _ = driver.execute_query(SECTOR_FIRMS, codes=codes, routing_=RoutingControl.READ)
    return records[0]["candidates"] if records else []


def pool_count(driver: Driver, *, codes: list[str], cuts: list[str], plan: Plan = Plan.JOINED) -> int:
    """Non-large firms of ``codes`` located in ``cuts``, before any certification filter."""
    if not codes or not cuts:
        return 0
    records, _, _ = driver.execute_query(POOL_COUNT_QUERIES[plan], codes=codes, cuts=cuts,
                                         routing_=RoutingControl.READ)
    return records[0]["n"]


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
