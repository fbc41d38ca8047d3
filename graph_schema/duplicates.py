"""Possible duplicate firms in the graph: record them, list them, and resolve them (merge or distinct).

Shape (docs/graph-model.md): ``(:DuplicateCandidate {id, pair_key, ruts, score, evidence, status:
open|merged|distinct, source, created_at, resolved_at, resolved_by, kept_rut, note})-[:CANDIDATE]->(:Firm)``
twice. ``pair_key`` ("rutA|rutB", sorted) is unique, so a pair is recorded once whatever finds it
again: a pair marked distinct (or merged) is never reopened. A merge moves every relationship of
the dropped firm onto the kept one in one transaction and leaves a ``(:FirmMerge)-[:INTO]->(kept)``
with a snapshot of both firms, from which ``graph_schema.firm_merges.undo`` can undo it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import LiteralString

from neo4j import ManagedTransaction, RoutingControl

from graph_schema.cells import SYNC_CELLS
from graph_schema.driver import Graph
from graph_schema.firm_merges import snapshot_tx, take_values_tx
from graph_schema.firms import GET_FIRM
from matching.dedupe import FirmName, Match
from matching.errors import Conflict, FieldError, InvalidInput, NotFound

# Ranks of certification statuses: a merge keeps the best one.
CERT_STATUS_RANK = {"valid": 3, "in_progress": 2, "expired": 1}

# What duplicate detection reads of a firm.
FIRM_NAME_FIELDS: LiteralString = """
f.rut AS id, f.name AS name, f.phone AS phone, f.email AS email,
COLLECT { MATCH (f)-[:LOCATED_IN]->(c:Comuna) RETURN c.cut LIMIT 1 }[0] AS comuna,
COLLECT { MATCH (f)-[:OPERATES_IN]->(s:Sector) RETURN s.code ORDER BY s.code } AS sectors
"""

ALL_FIRM_NAMES: LiteralString = "MATCH (f:Firm) RETURN " + FIRM_NAME_FIELDS
DEMO_FIRM_NAMES: LiteralString = "MATCH (f:Firm) WHERE f.demo = true RETURN " + FIRM_NAME_FIELDS

# The pair as the advisor saw it when deciding: the records the pair model compares. A merge deletes
# one firm, so its fields are kept on the candidate; they become a training label.
PAIR_RECORDS: LiteralString = """
MATCH (d:DuplicateCandidate {id: $id})-[:CANDIDATE]->(f:Firm)
WITH f ORDER BY f.rut
RETURN """ + FIRM_NAME_FIELDS + """
"""

KEEP_PAIR_RECORDS: LiteralString = "MATCH (d:DuplicateCandidate {id: $id}) SET d.records = $records"

# Every decided pair with the records as decided: the pair model's labels, oldest first.
DECIDED_PAIRS: LiteralString = """
MATCH (d:DuplicateCandidate)
WHERE d.status IN ['merged', 'distinct'] AND d.records IS NOT NULL AND d.resolved_at IS NOT NULL
RETURN d.id AS id, d.status = 'merged' AS merged, d.records AS records, d.resolved_at.epochSeconds AS decided
ORDER BY decided, id
"""

# Firms in the given comunas or sectors (what an import compares its rows against).
FIRM_NAMES_IN_BLOCKS: LiteralString = """
CALL () {
  UNWIND $comunas AS cut MATCH (:Comuna {cut: cut})<-[:LOCATED_IN]-(f:Firm) RETURN f
  UNION
  UNWIND $sectors AS code MATCH (:Sector {code: code})<-[:OPERATES_IN]-(f:Firm) RETURN f
}
RETURN """ + FIRM_NAME_FIELDS

RECORD_CANDIDATES: LiteralString = """
UNWIND $rows AS row
MATCH (a:Firm {rut: row.left}), (b:Firm {rut: row.right})
OPTIONAL MATCH (old:DuplicateCandidate {pair_key: row.pair_key})
// A merge re-points the dropped firm's candidates, ids kept: the id this pair key hashes to may name
// another pair by now (the dropped RUT registered again, or a merge undone), so take a fresh one then.
OPTIONAL MATCH (other:DuplicateCandidate {id: row.id}) WHERE other.pair_key <> row.pair_key
WITH a, b, row, old IS NULL AS new,
     CASE WHEN other IS NULL THEN row.id ELSE 'dup_' + substring(replace(randomUUID(), '-', ''), 0, 12) END AS id
MERGE (d:DuplicateCandidate {pair_key: row.pair_key})
ON CREATE SET d.id = id, d.ruts = [row.left, row.right], d.score = row.score, d.evidence = row.evidence,
              d.status = 'open', d.source = $source, d.created_at = datetime($now)
MERGE (d)-[:CANDIDATE]->(a)
MERGE (d)-[:CANDIDATE]->(b)
WITH d, row, new
CALL (d, row) {
  WITH d, row WHERE d.status = 'open' AND (d.score <> row.score OR d.evidence <> row.evidence)
  SET d.score = row.score, d.evidence = row.evidence
}
RETURN d.id AS id, d.pair_key AS pair_key, d.status AS status, d.score AS score, new
"""

KNOWN_PAIRS: LiteralString = """
UNWIND $keys AS key
MATCH (d:DuplicateCandidate {pair_key: key})
RETURN d.pair_key AS pair_key, d.id AS id, d.status AS status
"""

CANDIDATE_PROJECTION: LiteralString = """
d {
  .id, .score, .evidence, .status, .source, .ruts, .kept_rut, .note, .resolved_by, .resolved_by_name,
  created_at: toString(d.created_at), resolved_at: toString(d.resolved_at),
  firms: COLLECT {
    MATCH (d)-[:CANDIDATE]->(f:Firm)
    RETURN f {
      .rut, .name, .phone, .email, is_cooperative: f:Cooperative,
      comuna: COLLECT { MATCH (f)-[:LOCATED_IN]->(c:Comuna) RETURN c {.cut, .name} LIMIT 1 }[0],
      sectors: COLLECT { MATCH (f)-[:OPERATES_IN]->(s:Sector) RETURN s {.code, .name} ORDER BY s.code }
    } ORDER BY f.rut
  }
}
"""

GET_CANDIDATE: LiteralString = "MATCH (d:DuplicateCandidate {id: $id}) RETURN " + CANDIDATE_PROJECTION + " AS candidate"

# Best score first; the cursor is the last (score, id) of the previous page.
LIST_CANDIDATES: LiteralString = """
MATCH (d:DuplicateCandidate)
WHERE ($status IS NULL OR d.status = $status)
  AND ($rut IS NULL OR $rut IN d.ruts)
  AND ($after_score IS NULL OR d.score < $after_score OR (d.score = $after_score AND d.id > $after_id))
WITH d ORDER BY d.score DESC, d.id LIMIT $limit
RETURN """ + CANDIDATE_PROJECTION + " AS candidate"

# Takes the candidate's write lock first, so two advisors cannot resolve it at once.
LOCK_CANDIDATE: LiteralString = """
MATCH (d:DuplicateCandidate {id: $id})
SET d.status = d.status
RETURN d.status AS status,
       COLLECT { MATCH (d)-[:CANDIDATE]->(f:Firm) RETURN f {.rut, created_at: toString(f.created_at)}
                 ORDER BY f.created_at, f.rut } AS firms
"""

MARK_DISTINCT: LiteralString = """
MATCH (d:DuplicateCandidate {id: $id})
SET d.status = 'distinct', d.resolved_at = datetime($now), d.resolved_by = $actor,
    d.resolved_by_name = $actor_name, d.note = $note
"""

# -- merge: one statement per kind of relationship, run in order in one transaction -----------

MOVE_SECTORS: LiteralString = """
MATCH (k:Firm {rut: $keep}), (x:Firm {rut: $drop})-[:OPERATES_IN]->(s:Sector)
MERGE (k)-[:OPERATES_IN]->(s)
"""

# A firm is in exactly one comuna: the kept firm's stays; the dropped one's only fills a gap.
MOVE_COMUNA: LiteralString = """
MATCH (k:Firm {rut: $keep}), (x:Firm {rut: $drop})-[:LOCATED_IN]->(c:Comuna)
WHERE NOT EXISTS { (k)-[:LOCATED_IN]->(:Comuna) }
MERGE (k)-[:LOCATED_IN]->(c)
"""

# The best status wins (valid > in_progress > expired); for the same status, the later date.
MOVE_CERTIFICATIONS: LiteralString = """
MATCH (k:Firm {rut: $keep}), (x:Firm {rut: $drop})-[h:HOLDS]->(c:Certification)
MERGE (k)-[kh:HOLDS]->(c)
ON CREATE SET kh = properties(h)
ON MATCH SET kh += CASE
  WHEN $rank[h.status] > $rank[kh.status] THEN properties(h)
  WHEN $rank[h.status] = $rank[kh.status] AND h.valid_until IS NOT NULL
       AND (kh.valid_until IS NULL OR h.valid_until > kh.valid_until) THEN properties(h)
  ELSE {} END
"""

MOVE_MEMBERSHIPS: LiteralString = """
MATCH (k:Firm {rut: $keep}), (x:Firm {rut: $drop})-[:MEMBER_OF]->(co:Cooperative)
WHERE co <> k
MERGE (k)-[:MEMBER_OF]->(co)
"""

MOVE_MEMBERS: LiteralString = """
MATCH (k:Firm {rut: $keep}), (m:Firm)-[:MEMBER_OF]->(x:Firm {rut: $drop})
WHERE m <> k
SET k:Cooperative
MERGE (m)-[:MEMBER_OF]->(k)
"""

MOVE_ALLIANCES: LiteralString = """
MATCH (k:Firm {rut: $keep}), (x:Firm {rut: $drop})-[r:PARTY_TO]->(a)
MERGE (k)-[kr:PARTY_TO]->(a)
ON CREATE SET kr = properties(r)
"""

# Advisory work on either record is work done with the firm: sessions and hours add up.
MOVE_ADVICE: LiteralString = """
MATCH (k:Firm {rut: $keep}), (adv)-[r:ADVISED]->(x:Firm {rut: $drop})
MERGE (adv)-[kr:ADVISED]->(k)
ON CREATE SET kr = properties(r)
ON MATCH SET kr.sessions = coalesce(kr.sessions, 0) + coalesce(r.sessions, 0),
             kr.hours = coalesce(kr.hours, 0.0) + coalesce(r.hours, 0.0)
"""

# Needs for which both firms were proposed: one (need, firm) proposal may remain (a constraint).
CLASHING_PROPOSALS: LiteralString = """
MATCH (k:Firm {rut: $keep})<-[:OF]-(pk:Proposal), (x:Firm {rut: $drop})<-[:OF]-(px:Proposal)
WHERE pk.need_id = px.need_id
RETURN pk.need_id AS need_id, pk.id AS kept_id, pk.status AS kept_status, px.id AS dropped_id,
       px.status AS dropped_status
ORDER BY need_id
"""

# The proposal that goes: its alliance (if it was accepted) now answers to the one that stays.
DROP_PROPOSAL: LiteralString = """
MATCH (gone:Proposal {id: $gone})
OPTIONAL MATCH (a:Alliance {proposal_id: $gone})
SET a.proposal_id = $stays
DETACH DELETE gone
"""

MOVE_PROPOSALS: LiteralString = """
MATCH (k:Firm {rut: $keep}), (p:Proposal)-[r:OF]->(x:Firm {rut: $drop})
CREATE (p)-[kr:OF]->(k)
SET kr = properties(r), p.firm_rut = k.rut
"""

# Relationship types handled above, by direction seen from the dropped firm.
HANDLED_OUT = ["OPERATES_IN", "LOCATED_IN", "HOLDS", "MEMBER_OF", "PARTY_TO", "IN_CELL"]
HANDLED_IN = ["MEMBER_OF", "ADVISED", "OF", "CANDIDATE"]

# Anything else (a relationship type added after this was written) is copied as it is.
MOVE_OTHER_OUT: LiteralString = """
MATCH (k:Firm {rut: $keep}), (x:Firm {rut: $drop})-[r]->(o)
WHERE NOT type(r) IN $handled AND o <> k AND o <> x
CREATE (k)-[kr:$(type(r))]->(o)
SET kr = properties(r)
RETURN collect(DISTINCT type(r)) AS types
"""

MOVE_OTHER_IN: LiteralString = """
MATCH (k:Firm {rut: $keep}), (o)-[r]->(x:Firm {rut: $drop})
WHERE NOT type(r) IN $handled AND o <> k AND o <> x
CREATE (o)-[kr:$(type(r))]->(k)
SET kr = properties(r)
RETURN collect(DISTINCT type(r)) AS types
"""

# Empty fields of the kept firm take the dropped firm's values; the dropped RUT is remembered.
FILL_PROPERTIES: LiteralString = """
MATCH (k:Firm {rut: $keep}), (x:Firm {rut: $drop})
WITH k, x, k.annual_sales_uf IS NULL AND x.annual_sales_uf IS NOT NULL AS take_sales
SET k.phone = coalesce(k.phone, x.phone),
    k.email = coalesce(k.email, x.email),
    k.employees = coalesce(k.employees, x.employees),
    k.products = CASE WHEN coalesce(k.products, '') = '' THEN x.products ELSE k.products END,
    k.owner_gender = CASE WHEN coalesce(k.owner_gender, 'unknown') = 'unknown'
                          THEN coalesce(x.owner_gender, k.owner_gender) ELSE k.owner_gender END,
    k.annual_sales_uf = CASE WHEN take_sales THEN x.annual_sales_uf ELSE k.annual_sales_uf END,
    k.size_segment = CASE WHEN take_sales THEN x.size_segment ELSE k.size_segment END,
    k.merged_ruts = coalesce(k.merged_ruts, []) + [x.rut] + coalesce(x.merged_ruts, []),
    k.updated_at = datetime($now)
FOREACH (_ IN CASE WHEN x:Cooperative THEN [1] ELSE [] END | SET k:Cooperative)
"""

RECORD_MERGE: LiteralString = """
MATCH (k:Firm {rut: $keep}), (x:Firm {rut: $drop}), (d:DuplicateCandidate {id: $id})
CREATE (m:FirmMerge {id: $merge_id, kept_rut: $keep, dropped_rut: $drop, dropped_name: x.name,
                     dropped_comuna: COLLECT { MATCH (x)-[:LOCATED_IN]->(c:Comuna) RETURN c.cut LIMIT 1 }[0],
                     dropped_created_at: x.created_at, candidate_id: $id, moved_types: $moved,
                     merged_proposals: $merged_proposals, merged_at: datetime($now), merged_by: $actor,
                     merged_by_name: $actor_name, taken_fields: $take, snapshot: $snapshot})
CREATE (m)-[:INTO]->(k)
SET d.status = 'merged', d.resolved_at = datetime($now), d.resolved_by = $actor, d.resolved_by_name = $actor_name,
    d.kept_rut = $keep, d.note = $note
RETURN m.id AS merge_id
"""

# Other open or decided pairs of the dropped firm now concern the kept one. Where the kept firm
# already has a pair with the same firm, that pair (and its decision) stands and this one goes.
DROP_SHADOWED_CANDIDATES: LiteralString = """
MATCH (k:Firm {rut: $keep}), (x:Firm {rut: $drop})<-[:CANDIDATE]-(d:DuplicateCandidate)-[:CANDIDATE]->(o:Firm)
WHERE d.id <> $id AND o <> x
WITH d, CASE WHEN o.rut < k.rut THEN o.rut + '|' + k.rut ELSE k.rut + '|' + o.rut END AS key
WHERE EXISTS { MATCH (:DuplicateCandidate {pair_key: key}) }
DETACH DELETE d
"""

REPOINT_CANDIDATES: LiteralString = """
MATCH (k:Firm {rut: $keep}), (x:Firm {rut: $drop})<-[r:CANDIDATE]-(d:DuplicateCandidate)-[:CANDIDATE]->(o:Firm)
WHERE d.id <> $id AND o <> x
WITH d, r, k, CASE WHEN o.rut < k.rut THEN o.rut + '|' + k.rut ELSE k.rut + '|' + o.rut END AS key
DELETE r
MERGE (d)-[:CANDIDATE]->(k)
SET d.pair_key = key, d.ruts = split(key, '|')
"""

DELETE_DROPPED: LiteralString = "MATCH (x:Firm {rut: $drop}) DETACH DELETE x"

# The kept firm's (class, comuna) cells follow the sectors and comuna it received.
KEPT_CELLS: LiteralString = "MATCH (f:Firm {rut: $keep})\n" + SYNC_CELLS

MERGE_STEPS: tuple[LiteralString, ...] = (
    MOVE_SECTORS, MOVE_COMUNA, MOVE_CERTIFICATIONS, MOVE_MEMBERSHIPS, MOVE_MEMBERS, MOVE_ALLIANCES,
    MOVE_ADVICE, MOVE_PROPOSALS, KEPT_CELLS,
)

MERGED_AWAY: LiteralString = """
UNWIND $ruts AS rut
MATCH (m:FirmMerge {dropped_rut: rut}) WHERE m.undone_at IS NULL
RETURN rut, m.kept_rut AS kept_rut
"""


def candidate_id(pair_key: str) -> str:
    """The same pair always gets the same id (``dup_`` and 12 hex digits)."""
    return "dup_" + hashlib.sha1(pair_key.encode()).hexdigest()[:12]


def candidate_rows(matches: list[Match]) -> list[dict]:
    return [
        {"left": m.left, "right": m.right, "pair_key": f"{m.left}|{m.right}", "id": candidate_id(f"{m.left}|{m.right}"),
         "score": m.score, "evidence": list(m.evidence)}
        for m in matches
    ]


def record_candidates_tx(tx: ManagedTransaction, matches: list[Match], now: str, source: str) -> list[dict]:
    """MERGE the pairs by ``pair_key``; decided pairs are left as they are. Returns id/status/new per pair."""
    if not matches:
        return []
    return tx.run(RECORD_CANDIDATES, rows=candidate_rows(matches), now=now, source=source).data()


def known_pairs(driver: Graph, matches: list[Match]) -> dict[str, dict]:
    """Existing candidates for these pairs, by pair key (what a dry run would find)."""
    keys = [f"{m.left}|{m.right}" for m in matches]
    records, _, _ = driver.execute_query(KNOWN_PAIRS, keys=keys, routing_=RoutingControl.READ)
    return {r["pair_key"]: dict(r) for r in records}


def merged_away(driver: Graph, ruts: list[str]) -> dict[str, str]:
    """RUTs that an advisor merged into another firm, with the RUT kept."""
    records, _, _ = driver.execute_query(MERGED_AWAY, ruts=ruts, routing_=RoutingControl.READ)
    return {r["rut"]: r["kept_rut"] for r in records}


def decided_pairs(driver: Graph) -> list[dict]:
    """``{"id", "merged", "records" (two dicts of ``FIRM_NAME_FIELDS``), "decided"}`` per decided pair."""
    records, _, _ = driver.execute_query(DECIDED_PAIRS, routing_=RoutingControl.READ)
    return [{**dict(r), "records": json.loads(r["records"])} for r in records]


def firm_name(row: dict) -> FirmName:
    """A ``FirmName`` from a ``FIRM_NAME_FIELDS`` row."""
    return FirmName(row["id"], row["name"] or "", row["comuna"], tuple(row["sectors"]), row["phone"], row["email"])


def _firm_names(records) -> list[FirmName]:
    return [FirmName(r["id"], r["name"] or "", r["comuna"], tuple(r["sectors"]), r["phone"], r["email"])
            for r in records]


def all_firm_names(driver: Graph, *, demo_only: bool = False) -> list[FirmName]:
    """Every firm's name fields; ``demo_only``: only the demo's firms (the demo never decides about others)."""
    records, _, _ = driver.execute_query(DEMO_FIRM_NAMES if demo_only else ALL_FIRM_NAMES,
                                         routing_=RoutingControl.READ)
    return _firm_names(records)


def firm_names_in_blocks(driver: Graph, comunas: list[str], sectors: list[str]) -> list[FirmName]:
    records, _, _ = driver.execute_query(FIRM_NAMES_IN_BLOCKS, comunas=comunas, sectors=sectors,
                                         routing_=RoutingControl.READ)
    return _firm_names(records)


def get_candidate(driver: Graph, cid: str) -> dict:
    records, _, _ = driver.execute_query(GET_CANDIDATE, id=cid, routing_=RoutingControl.READ)
    if not records:
        raise NotFound(f"No existe el posible duplicado {cid}.")
    return records[0]["candidate"]


def list_candidates(driver: Graph, *, status: str | None, rut: str | None, after: tuple[float, str] | None,
                    limit: int) -> list[dict]:
    records, _, _ = driver.execute_query(
        LIST_CANDIDATES, status=status, rut=rut, after_score=after[0] if after else None,
        after_id=after[1] if after else None, limit=limit, routing_=RoutingControl.READ,
    )
    return [r["candidate"] for r in records]


_PROPOSAL_STATUS_ES = {"pending": "pendiente", "accepted": "aceptada", "rejected": "rechazada"}


def _merge_proposals_tx(tx: ManagedTransaction, keep: str, drop: str) -> list[str]:
    """Where both firms were proposed for one need, keep one proposal: the decided one (the kept firm's
    when both are pending or both decided alike). Two different decisions by a buyer on the "same"
    firm are a ``Conflict``: the buyer told them apart. Returns ``need:kept:gone:status`` notes."""
    notes = []
    for clash in tx.run(CLASHING_PROPOSALS, keep=keep, drop=drop).data():
        kept_status, dropped_status = clash["kept_status"], clash["dropped_status"]
        if "pending" not in (kept_status, dropped_status) and kept_status != dropped_status:
            raise Conflict(
                f"Ambas empresas fueron propuestas para la necesidad {clash['need_id']} y el comprador decidió "
                f"distinto sobre cada una ({_PROPOSAL_STATUS_ES[kept_status]} y "
                f"{_PROPOSAL_STATUS_ES[dropped_status]}): para el comprador son dos empresas. Si lo son, márquelas "
                "como distintas (action=distinct); si no, pida al comprador que revise esas propuestas antes de "
                "fusionar.")
        if kept_status == "pending" and dropped_status != "pending":
            stays, gone = clash["dropped_id"], clash["kept_id"]
        else:
            stays, gone = clash["kept_id"], clash["dropped_id"]
        tx.run(DROP_PROPOSAL, gone=gone, stays=stays).consume()
        notes.append(f"{clash['need_id']}:{stays}:{gone}:{kept_status}/{dropped_status}")
    return notes


def _merge_tx(tx: ManagedTransaction, cid: str, keep: str, drop: str, now: str, actor: str | None,
              note: str | None, actor_name: str | None = None, take: list[str] | None = None) -> None:
    params = {"keep": keep, "drop": drop, "id": cid, "now": now}
    snapshot = snapshot_tx(tx, cid, keep, drop)  # before anything moves: what an undo puts back
    merged_proposals = _merge_proposals_tx(tx, keep, drop)
    take_values_tx(tx, keep, drop, take or [])  # the dropped firm's values the advisor chose to keep
    for statement in MERGE_STEPS:
        tx.run(statement, **params, rank=CERT_STATUS_RANK).consume()
    moved = tx.run(MOVE_OTHER_OUT, **params, handled=HANDLED_OUT).single()["types"]
    moved += tx.run(MOVE_OTHER_IN, **params, handled=HANDLED_IN).single()["types"]
    tx.run(FILL_PROPERTIES, **params).consume()
    tx.run(RECORD_MERGE, **params, merge_id=f"merge_{uuid.uuid4().hex[:12]}", moved=sorted(set(moved)),
           merged_proposals=merged_proposals, actor=actor, actor_name=actor_name, note=note, take=take or [],
           snapshot=snapshot).consume()
    tx.run(DROP_SHADOWED_CANDIDATES, **params).consume()
    tx.run(REPOINT_CANDIDATES, **params).consume()
    tx.run(DELETE_DROPPED, drop=drop).consume()


def resolve(driver: Graph, cid: str, *, action: str, keep: str | None, now: str, actor: str | None,
            note: str | None = None, actor_name: str | None = None, take: list[str] | None = None) -> dict:
    """Mark a pair distinct, or merge it into ``keep`` (default: the firm registered first), keeping the
    dropped firm's value of each field in ``take`` (``firm_merges.MERGE_FIELDS``) where the two differ."""

    def work(tx: ManagedTransaction) -> dict:
        row = tx.run(LOCK_CANDIDATE, id=cid).single()
        if row is None:
            raise NotFound(f"No existe el posible duplicado {cid}.")
        if row["status"] != "open":
            raise Conflict(f"El posible duplicado {cid} ya fue resuelto (estado: {_STATUS_ES[row['status']]}).")
        ruts = [f["rut"] for f in row["firms"]]
        if len(ruts) != 2:
            raise Conflict(f"Una de las empresas del posible duplicado {cid} ya no existe; no hay nada que resolver.")
        records = [dict(r) for r in tx.run(PAIR_RECORDS, id=cid)]
        tx.run(KEEP_PAIR_RECORDS, id=cid, records=json.dumps(records, ensure_ascii=False)).consume()
        if action == "distinct":
            tx.run(MARK_DISTINCT, id=cid, now=now, actor=actor, actor_name=actor_name, note=note).consume()
            return {"candidate_id": cid, "status": "distinct"}
        kept = keep or ruts[0]
        if kept not in ruts:
            raise InvalidInput(FieldError("keep", f"{kept} no es una de las empresas del par ({' y '.join(ruts)})."))
        dropped = ruts[1] if kept == ruts[0] else ruts[0]
        _merge_tx(tx, cid, kept, dropped, now, actor, note, actor_name, take)
        return {"candidate_id": cid, "status": "merged", "kept_rut": kept, "dropped_rut": dropped,
                "firm": tx.run(GET_FIRM, rut=kept).single()["firm"]}

    with driver.session() as session:
        result = session.execute_write(work)
    result["candidate"] = get_candidate(driver, cid)
    return result


_STATUS_ES = {"open": "abierto", "merged": "fusionado", "distinct": "distintas"}
