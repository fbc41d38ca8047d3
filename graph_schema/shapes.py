"""Comuna outlines for drawing maps: the DPA 2023 polygons, lightened, cached per process.

The package's polygons are already coarse on the mainland (Santiago has 11 vertices; vertices
lie ~1.5 km apart), but the far south carries some 40,000 islets: 226,000 vertices in all, 162,000
of them in parts under 0.1 km². Dropping parts under ``MIN_PART_KM2`` (keeping each comuna's
largest part, so Isla de Pascua or Juan Fernández never vanish) and simplifying at
``SIMPLIFY_TOLERANCE_DEG`` leaves ~54,000 vertices in ~1,340 parts, built in ~0.3 s on top of the
parquet read and ``read_territory``. A map then simplifies again at its own scale (``service.pages.map``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely

from graph_schema.reference import read_dpa, read_territory
from matching.catalog import EARTH_RADIUS_KM

# Islets smaller than this are left out: at comuna scale (a view some 50 km across drawn 390 px
# wide) 1 km² is about 8 px across, the smallest island worth a shape.
MIN_PART_KM2 = 1.0
# ~200 m: well under a pixel at comuna scale, while collapsing what is left of the islets' detail.
SIMPLIFY_TOLERANCE_DEG = 0.002
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180  # of latitude, on the sphere distances are measured on


@dataclass(frozen=True)
class ComunaShape:
    cut: str
    name: str
    region_cut: str
    lon: float  # the centroid distances are measured from (graph_schema.reference.read_territory)
    lat: float
    geometry: shapely.Geometry  # simplified (Multi)Polygon in lon/lat


class ComunaShapes:
    """All comuna shapes by CUT, with a spatial index for the ones in a lon/lat box."""

    def __init__(self, shapes: list[ComunaShape]):
        self.by_cut = {s.cut: s for s in shapes}
        self._list = shapes
        self._tree = shapely.STRtree([s.geometry for s in shapes])

    def __getitem__(self, cut: str) -> ComunaShape:
        return self.by_cut[cut]

    def __contains__(self, cut: object) -> bool:
        return cut in self.by_cut

    def __len__(self) -> int:
        return len(self._list)

    def in_bbox(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> list[ComunaShape]:
        """Comunas whose outline meets the box, in CUT order."""
        box = shapely.box(min_lon, min_lat, max_lon, max_lat)
        hits = self._tree.query(box, predicate="intersects")
        return sorted((self._list[i] for i in hits.tolist()), key=lambda s: s.cut)


def _lighten(geometries: np.ndarray) -> np.ndarray:
    """Drop islets under MIN_PART_KM2 (never a comuna's largest part) and simplify what remains."""
    parts, owner = shapely.get_parts(geometries, return_index=True)
    lat = shapely.get_y(shapely.centroid(parts))
    km2 = shapely.area(parts) * KM_PER_DEGREE**2 * np.cos(np.radians(lat))
    largest = {int(i): int(np.flatnonzero(owner == i)[np.argmax(km2[owner == i])]) for i in np.unique(owner)}
    keep = km2 >= MIN_PART_KM2
    keep[list(largest.values())] = True
    # preserve_topology would keep every ring at 4+ vertices; without it a ring that collapses is
    # dropped, and the few rings it leaves self-intersecting are repaired below.
    simple, simple_owner = shapely.get_parts(
        shapely.simplify(parts[keep], SIMPLIFY_TOLERANCE_DEG, preserve_topology=False), return_index=True
    )
    simple_owner = owner[keep][simple_owner]
    lightened = []
    for i in range(len(geometries)):
        mine = simple[(simple_owner == i) & ~shapely.is_empty(simple)]
        # A comuna thinner than the tolerance would vanish: keep its largest part as it was.
        lightened.append(shapely.multipolygons(mine) if len(mine) else shapely.multipolygons([parts[largest[i]]]))
    out = np.array(lightened, dtype=object)
    invalid = ~shapely.is_valid(out)
    out[invalid] = shapely.make_valid(out[invalid], method="structure", keep_collapsed=False)
    return out


@cache
def comuna_shapes() -> ComunaShapes:
    """The 345 comunas of the DPA 2023 as lightened outlines with their centroids (built once)."""
    dpa = read_dpa()
    centroids = {c["cut"]: (c["lon"], c["lat"]) for c in read_territory().comunas}
    geometries = _lighten(dpa.geometries)
    return ComunaShapes([
        ComunaShape(
            cut=row["CUT_COM"], name=row["COMUNA"], region_cut=row["CUT_REG"],
            lon=centroids[row["CUT_COM"]][0], lat=centroids[row["CUT_COM"]][1], geometry=geometry,
        )
        for row, geometry in zip(dpa.rows, geometries, strict=True)
    ])
