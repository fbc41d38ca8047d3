"""Writes the demo data set with batched ``UNWIND ... MERGE`` statements, and removes it.

Every node the demo creates carries ``demo: true``. A node that already exists WITHOUT that
mark (a real firm whose RUT the demo happened to draw, say) is left untouched, and demo
relationships only attach to demo nodes or reference data, so ``reset_demo`` never deletes or
changes anything else: reference data, API keys and non-demo records stay as they are.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from enum import Enum
from typing import LiteralString

from neo4j import ManagedTransaction, RoutingControl

from graph_schema.cells import SYNC_CELLS
from graph_schema.driver import Graph
from scripts.demo.generator import Chunk

DEFAULT_BATCH_SIZE = 5_000
# Relationship-only rows are small, so they go in bigger batches.
LINK_BATCH_SIZE = 10_000
DELETE_BATCH_SIZE = 10_000

WRITE_CENTERS: LiteralString = """
UNWIND $rows AS row
MERGE (c:Center {id: row.id}) ON CREATE SET c.demo = true
WITH c, row WHERE c.demo = true
SET c += row.props
WITH c, row
MATCH (m:Comuna {cut: row.comuna})
MERGE (c)-[:LOCATED_IN]->(m)
"""

WRITE_ADVISORS: LiteralString = """
UNWIND $rows AS row
MERGE (a:Advisor {id: row.id}) ON CREATE SET a.demo = true
WITH a, row WHERE a.demo = true
SET a += row.props
WITH a, row
MATCH (c:Center {id: row.center}) WHERE c.demo = true
MERGE (a)-[:WORKS_AT]->(c)
"""

WRITE_BUYERS: LiteralString = """
UNWIND $rows AS row
MERGE (b:Buyer {rut: row.rut}) ON CREATE SET b.demo = true
WITH b, row WHERE b.demo = true
SET b += row.props, b.created_at = datetime(row.created)
WITH b, row
CALL (b, row) {
  MATCH (c:Comuna {cut: row.comuna})
  MERGE (b)-[:LOCATED_IN]->(c)
}
CALL (b, row) {
  UNWIND row.sectors AS code
  MATCH (s:Sector {code: code})
  MERGE (b)-[:OPERATES_IN]->(s)
}
"""

WRITE_PROJECTS: LiteralString = """
UNWIND $rows AS row
MERGE (p:Project {id: row.id}) ON CREATE SET p.demo = true
WITH p, row WHERE p.demo = true
SET p += row.props, p.start_date = date(row.start), p.end_date = date(row.end)
WITH p, row
MATCH (c:Center {id: row.center}) WHERE c.demo = true
MERGE (p)-[:RUN_BY]->(c)
"""

WRITE_FIRMS: LiteralString = """
UNWIND $rows AS row
MERGE (f:Firm {rut: row.rut}) ON CREATE SET f.demo = true
WITH f, row WHERE f.demo = true
SET f += row.props, f.created_at = datetime(row.created), f.updated_at = datetime(row.created)
FOREACH (_ IN CASE WHEN row.cooperative THEN [1] ELSE [] END | SET f:Cooperative)
WITH f, row
CALL (f, row) {
  MATCH (c:Comuna {cut: row.comuna})
  MERGE (f)-[:LOCATED_IN]->(c)
}
CALL (f, row) {
  UNWIND row.sectors AS code
  MATCH (s:Sector {code: code})
  MERGE (f)-[:OPERATES_IN]->(s)
}
CALL (f, row) {
  UNWIND row.certifications AS cert
  MATCH (c:Certification {code: cert.code})
  MERGE (f)-[h:HOLDS]->(c)
  SET h.status = cert.status, h.valid_until = date(cert.valid_until)
}
CALL (f, row) {
  UNWIND row.advised AS adv
  MATCH (a:Advisor {id: adv.advisor}) WHERE a.demo = true
  MERGE (a)-[r:ADVISED]->(f)
  SET r.sessions = adv.sessions, r.hours = adv.hours
}
""" + SYNC_CELLS + """
"""

WRITE_MEMBERSHIPS: LiteralString = """
UNWIND $rows AS row
MATCH (m:Firm {rut: row.rut}) WHERE m.demo = true
MATCH (co:Firm {rut: row.coop}) WHERE co:Cooperative AND co.demo = true
MERGE (m)-[:MEMBER_OF]->(co)
"""

WRITE_NEEDS: LiteralString = """
UNWIND $rows AS row
MERGE (n:Need {id: row.id}) ON CREATE SET n.demo = true
WITH n, row WHERE n.demo = true
SET n += row.props, n.created_at = datetime(row.created), n.deadline = date(row.deadline)
WITH n, row
CALL (n, row) {
  MATCH (b:Buyer {rut: row.buyer}) WHERE b.demo = true
  MERGE (b)-[:POSTED]->(n)
}
CALL (n, row) {
  UNWIND row.sectors AS code
  MATCH (s:Sector {code: code})
  MERGE (n)-[:IN_SECTOR]->(s)
}
CALL (n, row) {
  UNWIND row.certifications AS code
  MATCH (c:Certification {code: code})
  MERGE (n)-[:REQUIRES]->(c)
}
CALL (n, row) {
  MATCH (c:Comuna {cut: row.comuna})
  MERGE (n)-[:LOCATED_IN]->(c)
}
"""

WRITE_PROPOSALS: LiteralString = """
UNWIND $rows AS row
MERGE (p:Proposal {id: row.id}) ON CREATE SET p.demo = true
WITH p, row WHERE p.demo = true
SET p += row.props, p.created_at = datetime(row.created),
    p.decided_at = CASE WHEN row.decided IS NULL THEN null ELSE datetime(row.decided) END
WITH p, row
CALL (p, row) {
  MATCH (a:Advisor {id: row.advisor}) WHERE a.demo = true
  MERGE (a)-[:MADE]->(p)
}
CALL (p, row) {
  MATCH (n:Need {id: row.need}) WHERE n.demo = true
  MERGE (p)-[:FOR]->(n)
}
CALL (p, row) {
  MATCH (f:Firm {rut: row.firm}) WHERE f.demo = true
  MERGE (p)-[:OF]->(f)
}
"""

WRITE_ALLIANCES: LiteralString = """
UNWIND $rows AS row
MERGE (a:Alliance {id: row.id}) ON CREATE SET a.demo = true
WITH a, row WHERE a.demo = true
SET a += row.props, a.created_at = datetime(row.created)
WITH a, row
CALL (a, row) {
  MATCH (b:Buyer {rut: row.buyer}) WHERE b.demo = true
  MERGE (b)-[:PARTY_TO]->(a)
}
CALL (a, row) {
  UNWIND row.firms AS rut
  MATCH (f:Firm {rut: rut}) WHERE f.demo = true
  MERGE (f)-[:PARTY_TO]->(a)
}
CALL (a, row) {
  MATCH (p:Project {id: row.project}) WHERE p.demo = true
  MERGE (a)-[:PART_OF]->(p)
}
"""

# -- a fresh load: no demo node exists yet, so nodes and relationships are CREATEd (about twice as
# fast as MERGE); rows whose key a non-demo node already holds are skipped, as MERGE would.

CREATE_FIRMS: LiteralString = """
UNWIND $rows AS row
WITH row WHERE NOT EXISTS { MATCH (:Firm {rut: row.rut}) }
CREATE (f:Firm {rut: row.rut, demo: true})
SET f += row.props, f.created_at = datetime(row.created), f.updated_at = datetime(row.created)
FOREACH (_ IN CASE WHEN row.cooperative THEN [1] ELSE [] END | SET f:Cooperative)
WITH f, row
CALL (f, row) {
  MATCH (c:Comuna {cut: row.comuna})
  CREATE (f)-[:LOCATED_IN]->(c)
}
CALL (f, row) {
  UNWIND row.sectors AS code
  MATCH (s:Sector {code: code})
  CREATE (f)-[:OPERATES_IN]->(s)
}
CALL (f, row) {
  UNWIND row.certifications AS cert
  MATCH (c:Certification {code: cert.code})
  CREATE (f)-[:HOLDS {status: cert.status, valid_until: date(cert.valid_until)}]->(c)
}
CALL (f, row) {
  UNWIND row.advised AS adv
  MATCH (a:Advisor {id: adv.advisor}) WHERE a.demo = true
  CREATE (a)-[:ADVISED {sessions: adv.sessions, hours: adv.hours}]->(f)
}
CALL (f, row) {
  MATCH (:Comuna {cut: row.comuna})
  UNWIND row.sectors AS code
  MATCH (:Sector {code: code})
  MERGE (x:Cell {key: code + '|' + row.comuna})
  ON CREATE SET x.code = code, x.cut = row.comuna
  CREATE (f)-[:IN_CELL]->(x)
}
"""

CREATE_MEMBERSHIPS: LiteralString = """
UNWIND $rows AS row
MATCH (m:Firm {rut: row.rut}) WHERE m.demo = true
MATCH (co:Firm {rut: row.coop}) WHERE co:Cooperative AND co.demo = true
CREATE (m)-[:MEMBER_OF]->(co)
"""

CREATE_NEEDS: LiteralString = """
UNWIND $rows AS row
WITH row WHERE NOT EXISTS { MATCH (:Need {id: row.id}) }
CREATE (n:Need {id: row.id, demo: true})
SET n += row.props, n.created_at = datetime(row.created), n.deadline = date(row.deadline)
WITH n, row
CALL (n, row) {
  MATCH (b:Buyer {rut: row.buyer}) WHERE b.demo = true
  CREATE (b)-[:POSTED]->(n)
}
CALL (n, row) {
  UNWIND row.sectors AS code
  MATCH (s:Sector {code: code})
  CREATE (n)-[:IN_SECTOR]->(s)
}
CALL (n, row) {
  UNWIND row.certifications AS code
  MATCH (c:Certification {code: code})
  CREATE (n)-[:REQUIRES]->(c)
}
CALL (n, row) {
  MATCH (c:Comuna {cut: row.comuna})
  CREATE (n)-[:LOCATED_IN]->(c)
}
"""

CREATE_PROPOSALS: LiteralString = """
UNWIND $rows AS row
MATCH (n:Need {id: row.need}) WHERE n.demo = true
MATCH (f:Firm {rut: row.firm}) WHERE f.demo = true
WITH n, f, row WHERE NOT EXISTS { MATCH (:Proposal {id: row.id}) }
CREATE (p:Proposal {id: row.id, demo: true})
SET p += row.props, p.created_at = datetime(row.created),
    p.decided_at = CASE WHEN row.decided IS NULL THEN null ELSE datetime(row.decided) END
CREATE (p)-[:FOR]->(n)
CREATE (p)-[:OF]->(f)
WITH p, row
MATCH (a:Advisor {id: row.advisor}) WHERE a.demo = true
CREATE (a)-[:MADE]->(p)
"""

CREATE_ALLIANCES: LiteralString = """
UNWIND $rows AS row
WITH row WHERE NOT EXISTS { MATCH (:Alliance {id: row.id}) }
CREATE (a:Alliance {id: row.id, demo: true})
SET a += row.props, a.created_at = datetime(row.created)
WITH a, row
CALL (a, row) {
  MATCH (b:Buyer {rut: row.buyer}) WHERE b.demo = true
  CREATE (b)-[:PARTY_TO]->(a)
}
CALL (a, row) {
  UNWIND row.firms AS rut
  MATCH (f:Firm {rut: rut}) WHERE f.demo = true
  CREATE (f)-[:PARTY_TO]->(a)
}
CALL (a, row) {
  MATCH (p:Project {id: row.project}) WHERE p.demo = true
  CREATE (a)-[:PART_OF]->(p)
}
"""

# Table name -> (statement, batch size), in dependency order.
STEPS: dict[str, tuple[LiteralString, int]] = {
    "centers": (WRITE_CENTERS, DEFAULT_BATCH_SIZE),
    "advisors": (WRITE_ADVISORS, DEFAULT_BATCH_SIZE),
    "buyers": (WRITE_BUYERS, DEFAULT_BATCH_SIZE),
    "projects": (WRITE_PROJECTS, DEFAULT_BATCH_SIZE),
    "firms": (WRITE_FIRMS, DEFAULT_BATCH_SIZE),
    "memberships": (WRITE_MEMBERSHIPS, LINK_BATCH_SIZE),
    "needs": (WRITE_NEEDS, DEFAULT_BATCH_SIZE),
    "proposals": (WRITE_PROPOSALS, DEFAULT_BATCH_SIZE),
    "alliances": (WRITE_ALLIANCES, DEFAULT_BATCH_SIZE),
}
# The same for a fresh load (the small tables keep their MERGE statements).
FRESH_STEPS: dict[str, tuple[LiteralString, int]] = {
    **STEPS,
    "firms": (CREATE_FIRMS, DEFAULT_BATCH_SIZE),
    "memberships": (CREATE_MEMBERSHIPS, LINK_BATCH_SIZE),
    "needs": (CREATE_NEEDS, DEFAULT_BATCH_SIZE),
    "proposals": (CREATE_PROPOSALS, DEFAULT_BATCH_SIZE),
    "alliances": (CREATE_ALLIANCES, DEFAULT_BATCH_SIZE),
}


class DemoLabel(Enum):
    """Labels of the nodes the demo creates, each with its own batched delete (children first)."""

    DUPLICATE_CANDIDATE = "DuplicateCandidate"
    FIRM_MERGE = "FirmMerge"
    PROPOSAL = "Proposal"
    ALLIANCE = "Alliance"
    NEED = "Need"
    FIRM = "Firm"
    BUYER = "Buyer"
    PROJECT = "Project"
    ADVISOR = "Advisor"
    CENTER = "Center"


_DELETE: dict[DemoLabel, LiteralString] = {
    DemoLabel.DUPLICATE_CANDIDATE: "MATCH (n:DuplicateCandidate) WHERE n.demo = true"
    " WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS n",
    DemoLabel.FIRM_MERGE: "MATCH (n:FirmMerge) WHERE n.demo = true"
    " WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS n",
    DemoLabel.PROPOSAL: "MATCH (n:Proposal) WHERE n.demo = true"
    " WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS n",
    DemoLabel.ALLIANCE: "MATCH (n:Alliance) WHERE n.demo = true"
    " WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS n",
    DemoLabel.NEED: "MATCH (n:Need) WHERE n.demo = true"
    " WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS n",
    DemoLabel.FIRM: "MATCH (n:Firm) WHERE n.demo = true"
    " WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS n",
    DemoLabel.BUYER: "MATCH (n:Buyer) WHERE n.demo = true"
    " WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS n",
    DemoLabel.PROJECT: "MATCH (n:Project) WHERE n.demo = true"
    " WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS n",
    DemoLabel.ADVISOR: "MATCH (n:Advisor) WHERE n.demo = true"
    " WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS n",
    DemoLabel.CENTER: "MATCH (n:Center) WHERE n.demo = true"
    " WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS n",
}

DEMO_COUNTS: LiteralString = """
CALL () { MATCH (n:Firm) WHERE n.demo = true AND n.demo_second_record IS NULL RETURN count(n) AS firms }
CALL () { MATCH (n:Buyer) WHERE n.demo = true RETURN count(n) AS buyers }
CALL () { MATCH (n:Need) WHERE n.demo = true RETURN count(n) AS needs }
CALL () { MATCH (n:Proposal) WHERE n.demo = true RETURN count(n) AS proposals }
CALL () { MATCH (n:Alliance) WHERE n.demo = true RETURN count(n) AS alliances }
CALL () { MATCH (n:Project) WHERE n.demo = true RETURN count(n) AS projects }
CALL () { MATCH (n:Center) WHERE n.demo = true RETURN count(n) AS centers }
CALL () { MATCH (n:Advisor) WHERE n.demo = true RETURN count(n) AS advisors }
RETURN firms, buyers, needs, proposals, alliances, projects, centers, advisors
"""

DEMO_FIRM_EXISTS: LiteralString = "MATCH (f:Firm {rut: $rut}) WHERE f.demo = true RETURN f.rut AS rut"

# progress(table, rows_written, table_total)
Progress = Callable[[str, int, int], None]
_DONE = object()


def _batches(rows: list[dict], size: int) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def write_demo(driver: Graph, chunks: Iterable[Chunk], *, fresh: bool = False,
               progress: Progress | None = None) -> dict[str, int]:
    """Write the chunks in order, one managed transaction per batch; return rows sent per table.

    The chunks are produced on a background thread, so generating the next firms overlaps with
    Neo4j writing the previous ones. ``fresh`` (no demo node in the graph yet) uses CREATE.
    """
    steps = FRESH_STEPS if fresh else STEPS
    pending: queue.Queue = queue.Queue(maxsize=4)

    def produce() -> None:
        try:
            for chunk in chunks:
                pending.put(chunk)
        except BaseException as exc:  # noqa: BLE001 - handed to the writing thread, which re-raises
            pending.put(exc)
        else:
            pending.put(_DONE)

    producer = threading.Thread(target=produce, name="demo-generator", daemon=True)
    producer.start()
    written: dict[str, int] = {}
    with driver.session() as session:
        while (item := pending.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            statement, size = steps[item.table]
            for batch in _batches(item.rows, size):
                session.execute_write(_run, statement, batch)
                written[item.table] = written.get(item.table, 0) + len(batch)
                if progress:
                    progress(item.table, len(batch), item.total)
    producer.join()
    return written


def _run(tx: ManagedTransaction, statement: LiteralString, rows: list[dict]) -> None:
    tx.run(statement, rows=rows).consume()


def reset_demo(driver: Graph, progress: Progress | None = None) -> int:
    """Delete every node marked ``demo: true`` (and its relationships); return how many.

    ``progress`` gets the label, the nodes deleted by a batch and 0 (the total is not known).
    """
    total = 0
    with driver.session() as session:
        for label in DemoLabel:
            while True:
                deleted = session.execute_write(_delete, _DELETE[label])
                total += deleted
                if progress and deleted:
                    progress(label.value, deleted, 0)
                if deleted < DELETE_BATCH_SIZE:
                    break
    return total


def _delete(tx: ManagedTransaction, statement: LiteralString) -> int:
    return tx.run(statement, batch=DELETE_BATCH_SIZE).single(strict=True)["n"]


def demo_counts(driver: Graph) -> dict[str, int]:
    """How many demo nodes of each kind the graph holds."""
    records, _, _ = driver.execute_query(DEMO_COUNTS, routing_=RoutingControl.READ)
    return dict(records[0])


def demo_firm_exists(driver: Graph, rut: str) -> bool:
    records, _, _ = driver.execute_query(DEMO_FIRM_EXISTS, rut=rut, routing_=RoutingControl.READ)
    return bool(records)
