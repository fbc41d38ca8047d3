"""Register, change, read and find firms and cooperatives (for the API, the pages and imports alike)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from application.access import Viewer, for_viewer
from graph_schema import firm_pages
from graph_schema import firms as repo
from graph_schema import network as network_repo
from graph_schema.driver import Graph
from graph_schema.firm_pages import FirmFacet
from matching.catalog import Catalog
from matching.errors import FieldError, Forbidden, InvalidInput
from matching.records import FirmPatch, FirmRecord, normalize_firm
from matching.search import lucene_query, rerank
from matching.segments import SIZE_CLASSES

# How many full-text hits a search re-ranks; pages of a search come from this set.
SEARCH_RECALL = 500


def _now() -> str:
    return datetime.now(UTC).isoformat()


def register_firm(graph: Graph, catalog: Catalog, record: FirmRecord, viewer: Viewer,
                  source: str = "api") -> tuple[dict, bool]:
    """Create or replace a firm by RUT; ``(firm as the viewer may see it, created)``."""
    firm, created = repo.upsert_firm(graph, normalize_firm(record, catalog), _now(), source)
    return for_viewer(firm, viewer), created


def change_firm(graph: Graph, catalog: Catalog, rut: str, patch: FirmPatch, viewer: Viewer) -> dict:
    """Change the given fields of an existing firm."""
    return for_viewer(repo.patch_firm(graph, rut, normalize_firm(patch, catalog), _now()), viewer)


def get_firm(graph: Graph, rut: str, viewer: Viewer) -> dict:
    return for_viewer(repo.get_firm(graph, rut), viewer)


@dataclass(frozen=True)
class FirmFilters:
    """Filters of a firm list or search, as people give them (names or codes; all optional)."""

    sector: str | None = None
    comuna: str | int | None = None
    region: str | None = None
    certification: str | None = None
    size: str | None = None
    is_cooperative: bool | None = None

    def resolve(self, catalog: Catalog) -> dict:
        """Graph keys for the query, or ``InvalidInput`` naming the filter and why."""
        sizes = None
        if self.size:
            sizes = list(SIZE_CLASSES.get(self.size, (self.size,)))
            known = {s for members in SIZE_CLASSES.values() for s in members}
            if not set(sizes) <= known:
                raise InvalidInput(FieldError(
                    "size", f"Tamaño desconocido «{self.size}»; use micro, pequena, mediana, grande o un segmento "
                            "SII como micro_1."))
        return {
            "sizes": sizes,
            "cooperative": self.is_cooperative,
            "comuna": catalog.resolve_comuna(self.comuna).cut if self.comuna else None,
            "region": catalog.resolve_region(self.region) if self.region else None,
            "sector": catalog.resolve_sector(self.sector, "sector").code if self.sector else None,
            "certification": catalog.resolve_certification(self.certification, "certification")
            if self.certification else None,
        }


def find_firms(graph: Graph, catalog: Catalog, filters: FirmFilters, viewer: Viewer, *, q: str | None,
               limit: int, after: str = "", offset: int = 0) -> tuple[list[dict], dict | None]:
    """A page of firms and the state of the next one (None when this is the last).

    With ``q`` (typo-tolerant: full-text for recall, rapidfuzz to re-rank) pages are offsets into
    the re-ranked hits; without it, firms in RUT order after ``after``.
    """
    keys = filters.resolve(catalog)
    lucene = lucene_query(q) if q else None
    if lucene:
        ranked = rerank(q or "", repo.search_firms(graph, lucene=lucene, recall=SEARCH_RECALL, filters=keys))
        items = ranked[offset: offset + limit + 1]
        more = {"offset": offset + limit} if len(items) > limit else None
    else:
        items = repo.list_firms(graph, after=after, limit=limit + 1, filters=keys)
        more = {"after": items[limit - 1]["rut"]} if len(items) > limit else None
    return [for_viewer(f, viewer) for f in items[:limit]], more


# -- what the pages show ------------------------------------------------------------------------

# Proposals a firm page lists at most.
FIRM_PAGE_PROPOSALS = 100
# How long a worker reuses the counts of a firm search without words (per set of filters): each is a
# grouping over every firm that passes the filters (~15-90 ms at 20,000 firms), and a count that
# lags a new firm by half a minute misleads nobody.
FACET_CACHE_SECONDS = 30.0
FACET_CACHE_SIZE = 256

# The counting queries of one search run side by side (created on first use, after gunicorn forks).
_COUNTING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="encadena-facets")


class _TimedCache:
    """A small per-worker cache whose entries expire after ``FACET_CACHE_SECONDS``."""

    def __init__(self) -> None:
        self._items: OrderedDict[tuple, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple):
        with self._lock:
            hit = self._items.get(key)
            if hit is None or time.monotonic() - hit[0] >= FACET_CACHE_SECONDS:
                return None
            return hit[1]

    def put(self, key: tuple, value) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > FACET_CACHE_SIZE:
                self._items.popitem(last=False)


_facet_counts = _TimedCache()


def _counts_without_words(graph: Graph, catalog: Catalog, keys: dict) -> tuple[dict[str, dict], int]:
    """Firms per option of each filter (the others applied) and the total, cached a few seconds.

    With neither a region nor a comuna chosen, the regions' counts are the sum of their comunas'; with
    no cooperative filter, the total is the sum of cooperatives and others: two scans fewer.
    """
    cache_key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in keys.items()))
    cached = _facet_counts.get(cache_key)
    if cached is None:
        regions_from_comunas = keys.get("region") is None and keys.get("comuna") is None
        asked = [f for f in FirmFacet if not (f is FirmFacet.REGION and regions_from_comunas)]
        futures = {facet: _COUNTING.submit(firm_pages.firm_facet_counts, graph, facet, keys) for facet in asked}
        counts = {facet.value: future.result() for facet, future in futures.items()}
        if regions_from_comunas:
            regions: dict[str, int] = {}
            for cut, n in counts[FirmFacet.COMUNA.value].items():
                region = catalog.comunas[cut].region_cut if cut in catalog.comunas else None
                if region:
                    regions[region] = regions.get(region, 0) + n
            counts[FirmFacet.REGION.value] = regions
        if keys.get("cooperative") is None:
            total = sum(counts[FirmFacet.COOPERATIVE.value].values())
        else:
            total = firm_pages.firms_total(graph, keys)
        cached = (counts, total)
        _facet_counts.put(cache_key, cached)
    return cached


def _passes(firm: dict, keys: dict, skip: str | None = None) -> bool:
    """Whether a search hit passes the resolved filters (``FirmFilters.resolve``), one of them skipped."""
    comuna = firm.get("comuna") or {}
    checks = {
        "sizes": lambda v: firm.get("size_segment") in v,
        "cooperative": lambda v: bool(firm.get("is_cooperative")) == v,
        "comuna": lambda v: comuna.get("cut") == v,
        "region": lambda v: comuna.get("region_cut") == v,
        "sector": lambda v: any(s["code"].startswith(v) for s in firm.get("sectors") or []),
        "certification": lambda v: any(c["code"] == v and c["status"] == "valid"
                                       for c in firm.get("certifications") or []),
    }
    return all(check(keys[name]) for name, check in checks.items() if name != skip and keys.get(name) is not None)


def _hit_keys(firm: dict, facet: FirmFacet) -> list:
    comuna = firm.get("comuna") or {}
    if facet is FirmFacet.REGION:
        return [comuna.get("region_cut")]
    if facet is FirmFacet.COMUNA:
        return [comuna.get("cut")]
    if facet is FirmFacet.SECTOR:
        return sorted({s["code"][:2] for s in firm.get("sectors") or []})
    if facet is FirmFacet.SIZE:
        return [firm.get("size_segment")]
    if facet is FirmFacet.CERTIFICATION:
        return [c["code"] for c in firm.get("certifications") or [] if c["status"] == "valid"]
    return [bool(firm.get("is_cooperative"))]


def _size_classes(by_segment: dict) -> dict[str, int]:
    """Counts per SII segment summed per size class (micro, pequena, mediana, grande, sin_ventas)."""
    return {name: sum(by_segment.get(s, 0) for s in members) for name, members in SIZE_CLASSES.items()
            if any(by_segment.get(s) for s in members)}


def firm_search_page(graph: Graph, catalog: Catalog, filters: FirmFilters, viewer: Viewer, *, q: str | None,
                     offset: int, limit: int) -> dict:
    """A page of firms for the firm search, the total, and how many firms each filter option leaves.

    With words (``q``): the full-text hits, re-ranked, filtered and counted here (each facet with the
    other filters applied); without: the firms in RUT order and one counting query per facet, run side
    by side and reused for ``FACET_CACHE_SECONDS``.
    ``filters.sector`` is an ISIC division (the facet's level). Staff only, as the pages are.
    """
    if viewer.is_buyer:
        raise Forbidden("La búsqueda de empresas de las páginas es para asesores y administradores.")
    keys = filters.resolve(catalog)
    lucene = lucene_query(q) if q else None
    if lucene:
        hits = rerank(q or "", repo.search_firms(graph, lucene=lucene, recall=SEARCH_RECALL,
                                                 filters=dict.fromkeys(keys)))
        passing = [h for h in hits if _passes(h, keys)]
        facets: dict[str, dict] = {}
        for facet in FirmFacet:
            counted: dict = {}
            for hit in hits:
                if _passes(hit, keys, skip=facet.value):
                    for key in _hit_keys(hit, facet):
                        counted[key] = counted.get(key, 0) + 1
            facets[facet.value] = counted
        items, total = passing[offset: offset + limit], len(passing)
    else:
        counted, total = _counts_without_words(graph, catalog, keys)
        facets = {name: dict(counts) for name, counts in counted.items()}
        items = repo.list_firms(graph, after="", limit=offset + limit, filters=keys)[offset:]
    facets["sizes"] = _size_classes(facets["sizes"])
    return {"items": [for_viewer(f, viewer) for f in items], "total": total, "facets": facets}


def firm_profile(graph: Graph, rut: str, viewer: Viewer) -> dict:
    """A firm with its alliances, advisory sessions (by advisor) and the proposals made for it."""
    if viewer.is_buyer:
        raise Forbidden("La ficha completa de una empresa es para asesores y administradores.")
    firm = repo.get_firm(graph, rut)
    alliances = network_repo.list_alliances(graph, buyer=None, project=None, firm=rut, after=None, limit=100)
    return for_viewer({
        "firm": firm,
        "alliances": alliances,
        "sessions": firm_pages.firm_sessions(graph, rut),
        "proposals": firm_pages.firm_proposals(graph, rut, FIRM_PAGE_PROPOSALS),
    }, viewer)
