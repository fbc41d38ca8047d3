"""Where to look for candidates: the ISIC codes (with tiers) and comunas a need's search covers.

Pure Python over the reference ``Catalog``; ``graph_schema.candidates`` turns the result into one
bounded query.

The candidate rule (documented in docs/matching.md):

- sectors: the ISIC classes under each of the need's sectors (tier 0), then the other classes of
  the same group (tier 1), then of the same division (tier 2). A need posted at division or
  section level already covers its whole subtree, so it has no wider tiers;
- territory: comunas whose centroid lies within ``radius_km`` of the need's comuna, plus the
  comunas adjacent to it (``Catalog.comunas_within``);
- never large firms (SII segment ``grande``); required certifications filter only when the need
  marks them mandatory;
- at most ``CANDIDATE_CAP`` firms, taken in order of tier, then distance, then RUT: the closest
  firms of the nearest sectors win the places.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from matching.catalog import EARTH_RADIUS_KM, Catalog

# Candidates scored per request: 50 times the default page of 20, enough for any realistic need (a
# need with more suppliers of its own classes within its radius is better served by a smaller
# radius), small enough to keep a request under 150 ms at 100,000 firms. A cap of 2,000 doubles the
# cost of the projection and the features; on the benchmark's 40 needs at 100,000 firms it left
# the top 20 unchanged for 33 needs, and the other 7 shared 16 to 19 of their 20 firms.
CANDIDATE_CAP = 1000

TIER_OWN = 0
TIER_GROUP = 1
TIER_DIVISION = 2


class Plan(Enum):
    """How the candidate query finds the firms of the area's sectors (graph_schema.candidates)."""

    FROM_SECTORS = "from_sectors"
    FROM_COMUNAS = "from_comunas"
    JOINED = "joined"
    NEAREST_FIRST = "nearest_first"


# db hits to find one firm's comuna or sectors by walking its relationships (the demo's firms
# have ~6: sectors, comuna, certifications, advisors, alliances, proposals), and the cost of one
# hash-join row relative to one db hit (measured with PROFILE at 100,000 demo firms).
WALK_HITS_PER_FIRM = 6.0
JOIN_COST_PER_FIRM = 1.5
# When the need's own classes are expected to have at least this many times the cap in the area,
# the cap is reached in the nearest comunas: walk rings of comunas outward and stop there.
NEAREST_FIRST_FACTOR = 2.0
# Firms (of any sector) per ring of comunas in that walk.
RING_FIRMS = 3000


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
    km = comunas_within(catalog, comuna_cut, radius_km) if comuna_cut in catalog.comunas else {}
    return SearchArea(codes=sorted(tiers), tiers=tiers, cuts=sorted(km), km=km)


def comunas_within(catalog: Catalog, cut: str, radius_km: float) -> dict[str, float]:
    """``Catalog.comunas_within`` (centroid within the radius, or adjacent) with each comuna's km, vectorized."""
    cuts, lat, lon = _centroids(catalog)
    origin = catalog.comunas[cut]
    p0, p1 = np.radians(origin.lat), np.radians(lat)
    a = np.sin((p1 - p0) / 2) ** 2 + np.cos(p0) * np.cos(p1) * np.sin(np.radians(lon - origin.lon) / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    keep = km <= radius_km
    keep |= np.isin(cuts, list(catalog.adjacency.get(cut, frozenset())) + [cut])
    return {c: round(float(d), 3) for c, d in zip(cuts[keep].tolist(), km[keep].tolist(), strict=True)}


# Centroid arrays per catalog (reference data is fixed for a process's lifetime).
_CENTROIDS: dict[int, tuple[Catalog, np.ndarray, np.ndarray, np.ndarray]] = {}


def _centroids(catalog: Catalog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cached = _CENTROIDS.get(id(catalog))
    if cached is None or cached[0] is not catalog:
        comunas = sorted(catalog.comunas.values(), key=lambda c: c.cut)
        cached = (catalog, np.array([c.cut for c in comunas]), np.array([c.lat for c in comunas]),
                  np.array([c.lon for c in comunas]))
        _CENTROIDS[id(catalog)] = cached
    return cached[1], cached[2], cached[3]


def choose_plan(area: SearchArea, sector_firms: dict[str, int], comuna_firms: dict[str, int],
                cap: int = CANDIDATE_CAP) -> Plan:
    """The cheapest way to intersect the area's sectors and comunas, from their firm counts.

    Walking from the sectors costs ``S * (1 + WALK_HITS_PER_FIRM)``, from the comunas
    ``C * (1 + WALK_HITS_PER_FIRM)``, and the hash join ``(S + C) * JOIN_COST_PER_FIRM``, where S is
    how many firms the sectors have nationwide and C how many firms the area's comunas have. When
    the need's own classes should fill the cap ``NEAREST_FIRST_FACTOR`` times over (their national
    share times C), the nearest rings of comunas suffice. Counts may be stale or missing: the plan
    changes only the cost, never the result.
    """
    s = sum(sector_firms.get(code, 0) for code in area.codes)
    c = sum(comuna_firms.get(cut, 0) for cut in area.cuts)
    total = sum(comuna_firms.values())
    own = sum(sector_firms.get(code, 0) for code, tier in area.tiers.items() if tier == TIER_OWN)
    if total and own / total * c >= NEAREST_FIRST_FACTOR * cap:
        return Plan.NEAREST_FIRST
    costs = {
        Plan.FROM_SECTORS: s * (1 + WALK_HITS_PER_FIRM),
        Plan.FROM_COMUNAS: c * (1 + WALK_HITS_PER_FIRM),
        Plan.JOINED: (s + c) * JOIN_COST_PER_FIRM,
    }
    return min(costs, key=lambda plan: (costs[plan], list(Plan).index(plan)))


def nearest_first_steps(area: SearchArea, comuna_firms: dict[str, int], ring_firms: int = RING_FIRMS) -> list[dict]:
    """The ``Plan.NEAREST_FIRST`` walk: for each tier in order, rings of comunas outward.

    A ring holds whole comunas in order of distance, about ``ring_firms`` firms, and never splits
    comunas at the same distance, so reading the steps in order yields firms in (tier, km) order.
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
    steps = []
    for tier in sorted(set(area.tiers.values())):
        codes = sorted(code for code, t in area.tiers.items() if t == tier)
        steps += [{"codes": codes, "cuts": r} for r in rings]
    return steps
