"""Buyers (large companies): upsert by RUT, read and list, shaped as the API sends them."""

from __future__ import annotations

from typing import LiteralString

from neo4j import ManagedTransaction, RoutingControl

from graph_schema.driver import Graph
from matching.errors import NotFound
from matching.text import fold

# Relationship lists are replaced, so a second POST with the same RUT leaves exactly what it says.
WRITE_BUYERS: LiteralString = """
UNWIND $rows AS row
MERGE (b:Buyer {rut: row.rut})
ON CREATE SET b.created_at = datetime($now)
SET b.name = row.name, b.name_key = row.name_key, b.annual_sales_uf = row.annual_sales_uf,
    b.contact_email = row.contact_email
WITH b, row
CALL (b, row) {
  OPTIONAL MATCH (b)-[old:LOCATED_IN]->(c:Comuna) WHERE c.cut <> row.comuna
  DELETE old
}
CALL (b, row) {
  MATCH (c:Comuna {cut: row.comuna})
  MERGE (b)-[:LOCATED_IN]->(c)
}
CALL (b, row) {
  OPTIONAL MATCH (b)-[old:OPERATES_IN]->(s:Sector) WHERE NOT s.code IN row.sectors
  DELETE old
}
CALL (b, row) {
  UNWIND row.sectors AS code
  MATCH (s:Sector {code: code})
  MERGE (b)-[:OPERATES_IN]->(s)
}
RETURN count(b) AS written
"""

BUYER_EXISTS: LiteralString = "MATCH (b:Buyer {rut: $rut}) RETURN b.rut AS rut"

BUYER_PROJECTION: LiteralString = """
b {
  .rut, .name, .annual_sales_uf, .contact_email,
  comuna: COLLECT { MATCH (b)-[:LOCATED_IN]->(c:Comuna)
                    RETURN c {.cut, .name, region_cut: c.region_cut} LIMIT 1 }[0],
  sectors: COLLECT { MATCH (b)-[:OPERATES_IN]->(s:Sector) RETURN s {.code, .name, .level} ORDER BY s.code },
  open_needs: COUNT { (b)-[:POSTED]->(n:Need) WHERE n.status = 'open' },
  created_at: toString(b.created_at)
}
"""

GET_BUYER: LiteralString = "MATCH (b:Buyer {rut: $rut}) RETURN " + BUYER_PROJECTION + " AS buyer"

# The cursor is the last RUT of the previous page (the uniqueness constraint's index orders it).
LIST_BUYERS: LiteralString = """
MATCH (b:Buyer) WHERE b.rut > $after
WITH b ORDER BY b.rut LIMIT $limit
RETURN """ + BUYER_PROJECTION + " AS buyer"


# Every buyer's RUT and name, by name: the choices of a form (a report's scope).
BUYER_CHOICES: LiteralString = "MATCH (b:Buyer) RETURN b.rut AS rut, b.name AS name ORDER BY name, rut LIMIT $limit"


def buyer_choices(driver: Graph, limit: int) -> list[dict]:
    records, _, _ = driver.execute_query(BUYER_CHOICES, limit=limit, routing_=RoutingControl.READ)
    return [dict(r) for r in records]


def buyer_row(values: dict) -> dict:
    """A normalized buyer (``matching.records.normalize_buyer``) as a row of ``WRITE_BUYERS``."""
    return {**values, "name_key": fold(values["name"])}


def upsert_buyer(driver: Graph, values: dict, now: str) -> tuple[dict, bool]:
    """Create or replace one buyer by RUT; return ``(buyer, created)``."""
    row = buyer_row(values)

    def work(tx: ManagedTransaction) -> tuple[dict, bool]:
        existed = tx.run(BUYER_EXISTS, rut=row["rut"]).single() is not None
        tx.run(WRITE_BUYERS, rows=[row], now=now).consume()
        return tx.run(GET_BUYER, rut=row["rut"]).single(strict=True)["buyer"], not existed

    with driver.session() as session:
        return session.execute_write(work)


def get_buyer(driver: Graph, rut: str) -> dict:
    records, _, _ = driver.execute_query(GET_BUYER, rut=rut, routing_=RoutingControl.READ)
    if not records:
        raise NotFound(f"No existe un comprador con RUT {rut}.")
    return records[0]["buyer"]


def list_buyers(driver: Graph, *, after: str, limit: int) -> list[dict]:
    records, _, _ = driver.execute_query(LIST_BUYERS, after=after, limit=limit, routing_=RoutingControl.READ)
    return [r["buyer"] for r in records]
