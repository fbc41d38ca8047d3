"""Needs posted by buyers: create, read, list and open/close, shaped as the API sends them.

Visibility is decided here once: every read takes ``buyer`` (the RUT a buyer key is bound to, or
None for advisors and admins) and treats another buyer's need exactly like a missing one.
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import ManagedTransaction, RoutingControl

from graph_schema.driver import Graph
from graph_schema.ids import new_id
from matching.errors import FieldError, InvalidInput, NotFound

CREATE_NEEDS: LiteralString = """
UNWIND $rows AS row
MATCH (b:Buyer {rut: row.buyer_rut})
CREATE (n:Need {
  id: row.id, buyer_rut: row.buyer_rut, title: row.title, description: row.description,
  radius_km: row.radius_km, deadline: CASE WHEN row.deadline IS NULL THEN null ELSE date(row.deadline) END,
  volume_uf: row.volume_uf, certifications_mandatory: row.certifications_mandatory, prefer: row.prefer,
  status: 'open', created_at: datetime($now), project_id: row.project_id,
  posted_by: row.posted_by, posted_by_name: row.posted_by_name
})
CREATE (b)-[:POSTED]->(n)
WITH n, row
CALL (n, row) {
  UNWIND row.sectors AS code
  MATCH (s:Sector {code: code})
  MERGE (n)-[:IN_SECTOR]->(s)
}
CALL (n, row) {
  UNWIND row.required_certifications AS code
  MATCH (c:Certification {code: code})
  MERGE (n)-[:REQUIRES]->(c)
}
CALL (n, row) {
  MATCH (c:Comuna {cut: row.comuna})
  MERGE (n)-[:LOCATED_IN]->(c)
}
RETURN count(n) AS written
"""

# Which of the rows' buyers and projects do not exist (checked before anything is written).
MISSING_REFERENCES: LiteralString = """
UNWIND $rows AS row
RETURN row.id AS id,
       NOT EXISTS { MATCH (:Buyer {rut: row.buyer_rut}) } AS missing_buyer,
       row.project_id IS NOT NULL AND NOT EXISTS { MATCH (:Project {id: row.project_id}) } AS missing_project
"""

NEED_PROJECTION: LiteralString = """
n {
  .id, .buyer_rut, .title, .description, .radius_km, .certifications_mandatory, .status, .project_id,
  prefer: coalesce(n.prefer, []),
  deadline: toString(n.deadline),
  volume: n.volume_uf,
  buyer: COLLECT { MATCH (b:Buyer)-[:POSTED]->(n) RETURN b {.rut, .name} LIMIT 1 }[0],
  comuna: COLLECT { MATCH (n)-[:LOCATED_IN]->(c:Comuna)
                    RETURN c {.cut, .name, region_cut: c.region_cut} LIMIT 1 }[0],
  sectors: COLLECT { MATCH (n)-[:IN_SECTOR]->(s:Sector) RETURN s {.code, .name, .level} ORDER BY s.code },
  required_certifications: COLLECT { MATCH (n)-[:REQUIRES]->(c:Certification)
                                     RETURN c {.code, .name} ORDER BY c.code },
  proposals: COUNT { (:Proposal)-[:FOR]->(n) },
  created_at: toString(n.created_at), posted_by_name: n.posted_by_name
}
"""

GET_NEED: LiteralString = """
MATCH (n:Need {id: $id}) WHERE $buyer IS NULL OR n.buyer_rut = $buyer
RETURN """ + NEED_PROJECTION + " AS need"

SET_STATUS: LiteralString = """
MATCH (n:Need {id: $id}) WHERE $buyer IS NULL OR n.buyer_rut = $buyer
SET n.status = $status
RETURN n.id AS id
"""

# Newest first; the cursor is the (created_at, id) of the previous page's last need.
LIST_NEEDS: LiteralString = """
MATCH (n:Need)
WHERE ($buyer IS NULL OR n.buyer_rut = $buyer)
  AND ($status IS NULL OR n.status = $status)
  AND ($project IS NULL OR n.project_id = $project)
  AND ($after_t IS NULL OR n.created_at < datetime($after_t)
       OR (n.created_at = datetime($after_t) AND n.id < $after_id))
WITH n ORDER BY n.created_at DESC, n.id DESC LIMIT $limit
RETURN """ + NEED_PROJECTION + " AS need"


def not_found(need_id: str) -> NotFound:
    """The one answer for a need that is missing or belongs to another buyer."""
    return NotFound(f"No existe una necesidad con id {need_id}.")


def create_need(driver: Graph, values: dict, now: str) -> dict:
    """Create an open need from ``matching.needs.normalize_need`` values; 422 if buyer or project is unknown."""
    row = {**values, "id": new_id("need")}

    def work(tx: ManagedTransaction) -> dict:
        check = tx.run(MISSING_REFERENCES, rows=[row]).single(strict=True)
        errors = []
        if check["missing_buyer"]:
            errors.append(FieldError("buyer_rut", f"No existe un comprador con RUT {row['buyer_rut']}; "
                                                  "regístrelo antes con POST /api/v1/buyers."))
        if check["missing_project"]:
            errors.append(FieldError("project_id", f"No existe un proyecto con id {row['project_id']}."))
        if errors:
            raise InvalidInput(errors)
        tx.run(CREATE_NEEDS, rows=[row], now=now).consume()
        return tx.run(GET_NEED, id=row["id"], buyer=None).single(strict=True)["need"]

    with driver.session() as session:
        return session.execute_write(work)


def get_need(driver: Graph, need_id: str, buyer: str | None = None) -> dict:
    """The need, if it exists and (for a buyer key) belongs to ``buyer``."""
    records, _, _ = driver.execute_query(GET_NEED, id=need_id, buyer=buyer, routing_=RoutingControl.READ)
    if not records:
        raise not_found(need_id)
    return records[0]["need"]


def set_status(driver: Graph, need_id: str, status: str, buyer: str | None = None) -> dict:
    """Open or close a need."""

    def work(tx: ManagedTransaction) -> dict:
        if tx.run(SET_STATUS, id=need_id, status=status, buyer=buyer).single() is None:
            raise not_found(need_id)
        return tx.run(GET_NEED, id=need_id, buyer=None).single(strict=True)["need"]

    with driver.session() as session:
        return session.execute_write(work)


def list_needs(driver: Graph, *, buyer: str | None, status: str | None, project: str | None,
               after: tuple[str, str] | None, limit: int) -> list[dict]:
    """Needs newest first, after the ``(created_at, id)`` of the previous page."""
    after_t, after_id = after or (None, None)
    records, _, _ = driver.execute_query(
        LIST_NEEDS, buyer=buyer, status=status, project=project, after_t=after_t, after_id=after_id,
        limit=limit, routing_=RoutingControl.READ,
    )
    return [r["need"] for r in records]
