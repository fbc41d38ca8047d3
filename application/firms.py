"""Register, change, read and find firms and cooperatives (for the API, the pages and imports alike)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from application.access import Viewer, for_viewer
from graph_schema import firms as repo
from graph_schema.driver import Graph
from matching.catalog import Catalog
from matching.errors import FieldError, InvalidInput
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
