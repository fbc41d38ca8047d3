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

from matching.catalog import Catalog

# Candidates scored per request. Enough for any realistic need (a need with more than this many
# suppliers of its own classes within its radius is better served by a smaller radius), small
# enough to keep a request well under 150 ms at 100,000 firms.
CANDIDATE_CAP = 2000

TIER_OWN = 0
TIER_GROUP = 1
TIER_DIVISION = 2


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
    cuts = catalog.comunas_within(comuna_cut, radius_km) if comuna_cut in catalog.comunas else []
    km = {cut: round(catalog.distance_km(comuna_cut, cut), 3) for cut in cuts}
    return SearchArea(codes=sorted(tiers), tiers=tiers, cuts=cuts, km=km)
