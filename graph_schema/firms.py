"""Firms and cooperatives: batched upserts, reads shaped as the API sends them, filtered lists."""

from __future__ import annotations

from typing import LiteralString

from neo4j import ManagedTransaction, RoutingControl

from graph_schema.cells import CREATE_CELL_LINKS, SYNC_CELLS, cell_groups
from graph_schema.driver import Graph
from matching.errors import FieldError, InvalidInput, NotFound
from matching.records import FIRM_PROPERTIES

# The firm's scalar properties in a map projection (``f {.rut, <these>}``), from the one field list.
FIRM_PROPERTY_MAP: LiteralString = ", ".join("." + name for name in FIRM_PROPERTIES)  # type: ignore[assignment]

# One statement writes a whole batch. Each relationship list is replaced only when the row
# carries it (not null), so the same query serves full upserts and partial patches.
WRITE_FIRMS: LiteralString = """
UNWIND $rows AS row
MERGE (f:Firm {rut: row.rut})
ON CREATE SET f.created_at = datetime($now), f.source = $source
SET f += row.props, f.updated_at = datetime($now)
FOREACH (_ IN CASE WHEN row.is_cooperative = true THEN [1] ELSE [] END | SET f:Cooperative)
FOREACH (_ IN CASE WHEN row.is_cooperative = false THEN [1] ELSE [] END | REMOVE f:Cooperative)
WITH f, row
CALL (f, row) {
  WITH f, row WHERE row.sectors IS NOT NULL
  OPTIONAL MATCH (f)-[old:OPERATES_IN]->(s:Sector) WHERE NOT s.code IN row.sectors
  DELETE old
}
CALL (f, row) {
  UNWIND coalesce(row.sectors, []) AS code
  MATCH (s:Sector {code: code})
  MERGE (f)-[:OPERATES_IN]->(s)
}
CALL (f, row) {
  WITH f, row WHERE row.comuna IS NOT NULL
  OPTIONAL MATCH (f)-[old:LOCATED_IN]->(c:Comuna) WHERE c.cut <> row.comuna
  DELETE old
}
CALL (f, row) {
  WITH f, row WHERE row.comuna IS NOT NULL
  MATCH (c:Comuna {cut: row.comuna})
  MERGE (f)-[:LOCATED_IN]->(c)
}
CALL (f, row) {
  WITH f, row WHERE row.certifications IS NOT NULL
  OPTIONAL MATCH (f)-[old:HOLDS]->(c:Certification)
  WHERE NOT c.code IN [x IN row.certifications | x.code]
  DELETE old
}
CALL (f, row) {
  UNWIND coalesce(row.certifications, []) AS cert
  MATCH (c:Certification {code: cert.code})
  MERGE (f)-[h:HOLDS]->(c)
  SET h.status = cert.status, h.valid_until = CASE WHEN cert.valid_until IS NULL THEN null
                                                   ELSE date(cert.valid_until) END
}
CALL (f, row) {
  WITH f, row WHERE row.sectors IS NOT NULL OR row.comuna IS NOT NULL
""" + SYNC_CELLS + """
}
RETURN count(f) AS written
"""

# Firms known not to exist yet (bulk imports check first): plain CREATEs, no MERGE or replace steps.
# The rows come pre-flattened (``create_parameters``): one list of property maps, sorted by RUT,
# then one list per relationship type naming firms by their position in that list, so each
# relationship is one CREATE with no per-row subquery and no second index seek for the firm.
# The unique constraint on rut still guards against a race.
CREATE_FIRMS: LiteralString = """
WITH datetime($now) AS now
UNWIND $firms AS props
CREATE (f:Firm)
SET f = props, f.created_at = now, f.updated_at = now, f.source = $source
WITH f ORDER BY f.rut
WITH collect(f) AS firms
CALL (firms) {
  UNWIND $cooperatives AS i
  WITH firms[i] AS f
  SET f:Cooperative
}
CALL (firms) {
  UNWIND $located_in AS group
  MATCH (c:Comuna {cut: group[0]})
  UNWIND group[1] AS i
  WITH firms[i] AS f, c
  CREATE (f)-[:LOCATED_IN]->(c)
}
CALL (firms) {
  UNWIND $operates_in AS group
  MATCH (s:Sector {code: group[0]})
  UNWIND group[1] AS i
  WITH firms[i] AS f, s
  CREATE (f)-[:OPERATES_IN]->(s)
}
CALL (firms) {
  UNWIND $holds AS holding
  MATCH (c:Certification {code: holding[1]})
  WITH firms[holding[0]] AS f, c, holding
  CREATE (f)-[:HOLDS {status: holding[2], valid_until: date(holding[3])}]->(c)
}
""" + CREATE_CELL_LINKS + """
RETURN size(firms) AS written
"""

MISSING_COOPERATIVES: LiteralString = """
UNWIND $rows AS row
UNWIND row.member_of AS coop_rut
OPTIONAL MATCH (co:Cooperative {rut: coop_rut})
WITH row, coop_rut, co WHERE co IS NULL
RETURN row.rut AS rut, collect(coop_rut) AS missing
"""

WRITE_MEMBERSHIPS: LiteralString = """
UNWIND $rows AS row
MATCH (f:Firm {rut: row.rut})
CALL (f, row) {
  OPTIONAL MATCH (f)-[old:MEMBER_OF]->(co:Cooperative) WHERE NOT co.rut IN row.member_of
  DELETE old
}
CALL (f, row) {
  UNWIND row.member_of AS coop_rut
  MATCH (co:Cooperative {rut: coop_rut})
  MERGE (f)-[:MEMBER_OF]->(co)
}
"""

FIRM_EXISTS: LiteralString = "MATCH (f:Firm {rut: $rut}) RETURN f.rut AS rut"

# The API's view of a firm, shaped in the query.
FIRM_PROJECTION: LiteralString = """
f {
  .rut, """ + FIRM_PROPERTY_MAP + """,
  is_cooperative: f:Cooperative,
  comuna: COLLECT { MATCH (f)-[:LOCATED_IN]->(c:Comuna)
                    RETURN c {.cut, .name, region_cut: c.region_cut} LIMIT 1 }[0],
  sectors: COLLECT { MATCH (f)-[:OPERATES_IN]->(s:Sector) RETURN s {.code, .name} ORDER BY s.code },
  certifications: COLLECT { MATCH (f)-[h:HOLDS]->(c:Certification)
                            RETURN {code: c.code, name: c.name, status: h.status,
                                    valid_until: toString(h.valid_until)} ORDER BY c.code },
  member_of: COLLECT { MATCH (f)-[:MEMBER_OF]->(co:Cooperative) RETURN co.rut ORDER BY co.rut },
  created_at: toString(f.created_at), updated_at: toString(f.updated_at)
}
"""

GET_FIRM: LiteralString = "MATCH (f:Firm {rut: $rut}) RETURN " + FIRM_PROJECTION + " AS firm"

# Filters are all optional; the cursor is the last RUT of the previous page (index-backed order).
LIST_FIRMS: LiteralString = """
MATCH (f:Firm)
WHERE f.rut > $after
  AND ($sizes IS NULL OR f.size_segment IN $sizes)
  AND ($cooperative IS NULL OR (f:Cooperative) = $cooperative)
  AND ($comuna IS NULL OR EXISTS { (f)-[:LOCATED_IN]->(:Comuna {cut: $comuna}) })
  AND ($region IS NULL OR EXISTS { (f)-[:LOCATED_IN]->(c:Comuna) WHERE c.region_cut = $region })
  AND ($sector IS NULL OR EXISTS { (f)-[:OPERATES_IN]->(:Sector)-[:PART_OF*0..3]->(:Sector {code: $sector}) })
  AND ($certification IS NULL OR EXISTS {
        (f)-[h:HOLDS]->(:Certification {code: $certification}) WHERE h.status = 'valid' })
WITH f ORDER BY f.rut LIMIT $limit
RETURN """ + FIRM_PROJECTION + " AS firm"

# Typo-tolerant search: full-text (Lucene, fuzzy terms) for recall, filters as above.
SEARCH_FIRMS: LiteralString = """
CALL db.index.fulltext.queryNodes('firm_text', $lucene, {limit: $recall})
YIELD node AS f, score
WHERE ($sizes IS NULL OR f.size_segment IN $sizes)
  AND ($cooperative IS NULL OR (f:Cooperative) = $cooperative)
  AND ($comuna IS NULL OR EXISTS { (f)-[:LOCATED_IN]->(:Comuna {cut: $comuna}) })
  AND ($region IS NULL OR EXISTS { (f)-[:LOCATED_IN]->(c:Comuna) WHERE c.region_cut = $region })
  AND ($sector IS NULL OR EXISTS { (f)-[:OPERATES_IN]->(:Sector)-[:PART_OF*0..3]->(:Sector {code: $sector}) })
  AND ($certification IS NULL OR EXISTS {
        (f)-[h:HOLDS]->(:Certification {code: $certification}) WHERE h.status = 'valid' })
RETURN score, """ + FIRM_PROJECTION + " AS firm"


def firm_row(values: dict) -> dict:
    """Split a normalized firm (``matching.records.normalize_firm``) into the query's row shape."""
    props = {k: values[k] for k in FIRM_PROPERTIES if k in values}
    return {
        "rut": values["rut"],
        "props": props,
        "is_cooperative": values.get("is_cooperative"),
        "sectors": values.get("sectors"),
        "comuna": values.get("comuna"),
        "certifications": values.get("certifications"),
        "member_of": values.get("member_of"),
    }


def create_parameters(rows: list[dict]) -> dict:
    """``CREATE_FIRMS``'s parameters for firm rows (``firm_row``) that all carry comuna and sectors.

    Firms are sorted by RUT (the query collects the created nodes in that order) and named by
    position; relationships are grouped by their target (comuna, sector) or listed (holdings).
    """
    ordered = sorted(rows, key=lambda r: r["rut"])
    firms, cooperatives, holds = [], [], []
    located_in: dict[str, list[int]] = {}
    operates_in: dict[str, list[int]] = {}
    for i, row in enumerate(ordered):
        props = {k: v for k, v in row["props"].items() if v is not None}
        props["rut"] = row["rut"]
        firms.append(props)
        if row.get("is_cooperative"):
            cooperatives.append(i)
        located_in.setdefault(row["comuna"], []).append(i)
        for code in row["sectors"]:
            operates_in.setdefault(code, []).append(i)
        for cert in row.get("certifications") or ():
            holds.append([i, cert["code"], cert["status"], cert.get("valid_until")])
    return {"firms": firms, "cooperatives": cooperatives,
            "located_in": [[cut, firms_at] for cut, firms_at in located_in.items()],
            "operates_in": [[code, firms_in] for code, firms_in in operates_in.items()], "holds": holds,
            "in_cell": cell_groups([r["comuna"] for r in ordered], [r["sectors"] for r in ordered])}


def write_firms_tx(tx: ManagedTransaction, rows: list[dict], now: str, source: str, *, new: bool = False) -> int:
    """Write firm rows (see ``firm_row``) in one transaction; memberships after all firms exist.

    ``new=True`` when none of the RUTs exists yet (the caller checked in this transaction) and
    every row carries its comuna and sectors (a new firm needs them).
    """
    if new:
        result = tx.run(CREATE_FIRMS, now=now, source=source, **create_parameters(rows))
    else:
        result = tx.run(WRITE_FIRMS, rows=rows, now=now, source=source)
    written = result.single()["written"]
    with_members = [{"rut": r["rut"], "member_of": r["member_of"]} for r in rows if r.get("member_of") is not None]
    if with_members:
        missing = tx.run(MISSING_COOPERATIVES, rows=with_members).data()
        if missing:
            raise InvalidInput([
                FieldError("member_of", f"{m['rut']}: no hay cooperativa registrada con RUT {', '.join(m['missing'])}.")
                for m in missing
            ])
        tx.run(WRITE_MEMBERSHIPS, rows=with_members).consume()
    return written


def upsert_firm(driver: Graph, values: dict, now: str, source: str = "api") -> tuple[dict, bool]:
    """Create or replace one firm by RUT; return ``(firm, created)``."""
    row = firm_row(values)

    def work(tx: ManagedTransaction):
        existed = tx.run(FIRM_EXISTS, rut=row["rut"]).single() is not None
        write_firms_tx(tx, [row], now, source)
        return tx.run(GET_FIRM, rut=row["rut"]).single()["firm"], not existed

    with driver.session() as session:
        return session.execute_write(work)


def patch_firm(driver: Graph, rut: str, values: dict, now: str) -> dict:
    """Change the given fields of an existing firm."""
    row = firm_row({**values, "rut": rut})

    def work(tx: ManagedTransaction):
        if tx.run(FIRM_EXISTS, rut=rut).single() is None:
            raise NotFound(f"No existe una empresa con RUT {rut}.")
        write_firms_tx(tx, [row], now, "api")
        return tx.run(GET_FIRM, rut=rut).single()["firm"]

    with driver.session() as session:
        return session.execute_write(work)


def get_firm(driver: Graph, rut: str) -> dict:
    records, _, _ = driver.execute_query(GET_FIRM, rut=rut, routing_=RoutingControl.READ)
    if not records:
        raise NotFound(f"No existe una empresa con RUT {rut}.")
    return records[0]["firm"]


def list_firms(driver: Graph, *, after: str, limit: int, filters: dict) -> list[dict]:
    records, _, _ = driver.execute_query(
        LIST_FIRMS, after=after, limit=limit, **filters, routing_=RoutingControl.READ
    )
    return [r["firm"] for r in records]


def search_firms(driver: Graph, *, lucene: str, recall: int, filters: dict) -> list[tuple[float, dict]]:
    records, _, _ = driver.execute_query(
        SEARCH_FIRMS, lucene=lucene, recall=recall, **filters, routing_=RoutingControl.READ
    )
    return [(r["score"], r["firm"]) for r in records]
