"""The program's network: projects, alliances, centers and advisors (with their advisory sessions).

Every write checks what it points to (project, center, buyer, firms) in the same transaction and
raises ``InvalidInput`` naming the field before anything is written.
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import ManagedTransaction, RoutingControl

from graph_schema.driver import Graph
from graph_schema.ids import new_id
from matching.errors import FieldError, InvalidInput, NotFound

# A firm as other records show it (alliances, proposals); owner_gender is stripped for buyers.
FIRM_REF: LiteralString = """
f {.rut, .name, .size_segment, .owner_gender, is_cooperative: f:Cooperative,
   comuna: COLLECT { MATCH (f)-[:LOCATED_IN]->(c:Comuna) RETURN c {.cut, .name, .region_cut} LIMIT 1 }[0]}
"""

def firm_ref_with(extra: LiteralString) -> LiteralString:
    """``FIRM_REF`` with more entries in its map (``"share_uf: r.share_uf"``)."""
    body = FIRM_REF.strip()
    assert body.endswith("}")
    return body[:-1].rstrip() + ", " + extra + "}"


# -- projects -------------------------------------------------------------------------------

CENTER_EXISTS: LiteralString = "RETURN EXISTS { MATCH (:Center {id: $id}) } AS found"

CREATE_PROJECTS: LiteralString = """
UNWIND $rows AS row
CREATE (p:Project {id: row.id, name: row.name, kind: row.kind, start_date: date(row.start_date),
                   end_date: CASE WHEN row.end_date IS NULL THEN null ELSE date(row.end_date) END,
                   region_cut: row.region_cut})
WITH p, row
CALL (p, row) {
  MATCH (c:Center {id: row.center_id})
  MERGE (p)-[:RUN_BY]->(c)
}
RETURN count(p) AS written
"""

PROJECT_PROJECTION: LiteralString = """
p {
  .id, .name, .kind, start_date: toString(p.start_date), end_date: toString(p.end_date),
  region: COLLECT { MATCH (r:Region) WHERE r.cut = p.region_cut RETURN r {.cut, .name} LIMIT 1 }[0],
  center: COLLECT { MATCH (p)-[:RUN_BY]->(c:Center) RETURN c {.id, .name} LIMIT 1 }[0],
  alliances: COUNT { (:Alliance)-[:PART_OF]->(p) },
  firms: COUNT { MATCH (f:Firm)-[:PARTY_TO]->(:Alliance)-[:PART_OF]->(p) RETURN DISTINCT f }
}
"""

GET_PROJECT: LiteralString = "MATCH (p:Project {id: $id}) RETURN " + PROJECT_PROJECTION + " AS project"

LIST_PROJECTS: LiteralString = """
MATCH (p:Project)
WHERE p.id > $after
  AND ($kind IS NULL OR p.kind = $kind)
  AND ($region IS NULL OR p.region_cut = $region)
  AND ($center IS NULL OR EXISTS { (p)-[:RUN_BY]->(:Center {id: $center}) })
WITH p ORDER BY p.id LIMIT $limit
RETURN """ + PROJECT_PROJECTION + " AS project"

# -- alliances ------------------------------------------------------------------------------

# Shared with proposals: an accepted proposal creates its alliance with this same statement.
CREATE_ALLIANCES: LiteralString = """
UNWIND $rows AS row
CREATE (a:Alliance {id: row.id, created_at: datetime($now), status: row.status, origin: row.origin,
                    proposal_id: row.proposal_id})
WITH a, row
CALL (a, row) {
  MATCH (p:Project {id: row.project_id})
  CREATE (a)-[:PART_OF]->(p)
}
CALL (a, row) {
  MATCH (b:Buyer {rut: row.buyer_rut})
  CREATE (b)-[:PARTY_TO]->(a)
}
CALL (a, row) {
  UNWIND row.firm_ruts AS rut
  MATCH (f:Firm {rut: rut})
  CREATE (f)-[r:PARTY_TO]->(a)
  SET r.share_uf = coalesce(row.shares, {})[rut]
}
RETURN count(a) AS written
"""

MISSING_PARTIES: LiteralString = """
RETURN NOT EXISTS { MATCH (:Project {id: $project_id}) } AS missing_project,
       $buyer_rut IS NOT NULL AND NOT EXISTS { MATCH (:Buyer {rut: $buyer_rut}) } AS missing_buyer,
       [rut IN $firm_ruts WHERE NOT EXISTS { MATCH (:Firm {rut: rut}) }] AS missing_firms
"""

ALLIANCE_PROJECTION: LiteralString = """
a {
  .id, .origin, .status, .proposal_id, created_at: toString(a.created_at),
  project: COLLECT { MATCH (a)-[:PART_OF]->(p:Project) RETURN p {.id, .name, .kind} LIMIT 1 }[0],
  buyer: COLLECT { MATCH (b:Buyer)-[:PARTY_TO]->(a) RETURN b {.rut, .name} LIMIT 1 }[0],
  firms: COLLECT { MATCH (f:Firm)-[r:PARTY_TO]->(a)
                   RETURN """ + firm_ref_with("share_uf: r.share_uf") + """ AS firm ORDER BY f.rut }
}
"""

# ``$buyer`` is a buyer key's RUT: it sees only alliances it is party to (others look missing).
GET_ALLIANCE: LiteralString = """
MATCH (a:Alliance {id: $id})
WHERE $buyer IS NULL OR EXISTS { (:Buyer {rut: $buyer})-[:PARTY_TO]->(a) }
RETURN """ + ALLIANCE_PROJECTION + " AS alliance"

LIST_ALLIANCES: LiteralString = """
MATCH (a:Alliance)
WHERE ($buyer IS NULL OR EXISTS { (:Buyer {rut: $buyer})-[:PARTY_TO]->(a) })
  AND ($project IS NULL OR EXISTS { (a)-[:PART_OF]->(:Project {id: $project}) })
  AND ($firm IS NULL OR EXISTS { (:Firm {rut: $firm})-[:PARTY_TO]->(a) })
  AND ($after_t IS NULL OR a.created_at < datetime($after_t)
       OR (a.created_at = datetime($after_t) AND a.id < $after_id))
WITH a ORDER BY a.created_at DESC, a.id DESC LIMIT $limit
RETURN """ + ALLIANCE_PROJECTION + " AS alliance"

# -- centers --------------------------------------------------------------------------------

CREATE_CENTERS: LiteralString = """
UNWIND $rows AS row
CREATE (c:Center {id: row.id, name: row.name, kind: row.kind, region_cut: row.region_cut})
WITH c, row
MATCH (co:Comuna {cut: row.comuna})
CREATE (c)-[:LOCATED_IN]->(co)
RETURN count(c) AS written
"""

CENTER_PROJECTION: LiteralString = """
c {
  .id, .name, .kind, .region_cut,
  comuna: COLLECT { MATCH (c)-[:LOCATED_IN]->(co:Comuna) RETURN co {.cut, .name, .region_cut} LIMIT 1 }[0],
  advisors: COUNT { (:Advisor)-[:WORKS_AT]->(c) },
  projects: COUNT { (:Project)-[:RUN_BY]->(c) }
}
"""

GET_CENTER: LiteralString = "MATCH (c:Center {id: $id}) RETURN " + CENTER_PROJECTION + " AS center"

LIST_CENTERS: LiteralString = """
MATCH (c:Center)
WHERE c.id > $after
  AND ($kind IS NULL OR c.kind = $kind)
  AND ($region IS NULL OR c.region_cut = $region)
WITH c ORDER BY c.id LIMIT $limit
RETURN """ + CENTER_PROJECTION + " AS center"

# -- advisors -------------------------------------------------------------------------------

CREATE_ADVISORS: LiteralString = """
UNWIND $rows AS row
MATCH (c:Center {id: row.center_id})
CREATE (a:Advisor {id: row.id, name: row.name, email: row.email})
CREATE (a)-[:WORKS_AT]->(c)
RETURN count(a) AS written
"""

# Totals over the advisor's ADVISED relationships; the projection below reads them.
ADVISOR_TOTALS: LiteralString = """
CALL (a) {
  OPTIONAL MATCH (a)-[r:ADVISED]->(:Firm)
  RETURN count(r) AS firms_advised, coalesce(sum(r.sessions), 0) AS sessions,
         toFloat(coalesce(sum(r.hours), 0)) AS hours
}
"""

ADVISOR_PROJECTION: LiteralString = """
a {
  .id, .name, .email, firms_advised: firms_advised, sessions: sessions, hours: hours,
  center: COLLECT { MATCH (a)-[:WORKS_AT]->(c:Center) RETURN c {.id, .name} LIMIT 1 }[0]
}
"""

GET_ADVISOR: LiteralString = (
    "MATCH (a:Advisor {id: $id})" + ADVISOR_TOTALS + "RETURN " + ADVISOR_PROJECTION + " AS advisor"
)

LIST_ADVISORS: LiteralString = """
MATCH (a:Advisor)
WHERE a.id > $after AND ($center IS NULL OR EXISTS { (a)-[:WORKS_AT]->(:Center {id: $center}) })
WITH a ORDER BY a.id LIMIT $limit
""" + ADVISOR_TOTALS + "RETURN " + ADVISOR_PROJECTION + " AS advisor ORDER BY a.id"

ADVISOR_EXISTS: LiteralString = "MATCH (a:Advisor {id: $id}) RETURN a.id AS id"

# Every advisor's id, name and center, by name: what a form lets an admin pick.
ADVISOR_CHOICES: LiteralString = """
MATCH (a:Advisor)
RETURN a.id AS id, a.name AS name, COLLECT { MATCH (a)-[:WORKS_AT]->(c:Center) RETURN c.name LIMIT 1 }[0] AS center
ORDER BY name, id LIMIT $limit
"""
FIRM_EXISTS: LiteralString = "MATCH (f:Firm {rut: $rut}) RETURN f.rut AS rut"

# The SET reads the property it writes, so Cypher locks the relationship first: no lost updates.
ADD_SESSIONS: LiteralString = """
UNWIND $rows AS row
MATCH (a:Advisor {id: row.advisor_id}), (f:Firm {rut: row.firm_rut})
MERGE (a)-[r:ADVISED]->(f)
SET r.sessions = coalesce(r.sessions, 0) + row.sessions, r.hours = coalesce(r.hours, 0.0) + row.hours,
    r.last_recorded_at = datetime($now), r.last_recorded_by = row.recorded_by
RETURN {advisor_id: a.id, firm_rut: f.rut, sessions: r.sessions, hours: r.hours,
        last_recorded_at: toString(r.last_recorded_at), last_recorded_by: r.last_recorded_by} AS advised
"""


def _read_one(driver: Graph, query: LiteralString, key: str, message: str, **params) -> dict:
    records, _, _ = driver.execute_query(query, **params, routing_=RoutingControl.READ)
    if not records:
        raise NotFound(message)
    return records[0][key]


def _read_many(driver: Graph, query: LiteralString, key: str, **params) -> list[dict]:
    records, _, _ = driver.execute_query(query, **params, routing_=RoutingControl.READ)
    return [r[key] for r in records]


def _create(driver: Graph, check, write: LiteralString, read: LiteralString, key: str, row: dict,
            now: str | None = None) -> dict:
    """Check references with ``check(tx, row)``, write ``row`` with ``write``, return it as ``read`` shapes it."""

    def work(tx: ManagedTransaction) -> dict:
        check(tx, row)
        tx.run(write, rows=[row], now=now).consume()
        return tx.run(read, id=row["id"], buyer=None).single(strict=True)[key]

    with driver.session() as session:
        return session.execute_write(work)


def _require_center(tx: ManagedTransaction, row: dict, optional: bool = False) -> None:
    if optional and row.get("center_id") is None:
        return
    if not tx.run(CENTER_EXISTS, id=row["center_id"]).single(strict=True)["found"]:
        raise InvalidInput(FieldError("center_id", f"No existe un centro con id {row['center_id']}; "
                                                   "créelo antes con POST /api/v1/centers."))


# -- projects -------------------------------------------------------------------------------

def create_project(driver: Graph, values: dict) -> dict:
    """Create a project (``values``: name, kind, start_date, end_date, region_cut, center_id)."""
    row = {**values, "id": new_id("proj")}
    return _create(driver, lambda tx, r: _require_center(tx, r, optional=True), CREATE_PROJECTS, GET_PROJECT,
                   "project", row)


def get_project(driver: Graph, project_id: str) -> dict:
    return _read_one(driver, GET_PROJECT, "project", f"No existe un proyecto con id {project_id}.", id=project_id)


def list_projects(driver: Graph, *, after: str, limit: int, kind: str | None, center: str | None,
                  region: str | None) -> list[dict]:
    return _read_many(driver, LIST_PROJECTS, "project", after=after, limit=limit, kind=kind, center=center,
                      region=region)


# -- alliances ------------------------------------------------------------------------------

def alliance_row(*, project_id: str | None, buyer_rut: str | None, firm_ruts: list[str], origin: str,
                 status: str = "active", proposal_id: str | None = None,
                 shares: dict[str, float] | None = None) -> dict:
    """A row of ``CREATE_ALLIANCES`` with a fresh id (``shares``: each member's part of the volume, in UF)."""
    return {"id": new_id("ally"), "project_id": project_id, "buyer_rut": buyer_rut, "firm_ruts": firm_ruts,
            "origin": origin, "status": status, "proposal_id": proposal_id, "shares": shares}


def _require_parties(tx: ManagedTransaction, row: dict) -> None:
    check = tx.run(MISSING_PARTIES, project_id=row["project_id"], buyer_rut=row["buyer_rut"],
                   firm_ruts=row["firm_ruts"]).single(strict=True)
    errors = []
    if check["missing_project"]:
        errors.append(FieldError("project_id", f"No existe un proyecto con id {row['project_id']}."))
    if check["missing_buyer"]:
        errors.append(FieldError("buyer_rut", f"No existe un comprador con RUT {row['buyer_rut']}."))
    for rut in check["missing_firms"]:
        errors.append(FieldError(f"firm_ruts.{row['firm_ruts'].index(rut)}", f"No existe una empresa con RUT {rut}."))
    if errors:
        raise InvalidInput(errors)


def create_alliance(driver: Graph, values: dict, now: str) -> dict:
    """Create a program alliance (``values``: project_id, buyer_rut, firm_ruts, origin, status)."""
    return _create(driver, _require_parties, CREATE_ALLIANCES, GET_ALLIANCE, "alliance", alliance_row(**values), now)


def get_alliance(driver: Graph, alliance_id: str, buyer: str | None = None) -> dict:
    """The alliance, if it exists and (for a buyer key) the buyer is party to it."""
    return _read_one(driver, GET_ALLIANCE, "alliance", f"No existe una alianza con id {alliance_id}.",
                     id=alliance_id, buyer=buyer)


def list_alliances(driver: Graph, *, buyer: str | None, project: str | None, firm: str | None,
                   after: tuple[str, str] | None, limit: int) -> list[dict]:
    after_t, after_id = after or (None, None)
    return _read_many(driver, LIST_ALLIANCES, "alliance", buyer=buyer, project=project, firm=firm,
                      after_t=after_t, after_id=after_id, limit=limit)


# -- centers --------------------------------------------------------------------------------

def create_center(driver: Graph, values: dict) -> dict:
    """Create a center (``values``: name, kind, comuna, region_cut)."""
    return _create(driver, lambda tx, r: None, CREATE_CENTERS, GET_CENTER, "center", {**values, "id": new_id("ctr")})


def get_center(driver: Graph, center_id: str) -> dict:
    return _read_one(driver, GET_CENTER, "center", f"No existe un centro con id {center_id}.", id=center_id)


def list_centers(driver: Graph, *, after: str, limit: int, kind: str | None, region: str | None) -> list[dict]:
    return _read_many(driver, LIST_CENTERS, "center", after=after, limit=limit, kind=kind, region=region)


# -- advisors -------------------------------------------------------------------------------

def create_advisor(driver: Graph, values: dict) -> dict:
    """Create an advisor working at a center (``values``: name, email, center_id)."""
    return _create(driver, _require_center, CREATE_ADVISORS, GET_ADVISOR, "advisor", {**values, "id": new_id("adv")})


def get_advisor(driver: Graph, advisor_id: str) -> dict:
    return _read_one(driver, GET_ADVISOR, "advisor", f"No existe un asesor con id {advisor_id}.", id=advisor_id)


def list_advisors(driver: Graph, *, after: str, limit: int, center: str | None) -> list[dict]:
    return _read_many(driver, LIST_ADVISORS, "advisor", after=after, limit=limit, center=center)


def advisor_choices(driver: Graph, limit: int) -> list[dict]:
    records, _, _ = driver.execute_query(ADVISOR_CHOICES, limit=limit, routing_=RoutingControl.READ)
    return [dict(r) for r in records]


def add_sessions(driver: Graph, advisor_id: str, firm_rut: str, sessions: int, hours: float, now: str,
                 recorded_by: str | None = None) -> dict:
    """Add sessions and hours to the advisor's ``ADVISED`` relationship with the firm; return the totals
    (with when the last ones were recorded, and by whom)."""

    def work(tx: ManagedTransaction) -> dict:
        if tx.run(ADVISOR_EXISTS, id=advisor_id).single() is None:
            raise NotFound(f"No existe un asesor con id {advisor_id}.")
        if tx.run(FIRM_EXISTS, rut=firm_rut).single() is None:
            raise InvalidInput(FieldError("firm_rut", f"No existe una empresa con RUT {firm_rut}."))
        rows = [{"advisor_id": advisor_id, "firm_rut": firm_rut, "sessions": sessions, "hours": hours,
                 "recorded_by": recorded_by}]
        return tx.run(ADD_SESSIONS, rows=rows, now=now).single(strict=True)["advised"]

    with driver.session() as session:
        return session.execute_write(work)
