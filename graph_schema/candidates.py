"""Candidate suppliers for a need: two bounded, index-backed read queries and their helpers.

1. ``NEED_CONTEXT`` reads the need (sectors, comuna, certifications, deadline, volume,
   preferences) and its buyer (comuna, buyers of the same industry, current suppliers).
2. ``CANDIDATES`` walks from the need's ISIC classes (unique-constraint seeks on ``Sector.code``)
   to the firms operating in them, keeps those located in the comunas within the radius, drops
   large firms (and, when the need says so, firms without every required certification), orders
   them by (sector tier, distance of their comuna, RUT) and keeps the first ``cap``. For those it
   returns every raw attribute the features need, in the same round trip, in records of
   ``CANDIDATE_CHUNK`` firms.

Which codes and comunas to ask for is decided in Python with ``matching.catalog.Catalog``
(``matching.candidates.search_area``), so the queries only take lists and maps as parameters.
Times come back as epoch seconds and certificate dates as ISO strings (cheap to transfer and to compare; the
driver turns a Neo4j date into a Python object slowly: ~420 of them per request at the cap).
"""

from __future__ import annotations

from datetime import date
from typing import LiteralString

from neo4j import RoutingControl

from graph_schema.driver import Graph
from matching.candidates import CandidatePlan, PlannerCounts, Walk

# The need's own fields (``n`` bound).
_NEED_MAP: LiteralString = """n {
  .id, .buyer_rut, .title, .description, .radius_km, .volume_uf, .certifications_mandatory, .status,
  .project_id,
  prefer: coalesce(n.prefer, []),
  deadline: n.deadline,
  created_at: n.created_at.epochSeconds,
  comuna: COLLECT { MATCH (n)-[:LOCATED_IN]->(c:Comuna) RETURN c.cut LIMIT 1 }[0],
  sectors: COLLECT { MATCH (n)-[:IN_SECTOR]->(s:Sector) RETURN s.code ORDER BY s.code },
  required: COLLECT { MATCH (n)-[:REQUIRES]->(c:Certification) RETURN c.code ORDER BY c.code }
}"""

# The buyer (``b`` bound, possibly null): the buyers of its industry (same ISIC division, or
# section for a buyer registered at section level) and its current suppliers. Finding those
# buyers walks every buyer's relationships (~11,000 db hits at 540 buyers), the costly part.
_BUYER_PEERS: LiteralString = """CALL (b) {
  OPTIONAL MATCH (b)-[:OPERATES_IN]->(s:Sector)
  WITH collect(CASE WHEN s.level = 'section' THEN s.code ELSE left(s.code, 2) END) AS keys,
       collect(s.section) AS sections
  OPTIONAL MATCH (other:Buyer)-[:OPERATES_IN]->(o:Sector)
  WHERE other <> b AND (left(o.code, 2) IN keys OR o.section IN keys OR (o.level = 'section' AND o.code IN sections))
  RETURN collect(DISTINCT other.rut) AS peers
}
"""
_BUYER_MAP_HEAD: LiteralString = """CASE WHEN b IS NULL THEN null ELSE b {
  .rut, .name,
  comuna: COLLECT { MATCH (b)-[:LOCATED_IN]->(c:Comuna) RETURN c.cut LIMIT 1 }[0],"""
_BUYER_MAP_TAIL: LiteralString = """
  suppliers: COLLECT {
    MATCH (b)-[:PARTY_TO]->(a:Alliance)<-[:PARTY_TO]-(f:Firm)
    RETURN [f.rut, a.created_at.epochSeconds, a.proposal_id,
            COLLECT { MATCH (f)-[:LOCATED_IN]->(c:Comuna) RETURN c.cut LIMIT 1 }[0],
            COLLECT { MATCH (f)-[:MEMBER_OF]->(co:Cooperative) RETURN co.rut }, f:Cooperative]
  }
} END"""

_BUYER_MAP: LiteralString = _BUYER_MAP_HEAD + "\n  peers: peers," + _BUYER_MAP_TAIL

NEED_CONTEXT: LiteralString = """
MATCH (n:Need {id: $need_id})
OPTIONAL MATCH (b:Buyer {rut: n.buyer_rut})
""" + _BUYER_PEERS + "RETURN " + _NEED_MAP + " AS need,\n" + _BUYER_MAP + " AS buyer\n"

# The same in two parts, so the match endpoint can read the buyer's part while the candidate
# query runs (it needs only the need's part). Instead of its industry's buyers (~18,000 db hits at
# 707 buyers, a quarter of a request's at a million firms) the buyer's part names the buyer's own
# sectors: candidates bring each alliance's buyer sectors (``CANDIDATE_LINKS``), and
# ``matching.features.peers_among`` applies the same industry rule to just those buyers.
NEED: LiteralString = "MATCH (n:Need {id: $need_id})\nRETURN " + _NEED_MAP + " AS need\n"
_BUYER_OWN_MAP: LiteralString = _BUYER_MAP_HEAD + """
  sectors: COLLECT { MATCH (b)-[:OPERATES_IN]->(s:Sector) RETURN s.code },""" + _BUYER_MAP_TAIL
BUYER_CONTEXT: LiteralString = """
OPTIONAL MATCH (b:Buyer {rut: $buyer_rut})
RETURN """ + _BUYER_OWN_MAP + " AS buyer\n"
# Both parts in one round trip (the match endpoint: one query fewer per request, which under load
# counts more than reading the buyer beside the candidate query).
NEED_AND_BUYER: LiteralString = """
MATCH (n:Need {id: $need_id})
OPTIONAL MATCH (b:Buyer {rut: n.buyer_rut})
RETURN """ + _NEED_MAP + " AS need, " + _BUYER_OWN_MAP + " AS buyer\n"

# Everything ``matching.features`` reads about one firm ``f`` located in comuna ``c``, from a single
# walk over f's relationships (one pattern per relationship type would walk them six times), then
# split by kind. Lists of small lists instead of maps keep the Bolt payload small.
CANDIDATE_LINKS: LiteralString = """
[(f)-[r:OPERATES_IN|HOLDS|MEMBER_OF|ADVISED|OF|PARTY_TO]-(x) | CASE type(r)
  WHEN 'OPERATES_IN' THEN ['sector', x.code]
  WHEN 'HOLDS' THEN ['cert', x.code, r.status, toString(r.valid_until)]
  WHEN 'MEMBER_OF' THEN CASE WHEN startNode(r) = f THEN ['coop', x.rut] ELSE ['pledge', x.supply_capacity_uf] END
  WHEN 'ADVISED' THEN ['advice', r.hours]
  WHEN 'OF' THEN ['proposal', x.id, x.need_id, x.status, x.created_at.epochSeconds, x.decided_at.epochSeconds]
  WHEN 'PARTY_TO' THEN ['alliance'] + coalesce(
    [(x)<-[:PARTY_TO]-(b:Buyer) | [b.rut, x.created_at.epochSeconds, x.proposal_id,
                                   COLLECT { MATCH (b)-[:OPERATES_IN]->(s:Sector) RETURN s.code }]][0],
    [null, x.created_at.epochSeconds, x.proposal_id, []])
END]
"""

# What a candidate carries, as (key, Cypher expression) over ``f``, ``c`` and ``links``.
_CANDIDATE_FIELDS: tuple[tuple[str, LiteralString], ...] = (
    ("rut", "f.rut"), ("name", "f.name"), ("comuna", "c.cut"), ("size_segment", "f.size_segment"),
    ("annual_sales_uf", "f.annual_sales_uf"), ("supply_capacity_uf", "f.supply_capacity_uf"),
    ("pledges", "[l IN links WHERE l[0] = 'pledge' | l[1]]"),
    ("owner_gender", "f.owner_gender"), ("products", "f.products"), ("cooperative", "f:Cooperative"),
    ("sectors", "[l IN links WHERE l[0] = 'sector' | l[1]]"),
    ("coops", "[l IN links WHERE l[0] = 'coop' | l[1]]"),
    ("certs", "[l IN links WHERE l[0] = 'cert' | l[1..]]"),
    ("advisory_hours", "reduce(total = 0.0, l IN links | total + CASE WHEN l[0] = 'advice' THEN coalesce(l[1], 0.0) "
                       "ELSE 0.0 END)"),
    ("alliances", "[l IN links WHERE l[0] = 'alliance' | l[1..]]"),
    ("proposals", "[l IN links WHERE l[0] = 'proposal' | l[1..]]"),
)
CANDIDATE_KEYS: tuple[str, ...] = tuple(key for key, _ in _CANDIDATE_FIELDS)
CANDIDATE_MAP: LiteralString = "{" + ", ".join([key + ": " + expr for key, expr in _CANDIDATE_FIELDS]) + "}"
# The same values as a list in ``CANDIDATE_KEYS`` order (the match request's candidates): the keys of
# 1,000 maps cost Neo4j their packing and the driver their decoding on every request.
CANDIDATE_VALUES: LiteralString = "[" + ", ".join([expr for _, expr in _CANDIDATE_FIELDS]) + "]"

# One candidate as a map, for any query with ``f`` and ``c`` bound (the one-element list binds
# ``links`` for the map); graph_schema/reports.py reads its firm table with it.
CANDIDATE_PROJECTION: LiteralString = "[links IN [" + CANDIDATE_LINKS + "] | " + CANDIDATE_MAP + "][0]"

# Firms come back as lists in few records: decoding one list is several times cheaper for the driver
# than decoding one record per firm.
CANDIDATE_LIST: LiteralString = (
    "WITH f, c, " + CANDIDATE_LINKS + " AS links\nRETURN collect(" + CANDIDATE_MAP + ") AS candidates"
)

# The candidate queries return their firms (bound as ``f``, ``c`` in order) in records of $chunk:
# Neo4j sends each record as soon as it is projected, so the driver decodes one chunk while the
# server projects the next. One record for all 1,000 candidates made decoding wait for the whole
# projection (~20 ms more per request at the cap, measured at 100,000 demo firms).
CANDIDATE_CHUNK = 100
CANDIDATE_CHUNKS: LiteralString = """WITH collect([f, c]) AS rows
UNWIND range(0, size(rows) - 1, $chunk) AS first
CALL (rows, first) {
  UNWIND rows[first..first + $chunk] AS row
  WITH row[0] AS f, row[1] AS c
  WITH f, c, """ + CANDIDATE_LINKS + """ AS links
  RETURN collect(""" + CANDIDATE_VALUES + """) AS candidates
}
RETURN candidates"""

# Candidate selection: large firms (and, for a mandatory requirement, firms without every
# certification valid today) out. Only firms carry size_segment, so the size test also drops
# buyers, which operate in sectors too.
_KEEP: LiteralString = """f.size_segment <> 'grande' AND (NOT $mandatory OR all(code IN $p.required WHERE EXISTS {
        MATCH (f)-[h:HOLDS]->(:Certification {code: code})
        WHERE h.status = 'valid' AND (h.valid_until IS NULL OR h.valid_until >= date($today)) }))"""

# Given firms ``f`` in comuna ``c`` reached through sectors ``s`` of the area: each firm at its best
# tier, the kept ones in (tier, km, RUT) order up to $cap, with their attributes.
_BEST_TIER_FIRST: LiteralString = """WITH f, c, min($p.tiers[s.code]) AS tier
WHERE """ + _KEEP + """
WITH f, c, tier ORDER BY tier, $p.km[c.cut], f.rut LIMIT $cap
""" + CANDIDATE_CHUNKS

# The reference query: from the sectors (index seek) to their firms, kept when their comuna is in
# the area, best tier per firm, then the $cap nearest firms of the closest tiers.
# $p.codes: ISIC classes of every tier; $p.tiers: code -> 0 own, 1 same group, 2 same division;
# $p.cuts: comunas of the area; $p.km: cut -> km from the need's comuna.
CANDIDATES: LiteralString = """
MATCH (a:Comuna) WHERE a.cut IN $p.cuts
WITH collect(a) AS area
MATCH (s:Sector) WHERE s.code IN $p.codes
MATCH (s)<-[:OPERATES_IN]-(f)-[:LOCATED_IN]->(c)
WHERE c IN area
""" + _BEST_TIER_FIRST

# The planned query is the same rule, tier by tier: one UNION ALL branch per tier, each yielding
# that tier's firms of the area in (km, RUT) order; DISTINCT keeps a firm at its first (lowest)
# tier and LIMIT stops reading as soon as $cap firms are found, so a tier whose branch is never
# reached costs nothing. Each branch finds its firms one of three ways
# (``matching.candidates.Walk``); Sector and Comuna nodes are dense, so listing a sector's or a
# comuna's firms costs about one db hit per firm, while finding a firm's own comuna or sectors
# walks all its relationships (~6 db hits in the demo data).
_TIER_CODES: tuple[LiteralString, ...] = ("$p.codes0", "$p.codes1", "$p.codes2")

# From the tier's sectors, checking each firm's comuna (cheap when the tier has few firms).
_WALK_SECTORS_HEAD: LiteralString = """
  MATCH (a:Comuna) WHERE a.cut IN $p.cuts
  WITH collect(a) AS area
  MATCH (s:Sector) WHERE s.code IN """
_WALK_SECTORS_TAIL: LiteralString = """
  MATCH (s)<-[:OPERATES_IN]-(f)-[:LOCATED_IN]->(c)
  WHERE c IN area AND """ + _KEEP + """
  WITH DISTINCT f, c ORDER BY $p.km[c.cut], f.rut
  RETURN f, c"""

# The tier's firms and the area's firms, hash-joined (cheap when both lists are long).
_WALK_JOIN_HEAD: LiteralString = """
  MATCH (s:Sector)<-[:OPERATES_IN]-(f)-[:LOCATED_IN]->(c:Comuna)
  USING JOIN ON f
  WHERE c.cut IN $p.cuts AND s.code IN """
_WALK_JOIN_TAIL: LiteralString = """
  WITH DISTINCT f, c WHERE """ + _KEEP + """
  WITH f, c ORDER BY $p.km[c.cut], f.rut
  RETURN f, c"""

# Rings of comunas outward ($p.rings), checking each firm's sectors, stopping when enough are found
# (cheap when the tier is dense near the need).
_WALK_RINGS_HEAD: LiteralString = """
  UNWIND $p.rings AS ring
  CALL (ring) {
    MATCH (w:Sector) WHERE w.code IN """
_WALK_RINGS_TAIL: LiteralString = """
    WITH collect(w) AS wanted
    MATCH (c:Comuna) WHERE c.cut IN ring
    MATCH (c)<-[:LOCATED_IN]-(f)-[:OPERATES_IN]->(s)
    WHERE s IN wanted AND """ + _KEEP + """
    WITH DISTINCT f, c ORDER BY $p.km[c.cut], f.rut
    RETURN f, c
  }
  RETURN f, c"""

# Rings of comunas outward ($p.rings), reading in each the tier's (class, comuna) cells (graph_schema/cells.py),
# stopping when enough are found: only firms of the tier in the area are ever read.
_WALK_CELLS_HEAD: LiteralString = """
  UNWIND $p.rings AS ring
  CALL (ring) {
    UNWIND ring AS cut
    MATCH (c:Comuna {cut: cut})
    UNWIND """
_WALK_CELLS_TAIL: LiteralString = """ AS code
    MATCH (x:Cell {key: code + '|' + cut})<-[:IN_CELL]-(f)
    WHERE """ + _KEEP + """
    WITH DISTINCT f, c ORDER BY $p.km[c.cut], f.rut
    RETURN f, c
  }
  RETURN f, c"""

_WALKS: dict[Walk, tuple[LiteralString, LiteralString]] = {
    Walk.SECTORS: (_WALK_SECTORS_HEAD, _WALK_SECTORS_TAIL),
    Walk.JOIN: (_WALK_JOIN_HEAD, _WALK_JOIN_TAIL),
    Walk.RINGS: (_WALK_RINGS_HEAD, _WALK_RINGS_TAIL),
    Walk.CELLS: (_WALK_CELLS_HEAD, _WALK_CELLS_TAIL),
}


# A mandatory certification held by few firms: start from its holdings (a Certification node is
# dense, so listing them costs about one db hit each), keep the valid ones in the area, then rank
# every tier at once exactly as the reference query does.
CERTIFIED_FIRST: LiteralString = """
MATCH (a:Comuna) WHERE a.cut IN $p.cuts
WITH collect(a) AS area
MATCH (:Certification {code: $start})<-[h:HOLDS]-(f)
WHERE h.status = 'valid' AND (h.valid_until IS NULL OR h.valid_until >= date($today))
MATCH (f)-[:LOCATED_IN]->(c) WHERE c IN area
MATCH (f)-[:OPERATES_IN]->(s) WHERE s.code IN $p.codes
""" + _BEST_TIER_FIRST


def planned_query(plan: CandidatePlan) -> LiteralString:
    """The candidate query for a plan: from a certification's holders, or one branch per tier searched."""
    if plan.start is not None:
        return CERTIFIED_FIRST
    branches: list[LiteralString] = []
    for index, walk in enumerate(plan.walks):
        head, tail = _WALKS[walk]
        branches.append(head + _TIER_CODES[index] + tail)
    query: LiteralString = "CALL () {"
    for index, branch in enumerate(branches):
        query += ("\n  UNION ALL" if index else "") + branch
    return query + "\n}\nWITH DISTINCT f, c\nLIMIT $cap\n" + CANDIDATE_CHUNKS


# How many non-large firms of $codes the area holds, whatever their certifications (a short list
# with mandatory certifications says how many the requirement left out).
POOL_COUNT: LiteralString = """
MATCH (s:Sector)<-[:OPERATES_IN]-(f)-[:LOCATED_IN]->(c:Comuna)
USING JOIN ON f
WHERE s.code IN $p.codes AND c.cut IN $p.cuts
WITH DISTINCT f WHERE f.size_segment <> 'grande'
RETURN count(f) AS n
"""

# Firms per comuna (relationship degrees of dense nodes, from their relationship groups), and
# non-large firms per (ISIC class, comuna): what the planner reads. A worker caches both.
COMUNA_DEGREES: LiteralString = """
MATCH (c:Comuna) RETURN c.cut AS cut, COUNT { (c)<-[:LOCATED_IN]-() } AS n
"""
CERTIFICATION_HOLDERS: LiteralString = """
MATCH (c:Certification) RETURN c.code AS code, COUNT { (c)<-[:HOLDS]-() } AS n
"""
CLASS_COMUNA_COUNTS: LiteralString = """
MATCH (c:Comuna)<-[:LOCATED_IN]-(f)-[:OPERATES_IN]->(s:Sector)
WHERE f.size_segment <> 'grande'
RETURN s.code AS code, c.cut AS cut, count(*) AS n
"""

# The same attributes for given firms (training examples proposed outside today's pool).
FIRMS_BY_RUT: LiteralString = """
UNWIND $ruts AS rut
MATCH (f:Firm {rut: rut})-[:LOCATED_IN]->(c:Comuna)
""" + CANDIDATE_LIST

# The naive baseline of the benchmark: every firm of the sectors, nationwide, no cap.
SECTOR_FIRMS: LiteralString = """
MATCH (s:Sector) WHERE s.code IN $p.codes
MATCH (s)<-[:OPERATES_IN]-(f:Firm)-[:LOCATED_IN]->(c:Comuna)
WITH DISTINCT f, c
""" + CANDIDATE_LIST

# Only when a list comes back short: how many firms of the sectors lie in the radius before the
# certification filter, and the nearest one outside it (to suggest a wider radius). Firms are
# counted per comuna first, so distances are computed once per comuna, not per firm.
DIAGNOSE_POOL: LiteralString = """
MATCH (origin:Comuna {cut: $origin})
MATCH (s:Sector) WHERE s.code IN $p.codes
MATCH (s)<-[:OPERATES_IN]-(f)-[:LOCATED_IN]->(c)
WHERE f.size_segment <> 'grande'
WITH origin, c, count(DISTINCT f) AS firms
WITH origin, c, firms, c.cut IN $p.cuts AS inside
WITH sum(CASE WHEN inside THEN firms ELSE 0 END) AS in_radius,
     sum(CASE WHEN inside THEN 0 ELSE firms END) AS outside_count,
     collect(CASE WHEN NOT inside THEN [point.distance(c.location, origin.location), c.cut] END) AS outside
RETURN in_radius, outside_count,
       reduce(best = null, o IN outside | CASE WHEN best IS NULL OR o[0] < best[0] THEN o ELSE best END) AS nearest
"""


def fetch_need_context(driver: Graph, need_id: str) -> dict | None:
    """``{"need": {...}, "buyer": {...} | None}`` for a need id, or None when there is no such need."""
    records, _, _ = driver.execute_query(NEED_CONTEXT, need_id=need_id, routing_=RoutingControl.READ)
    if not records:
        return None
    return {"need": records[0]["need"], "buyer": records[0]["buyer"]}


def area_lists(codes: list[str], cuts: list[str]) -> dict:
    """A search area's lists as the one map parameter ``$p`` (see ``candidate_query``)."""
    return {"codes": codes, "cuts": cuts}


def candidate_query(*, codes: list[str], tiers: dict[str, int], cuts: list[str], km: dict[str, float],
                    required: list[str], mandatory: bool, today: date, cap: int, plan: CandidatePlan | None = None,
                    chunk: int = CANDIDATE_CHUNK) -> tuple[LiteralString, dict]:
    """The candidate query for a search area and its parameters: the planned query with a ``plan``
    (``matching.candidates.plan_candidates``), otherwise the reference query.

    The lists and maps go in one map parameter, ``$p``: Neo4j keys a cached plan by each top-level
    list's size class (1, 2-10, 11-100, 101-1000...), so with eight lists the same query text met
    dozens of size combinations, and each first meeting cost a new plan (~250 ms at 100,000 firms,
    the slow first minutes after a restart). A map's contents do not enter the key: one plan per shape.
    """
    lists = {"codes": codes, "tiers": tiers, "cuts": cuts, "km": km, "required": required,
             "rings": [list(r) for r in plan.rings] if plan else []}
    if plan is not None:
        lists.update({f"codes{i}": list(c) for i, c in enumerate(plan.tier_codes)})
    params = {"p": lists, "mandatory": mandatory, "today": today.isoformat(), "cap": cap, "chunk": chunk,
              "start": plan.start if plan else None}
    return (CANDIDATES if plan is None else planned_query(plan)), params


def fetch_need(driver: Graph, need_id: str) -> dict | None:
    """The need's own fields (``fetch_need_context``'s ``need``), or None when there is no such need."""
    records, _, _ = driver.execute_query(NEED, need_id=need_id, routing_=RoutingControl.READ)
    return records[0]["need"] if records else None


def fetch_need_and_buyer(driver: Graph, need_id: str) -> tuple[dict, dict | None] | None:
    """``(fetch_need, fetch_buyer_context)`` of a need in one query; None when there is no such need."""
    records, _, _ = driver.execute_query(NEED_AND_BUYER, need_id=need_id, routing_=RoutingControl.READ)
    return (records[0]["need"], records[0]["buyer"]) if records else None


def fetch_buyer_context(driver: Graph, buyer_rut: str) -> dict | None:
    """``fetch_need_context``'s ``buyer`` for a buyer's RUT (None when there is no such buyer)."""
    records, _, _ = driver.execute_query(BUYER_CONTEXT, buyer_rut=buyer_rut, routing_=RoutingControl.READ)
    return records[0]["buyer"]


def fetch_candidates(driver: Graph, *, codes: list[str], tiers: dict[str, int], cuts: list[str],
                     km: dict[str, float], required: list[str], mandatory: bool, today: date,
                     cap: int, plan: CandidatePlan | None = None, chunk: int = CANDIDATE_CHUNK) -> list[dict]:
    """The capped candidate set with raw attributes, in (tier, distance, RUT) order.

    With a ``plan`` the planned query runs, otherwise the reference query; both return the same
    candidates. They arrive in records of ``chunk`` firms.
    """
    if not codes or not cuts:
        return []
    query, params = candidate_query(codes=codes, tiers=tiers, cuts=cuts, km=km, required=required,
                                    mandatory=mandatory, today=today, cap=cap, plan=plan, chunk=chunk)
    records, _, _ = driver.execute_query(query, params, routing_=RoutingControl.READ)
    return [dict(zip(CANDIDATE_KEYS, values, strict=True)) for record in records for values in record["candidates"]]


def planner_counts(driver: Graph) -> PlannerCounts:
    """``(non-large firms per class per comuna, firms per comuna, holders per certification)`` for
    ``matching.candidates.plan_candidates``."""
    records, _, _ = driver.execute_query(CLASS_COMUNA_COUNTS, routing_=RoutingControl.READ)
    by_class: dict[str, dict[str, int]] = {}
    for r in records:
        by_class.setdefault(r["code"], {})[r["cut"]] = r["n"]
    degrees, _, _ = driver.execute_query(COMUNA_DEGREES, routing_=RoutingControl.READ)
    holders, _, _ = driver.execute_query(CERTIFICATION_HOLDERS, routing_=RoutingControl.READ)
    return by_class, {r["cut"]: r["n"] for r in degrees}, {r["code"]: r["n"] for r in holders}


def fetch_firms(driver: Graph, ruts: list[str]) -> list[dict]:
    """Candidate attributes for the given RUTs (unknown RUTs are skipped)."""
    if not ruts:
        return []
    records, _, _ = driver.execute_query(FIRMS_BY_RUT, ruts=ruts, routing_=RoutingControl.READ)
    return records[0]["candidates"] if records else []


def fetch_sector_firms(driver: Graph, codes: list[str]) -> list[dict]:
    """Every firm operating in ``codes`` with its attributes (the benchmark's naive baseline)."""
    records, _, _ = driver.execute_query(SECTOR_FIRMS, p={"codes": codes}, routing_=RoutingControl.READ)
    return records[0]["candidates"] if records else []


def pool_count(driver: Graph, *, codes: list[str], cuts: list[str]) -> int:
    """Non-large firms of ``codes`` located in ``cuts``, before any certification filter."""
    if not codes or not cuts:
        return 0
    records, _, _ = driver.execute_query(POOL_COUNT, p=area_lists(codes, cuts), routing_=RoutingControl.READ)
    return records[0]["n"]


def diagnose_pool(driver: Graph, *, origin: str, codes: list[str], cuts: list[str]) -> dict:
    """``{"in_radius", "outside_count", "nearest_km", "nearest_cut"}`` for a short or empty list."""
    if not codes:
        return {"in_radius": 0, "outside_count": 0, "nearest_km": None, "nearest_cut": None}
    records, _, _ = driver.execute_query(
        DIAGNOSE_POOL, origin=origin, p=area_lists(codes, cuts), routing_=RoutingControl.READ
    )
    row = records[0]
    nearest = row["nearest"]
    return {
        "in_radius": row["in_radius"],
        "outside_count": row["outside_count"],
        "nearest_km": round(nearest[0] / 1000.0, 1) if nearest else None,
        "nearest_cut": nearest[1] if nearest else None,
    }
