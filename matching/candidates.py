"""Where to look for candidates: the ISIC codes (with tiers) and comunas a need's search covers.

Pure Python over the reference ``Catalog``; ``graph_schema.candidates`` turns the result into one
bounded query.

The candidate rule (documented in docs/matching.md):

- sectors: the ISIC classes under each of the need's sectors (tier 0), then the other classes of
  the same group (tier 1), then of the same division (tier 2). A need posted at division or
  section level already covers its whole subtree, so it has no wider tiers;
- territory: comunas whose centroid lies within ``radius_km`` of the need's comuna, plus the
  comunas adjacent to it (``Catalog.comunas_within_km``);
- never large firms (SII segment ``grande``); required certifications filter only when the need
  marks them mandatory;
- at most ``CANDIDATE_CAP`` firms, taken in order of tier, then distance, then RUT: the closest
  firms of the nearest sectors win the places.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from matching.catalog import Catalog

# Candidates scored per request: 50 times the default page of 20, enough for any realistic need (a
# need with more suppliers of its own classes within its radius is better served by a smaller
# radius), small enough to keep a request under 150 ms at 100,000 firms. A cap of 2,000 doubles the
# cost of the projection and the features; on the benchmark's 40 needs at 100,000 firms it left
# the top 20 unchanged for 33 needs, and the other 7 shared 16 to 19 of their 20 firms.
CANDIDATE_CAP = 1000

TIER_OWN = 0
TIER_GROUP = 1
TIER_DIVISION = 2


class Walk(Enum):
    """How one tier's firms in the area are found (graph_schema.candidates.planned_query)."""

    SECTORS = "sectors"  # from the tier's sectors, checking each firm's comuna
    JOIN = "join"        # the tier's firms and the area's firms, hash-joined
    RINGS = "rings"      # rings of comunas outward, checking each firm's sectors, until enough
    CELLS = "cells"      # rings of comunas outward, reading the tier's (class, comuna) cells, until enough


# db hits to find one firm's comuna or sectors by walking its relationships (the demo's firms
# have ~6: sectors, comuna, certifications, advisors, alliances, proposals) plus the hop to it, and
# the cost of one hash-join row in the same unit (measured with PROFILE at 100,000 demo firms).
WALK_COST_PER_FIRM = 7.0
JOIN_COST_PER_FIRM = 1.5
# Firms (of any sector) per ring of comunas.
RING_FIRMS = 3000
# db hits per holder of a certification when the query starts from it: the holding and its status
# and date, then the holder's comuna (measured with PROFILE at 100,000 demo firms).
CERT_COST_PER_HOLDER = 10.0
# Reading a (class, comuna) cell (graph_schema/cells.py): one unique-index seek per pair of the tier's
# classes and a ring's comunas, whether the cell exists or not, then per firm in it the link, its size
# segment and its RUT for the order (measured with PROFILE at 1,000,000 demo firms).
CELL_SEEK_COST = 2.0
CELL_COST_PER_FIRM = 3.0
# What a mandatory certification adds per firm read: the existence check of a valid holding.
CERT_CHECK_PER_FIRM = 7.0


@dataclass(frozen=True)
class CandidatePlan:
    """The tiers to search, in order, each with its walk; the rings of comunas outward.

    ``start``: a mandatory certification whose holders the query reads first, every tier at once,
    instead of walking tier by tier (None: walk the tiers).
    """

    walks: tuple[Walk, ...]
    tier_codes: tuple[tuple[str, ...], ...]
    rings: tuple[tuple[str, ...], ...]
    start: str | None = None


@dataclass(frozen=True)
class SearchArea:
    """The parameters of the candidate query for one need."""

    codes: list[str]
    tiers: dict[str, int]
    cuts: list[str]
    km: dict[str, float]


def sector_tiers(catalog: Catalog, need_sectors: list[str] | tuple[str, ...]) -> dict[str, int]:
    """ISIC class -> tier (0 own, 1 same group, 2 same division) for a need's sectors (any level)."""
    tiers: dict[str, int] = {}
    for code in need_sectors:
        if code not in catalog.sectors:
            continue
        for cls in catalog.classes_under(code):
            tiers[cls] = TIER_OWN
    for code in need_sectors:
        sector = catalog.sectors.get(code)
        if sector is None or sector.level not in ("class", "group"):
            continue
        wider = [(TIER_DIVISION, code[:2])]
        if sector.level == "class":
            wider.insert(0, (TIER_GROUP, code[:3]))
        for tier, parent in wider:
            if parent not in catalog.sectors:
                continue
            for cls in catalog.classes_under(parent):
                tiers[cls] = min(tiers.get(cls, tier), tier)
    return tiers


def search_area(catalog: Catalog, comuna_cut: str, radius_km: float, need_sectors: list[str] | tuple[str, ...],
                ) -> SearchArea:
    """Codes, tiers, comunas and their distances for ``graph_schema.candidates.fetch_candidates``."""
    tiers = sector_tiers(catalog, need_sectors)
    km = catalog.comunas_within_km(comuna_cut, radius_km) if comuna_cut in catalog.comunas else {}
    return SearchArea(codes=sorted(tiers), tiers=tiers, cuts=sorted(km), km=km)


def rings_of(area: SearchArea, comuna_firms: dict[str, int], ring_firms: int = RING_FIRMS) -> list[list[str]]:
    """The area's comunas in order of distance, cut into rings of about ``ring_firms`` firms.

    Comunas at the same distance are never split, so reading the rings in order reads firms in
    order of distance.
    """
    cuts = sorted(area.cuts, key=lambda cut: (area.km[cut], cut))
    rings: list[list[str]] = []
    ring: list[str] = []
    firms = 0
    for i, cut in enumerate(cuts):
        ring.append(cut)
        firms += comuna_firms.get(cut, 0)
        following = cuts[i + 1] if i + 1 < len(cuts) else None
        if firms >= ring_firms and (following is None or area.km[following] > area.km[cut]):
            rings.append(ring)
            ring, firms = [], 0
    if ring:
        rings.append(ring)
    return rings


def plan_candidates(area: SearchArea, class_comuna: dict[str, dict[str, int]], comuna_firms: dict[str, int],
                    cap: int = CANDIDATE_CAP, certification_filter: bool = False,
                    mandatory_holders: dict[str, int] | None = None,
                    walks_allowed: tuple[Walk, ...] = tuple(Walk)) -> CandidatePlan:
    """The cheapest way to read the cap's firms, tier by tier, from cached counts.

    For each tier, in order, while fewer than ``cap`` firms are expected so far: walking from the
    tier's sectors costs ``WALK_COST_PER_FIRM`` per firm of those sectors nationwide; the hash join
    ``JOIN_COST_PER_FIRM`` per firm of the sectors plus per firm of the area; the rings
    ``WALK_COST_PER_FIRM`` per firm of every comuna read until the tier's firms there (by
    ``class_comuna``) cover what is still missing; the cells ``CELL_SEEK_COST`` per (class, comuna) pair
    and ``CELL_COST_PER_FIRM`` per firm of the tier in the same rings. Every tier gets a branch, but the query stops
    reading as soon as it has ``cap`` firms, so a tier the earlier ones fill is never read: stale
    or optimistic counts change only the cost, never the result. With a mandatory certification
    (``certification_filter``) the counts cannot say how many firms qualify, so every tier is
    costed as read to the end; and when the holders of the rarest mandatory certification
    (``mandatory_holders``: holders, any status, of each one) cost less to read than every tier,
    the query starts from them instead.
    """
    rings = rings_of(area, comuna_firms)
    ring_firms = [sum(comuna_firms.get(cut, 0) for cut in ring) for ring in rings]
    area_firms = sum(ring_firms)
    missing = cap
    total_cost = 0.0
    walks: list[Walk] = []
    tier_codes: list[tuple[str, ...]] = []
    for tier in sorted(set(area.tiers.values())):
        codes = tuple(sorted(code for code, t in area.tiers.items() if t == tier))
        nationwide = sum(sum(class_comuna.get(code, {}).values()) for code in codes)
        near = [0 if certification_filter else sum(class_comuna.get(code, {}).get(cut, 0) for code in codes
                                                   for cut in ring) for ring in rings]
        found, rings_cost, cells_cost = 0, 0.0, 0.0
        for ring, firms, cost in zip(rings, near, ring_firms, strict=True):
            if found >= max(missing, 1):
                break
            found += firms
            rings_cost += WALK_COST_PER_FIRM * cost
            tier_firms = sum(class_comuna.get(code, {}).get(cut, 0) for code in codes for cut in ring)
            per_firm = CELL_COST_PER_FIRM + (CERT_CHECK_PER_FIRM if certification_filter else 0.0)
            cells_cost += CELL_SEEK_COST * len(codes) * len(ring) + per_firm * tier_firms
        costs = {
            Walk.SECTORS: WALK_COST_PER_FIRM * nationwide,
            Walk.JOIN: JOIN_COST_PER_FIRM * (nationwide + area_firms),
            Walk.RINGS: rings_cost,
            Walk.CELLS: cells_cost,
        }
        allowed = {walk: cost for walk, cost in costs.items() if walk in walks_allowed}
        walks.append(min(allowed, key=lambda walk: (allowed[walk], list(Walk).index(walk))))
        tier_codes.append(codes)
        missing -= sum(near)
        total_cost += costs[walks[-1]]
    start = None
    if certification_filter and mandatory_holders:
        rarest = min(sorted(mandatory_holders), key=lambda code: mandatory_holders[code])
        if CERT_COST_PER_HOLDER * mandatory_holders[rarest] < total_cost:
            start = rarest
    return CandidatePlan(tuple(walks), tuple(tier_codes), tuple(tuple(r) for r in rings), start)


PlannerCounts = tuple[dict[str, dict[str, int]], dict[str, int], dict[str, int]]


def plan_need(area: SearchArea, counts: PlannerCounts, required: tuple[str, ...] | list[str], mandatory: bool,
              cap: int = CANDIDATE_CAP) -> CandidatePlan:
    """``plan_candidates`` for a need, from the counts ``graph_schema.candidates.planner_counts`` reads:
    (non-large firms per class per comuna, firms per comuna, holders per certification)."""
    class_comuna, comuna_firms, holders = counts
    filtered = mandatory and bool(required)
    return plan_candidates(area, class_comuna, comuna_firms, cap, filtered,
                           {code: holders.get(code, 0) for code in required} if filtered else None)


def nearest_with_firms(catalog: Catalog, area: SearchArea, origin: str, codes: list[str],
                       class_comuna: dict[str, dict[str, int]]) -> tuple[str | None, float | None]:
    """The closest comuna outside the area with a non-large firm of ``codes`` (cached counts), and its km."""
    inside = set(area.cuts)
    places = {cut for code in codes for cut, n in class_comuna.get(code, {}).items() if n and cut not in inside}
    if not places or origin not in catalog.comunas:
        return None, None
    from_origin = catalog.km_from(origin)
    km = {cut: from_origin[cut] for cut in places if cut in from_origin}
    if not km:
        return None, None
    best = min(km, key=lambda cut: (km[cut], cut))
    return best, round(km[best], 1)
