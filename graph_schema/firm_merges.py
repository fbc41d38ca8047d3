"""Merges of duplicate firms as an audit record that can be undone: what the advisor chose to keep, a
snapshot of both firms taken just before, who merged and when, and the undoing.

``graph_schema.duplicates.resolve`` merges a pair in one transaction; within it, ``snapshot_tx`` reads
both firms with every relationship the merge touches (properties, labels, comuna, sectors,
certifications, memberships both ways, alliances, advisory sessions, proposals, other possible
duplicates) and ``take_values_tx`` keeps the dropped firm's value of each field the advisor chose
(``MERGE_FIELDS``). The ``FirmMerge`` node keeps the snapshot as JSON (temporal values tagged, so
they come back with their types).

``undo`` puts both firms back as the snapshot shows them, within what the record can vouch for:
it refuses, saying why, when the merge has no snapshot (merges made before it was kept), when the
kept firm changed or absorbed another firm afterwards, when the dropped RUT exists again, when the
merge deleted a clashing proposal, or when a moved proposal or possible duplicate was decided
since. Work done on the kept firm after the merge (advisory sessions, new proposals) stays with it.
"""

from __future__ import annotations

import json
from typing import Any, LiteralString

from neo4j import ManagedTransaction, RoutingControl
from neo4j.time import Date, DateTime

from graph_schema.cells import SYNC_CELLS
from graph_schema.driver import Graph
from matching.errors import Conflict, NotFound

# Fields where the two records may differ and the advisor chooses which value stays (the sales choice
# carries the size segment with it). Sectors, certifications, alliances and the rest are joined.
MERGE_FIELDS: tuple[str, ...] = ("name", "comuna", "phone", "email", "products", "employees", "annual_sales_uf",
                                 "supply_capacity_uf", "owner_gender")

TAKE_VALUES: LiteralString = """
MATCH (k:Firm {rut: $keep}), (x:Firm {rut: $drop})
SET k.name = CASE WHEN 'name' IN $take AND x.name IS NOT NULL THEN x.name ELSE k.name END,
    k.phone = CASE WHEN 'phone' IN $take THEN x.phone ELSE k.phone END,
    k.email = CASE WHEN 'email' IN $take THEN x.email ELSE k.email END,
    k.products = CASE WHEN 'products' IN $take THEN x.products ELSE k.products END,
    k.employees = CASE WHEN 'employees' IN $take THEN x.employees ELSE k.employees END,
    k.annual_sales_uf = CASE WHEN 'annual_sales_uf' IN $take THEN x.annual_sales_uf ELSE k.annual_sales_uf END,
    k.size_segment = CASE WHEN 'annual_sales_uf' IN $take THEN x.size_segment ELSE k.size_segment END,
    k.supply_capacity_uf = CASE WHEN 'supply_capacity_uf' IN $take THEN x.supply_capacity_uf
                                ELSE k.supply_capacity_uf END,
    k.owner_gender = CASE WHEN 'owner_gender' IN $take THEN x.owner_gender ELSE k.owner_gender END
"""

TAKE_COMUNA: LiteralString = """
MATCH (k:Firm {rut: $keep}), (x:Firm {rut: $drop})-[:LOCATED_IN]->(c:Comuna)
WHERE 'comuna' IN $take
CALL (k) { MATCH (k)-[old:LOCATED_IN]->(:Comuna) DELETE old }
MERGE (k)-[:LOCATED_IN]->(c)
"""

SNAPSHOT: LiteralString = """
UNWIND [$keep, $drop] AS rut
MATCH (f:Firm {rut: rut})
RETURN f.rut AS rut, properties(f) AS props, labels(f) AS labels,
  COLLECT { MATCH (f)-[:LOCATED_IN]->(c:Comuna) RETURN c.cut } AS comunas,
  COLLECT { MATCH (f)-[:OPERATES_IN]->(s:Sector) RETURN s.code } AS sectors,
  COLLECT { MATCH (f)-[h:HOLDS]->(c:Certification) RETURN {code: c.code, props: properties(h)} } AS holds,
  COLLECT { MATCH (f)-[r:MEMBER_OF]->(co:Firm) RETURN {rut: co.rut, props: properties(r)} } AS member_of,
  COLLECT { MATCH (m:Firm)-[r:MEMBER_OF]->(f) RETURN {rut: m.rut, props: properties(r)} } AS members,
  COLLECT { MATCH (f)-[r:PARTY_TO]->(a:Alliance) RETURN {id: a.id, props: properties(r)} } AS alliances,
  COLLECT { MATCH (adv:Advisor)-[r:ADVISED]->(f) RETURN {id: adv.id, props: properties(r)} } AS advised,
  COLLECT { MATCH (p:Proposal)-[r:OF]->(f) RETURN {id: p.id, status: p.status, props: properties(r)} } AS proposals,
  COLLECT { MATCH (m:FirmMerge)-[:INTO]->(f) RETURN m.id } AS merges_into,
  COLLECT { MATCH (d:DuplicateCandidate)-[:CANDIDATE]->(f) WHERE d.id <> $id
            RETURN {id: d.id, props: properties(d),
                    other: COLLECT { MATCH (d)-[:CANDIDATE]->(o:Firm) WHERE o <> f RETURN o.rut }[0]} } AS candidates
"""

MERGE_RECORD: LiteralString = """
MATCH (m:FirmMerge {id: $merge_id})
RETURN m {.id, .kept_rut, .dropped_rut, .dropped_name, .candidate_id, .moved_types, .merged_proposals, .snapshot,
          .merged_by, .merged_by_name, .undone_by, .undone_by_name,
          merged_at: toString(m.merged_at), undone_at: toString(m.undone_at),
          merged_at_s: m.merged_at.epochMillis} AS merge
"""

# What the undo must check against the present, in one read.
PRESENT_STATE: LiteralString = """
OPTIONAL MATCH (k:Firm {rut: $keep})
RETURN k IS NOT NULL AS kept_exists, k.updated_at.epochMillis AS kept_updated,
       EXISTS { MATCH (:Firm {rut: $drop}) } AS dropped_exists,
       COLLECT { MATCH (later:FirmMerge)-[:INTO]->(k) WHERE later.id <> $merge_id AND later.undone_at IS NULL
                   AND later.merged_at.epochMillis > $merged_at RETURN later.dropped_rut } AS later_merges,
       COLLECT { UNWIND $proposals AS p MATCH (x:Proposal {id: p.id}) WHERE x.status <> p.status RETURN x.id }
         AS decided_proposals,
       COLLECT { UNWIND $candidates AS c MATCH (d:DuplicateCandidate {id: c.id}) WHERE d.status <> c.status
                 RETURN d.id } AS decided_candidates
"""

# The dropped firm again, with its own relationships; the kept firm's back to the snapshot.
RESTORE_DROPPED: LiteralString = """
CREATE (x:Firm) SET x = $props
FOREACH (_ IN CASE WHEN 'Cooperative' IN $labels THEN [1] ELSE [] END | SET x:Cooperative)
WITH x
CALL (x) { UNWIND $comunas AS cut MATCH (c:Comuna {cut: cut}) CREATE (x)-[:LOCATED_IN]->(c) }
CALL (x) { UNWIND $sectors AS code MATCH (s:Sector {code: code}) CREATE (x)-[:OPERATES_IN]->(s) }
CALL (x) { UNWIND $holds AS h MATCH (c:Certification {code: h.code}) CREATE (x)-[r:HOLDS]->(c) SET r = h.props }
CALL (x) { UNWIND $member_of AS m MATCH (co:Firm {rut: m.rut}) CREATE (x)-[r:MEMBER_OF]->(co) SET r = m.props }
CALL (x) { UNWIND $alliances AS a MATCH (al:Alliance {id: a.id}) CREATE (x)-[r:PARTY_TO]->(al) SET r = a.props }
CALL (x) { UNWIND $advised AS a MATCH (adv:Advisor {id: a.id}) CREATE (adv)-[r:ADVISED]->(x) SET r = a.props }
CALL (x) { UNWIND $merges_into AS id MATCH (m:FirmMerge {id: id}) CREATE (m)-[:INTO]->(x) }
"""

# Relationships the merge gave the kept firm that it did not have before.
UNDO_KEPT: LiteralString = """
MATCH (k:Firm {rut: $keep}), (x:Firm {rut: $drop})
CALL (k) { MATCH (k)-[r:OPERATES_IN]->(s:Sector) WHERE NOT s.code IN $kept.sectors DELETE r }
CALL (k) { MATCH (k)-[r:LOCATED_IN]->(c:Comuna) WHERE NOT c.cut IN $kept.comunas DELETE r }
CALL (k) { UNWIND $kept.comunas AS cut MATCH (c:Comuna {cut: cut}) MERGE (k)-[:LOCATED_IN]->(c) }
CALL (k) { MATCH (k)-[r:HOLDS]->(c:Certification) WHERE NOT c.code IN [h IN $kept.holds | h.code] DELETE r }
CALL (k) { UNWIND $kept.holds AS h MATCH (k)-[r:HOLDS]->(:Certification {code: h.code}) SET r = h.props }
CALL (k) { MATCH (k)-[r:MEMBER_OF]->(co:Firm) WHERE NOT co.rut IN [m IN $kept.member_of | m.rut] DELETE r }
CALL (k, x) { UNWIND $dropped.members AS m MATCH (f:Firm {rut: m.rut})
              CREATE (f)-[r:MEMBER_OF]->(x) SET r = m.props
              WITH f, m WHERE NOT m.rut IN [n IN $kept.members | n.rut]
              MATCH (f)-[old:MEMBER_OF]->(k) DELETE old }
CALL (k) { MATCH (k)-[r:PARTY_TO]->(al:Alliance) WHERE al.id IN [a IN $dropped.alliances | a.id]
             AND NOT al.id IN [a IN $kept.alliances | a.id] DELETE r }
CALL (k) { UNWIND $dropped.advised AS a MATCH (:Advisor {id: a.id})-[r:ADVISED]->(k)
           SET r.sessions = coalesce(r.sessions, 0) - coalesce(a.props.sessions, 0),
               r.hours = coalesce(r.hours, 0.0) - coalesce(a.props.hours, 0.0)
           WITH r, a WHERE NOT a.id IN [b IN $kept.advised | b.id] AND r.sessions <= 0 AND r.hours <= 0.000001
           DELETE r }
CALL (k, x) { UNWIND $dropped.proposals AS p MATCH (pr:Proposal {id: p.id})-[r:OF]->(k)
              DELETE r CREATE (pr)-[nr:OF]->(x) SET nr = p.props, pr.firm_rut = x.rut }
CALL (k) { UNWIND $dropped.merges_into AS id MATCH (:FirmMerge {id: id})-[r:INTO]->(k) DELETE r }
CALL (k, x) { UNWIND $dropped.candidates AS c OPTIONAL MATCH (d:DuplicateCandidate {id: c.id})
              WITH c, d
              CALL (c, d, x) { WITH c, d, x WHERE d IS NULL
                            CREATE (n:DuplicateCandidate) SET n = c.props
                            WITH n, c, x MATCH (o:Firm {rut: c.other}) CREATE (n)-[:CANDIDATE]->(o)
                            WITH n, x CREATE (n)-[:CANDIDATE]->(x) }
              CALL (c, d, k, x) { WITH c, d, k, x WHERE d IS NOT NULL
                            OPTIONAL MATCH (d)-[old:CANDIDATE]->(k) WHERE c.other <> k.rut DELETE old
                            WITH d, c, x SET d = c.props CREATE (d)-[:CANDIDATE]->(x) } }
SET k = $kept.props
FOREACH (_ IN CASE WHEN 'Cooperative' IN $kept.labels THEN [] ELSE [1] END | REMOVE k:Cooperative)
"""

# Both firms' (class, comuna) cells follow the sectors and comunas the undo gave back.
UNDO_CELLS: LiteralString = "UNWIND $ruts AS rut MATCH (f:Firm {rut: rut})\n" + SYNC_CELLS

REOPEN_PAIR: LiteralString = """
MATCH (d:DuplicateCandidate {id: $candidate_id}), (x:Firm {rut: $drop}), (m:FirmMerge {id: $merge_id})
CREATE (d)-[:CANDIDATE]->(x)
SET d.status = 'open', d.reopened_at = datetime($now), d.reopened_by = $actor
REMOVE d.resolved_at, d.resolved_by, d.kept_rut, d.note, d.records
SET m.undone_at = datetime($now), m.undone_by = $actor, m.undone_by_name = $actor_name
"""

# Merges into a firm, newest first (its page shows them with who and when).
MERGES_INTO: LiteralString = """
MATCH (m:FirmMerge)-[:INTO]->(:Firm {rut: $rut})
RETURN m {.id, .dropped_rut, .dropped_name, .merged_by, .merged_by_name, .undone_by, .undone_by_name, .candidate_id,
          merged_at: toString(m.merged_at), undone_at: toString(m.undone_at),
          dropped_comuna: COLLECT { MATCH (c:Comuna {cut: m.dropped_comuna}) RETURN c.name LIMIT 1 }[0],
          undoable: m.snapshot IS NOT NULL AND m.undone_at IS NULL} AS merge
ORDER BY m.merged_at DESC
"""


# -- snapshots: Neo4j values in JSON, and back -----------------------------------------------------

def _encode(value: Any) -> Any:
    if isinstance(value, DateTime):
        return {"$datetime": value.iso_format()}
    if isinstance(value, Date):
        return {"$date": value.iso_format()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$datetime"}:
            return DateTime.from_iso_format(value["$datetime"])
        if set(value) == {"$date"}:
            return Date.from_iso_format(value["$date"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def snapshot_tx(tx: ManagedTransaction, cid: str, keep: str, drop: str) -> str:
    """Both firms as they are now, with what a merge changes, as JSON for the ``FirmMerge``."""
    rows = {r["rut"]: {k: v for k, v in r.items() if k != "rut"} for r in tx.run(SNAPSHOT, keep=keep, drop=drop,
                                                                                     id=cid).data()}
    for row in rows.values():
        for c in row["candidates"]:
            c["status"] = c["props"].get("status")
    return json.dumps({"kept": _encode(rows[keep]), "dropped": _encode(rows[drop])}, ensure_ascii=False)


def take_values_tx(tx: ManagedTransaction, keep: str, drop: str, take: list[str]) -> None:
    """Keep the dropped firm's value of each field in ``take`` (a subset of ``MERGE_FIELDS``)."""
    unknown = set(take) - set(MERGE_FIELDS)
    if unknown:
        raise ValueError(f"Not merge fields: {sorted(unknown)}")
    if take:
        tx.run(TAKE_VALUES, keep=keep, drop=drop, take=take).consume()
        tx.run(TAKE_COMUNA, keep=keep, drop=drop, take=take).consume()


def _why_not(merge: dict, present: dict, snapshot: dict | None) -> str | None:
    """Why this merge cannot be undone (Spanish), or None when it can."""
    kept, dropped = merge["kept_rut"], merge["dropped_rut"]
    if merge.get("undone_at"):
        who = merge.get("undone_by_name") or merge.get("undone_by")
        return f"Esta fusión ya se deshizo ({merge['undone_at'][:10]}, por {who})."
    if snapshot is None:
        return ("Esta fusión se hizo antes de que Encadena guardara una copia completa de las dos fichas; su registro "
                f"conserva solo el RUT ({dropped}), el nombre y la comuna de la empresa eliminada, y con eso no se "
                "puede recomponer.")
    if present["dropped_exists"]:
        return f"Ya existe otra vez una empresa con RUT {dropped} (se registró o importó después de la fusión)."
    if not present["kept_exists"]:
        return f"La empresa conservada ({kept}) ya no existe: se fusionó a su vez con otra; deshaga primero esa fusión."
    if present["later_merges"]:
        return (f"Después se fusionó con esta empresa otra ficha ({', '.join(present['later_merges'])}); deshaga "
                "primero esa fusión, la más reciente.")
    if (present["kept_updated"] or 0) > merge["merged_at_s"]:
        return ("La ficha conservada cambió después de la fusión (una edición o una importación); deshacerla "
                "borraría esos cambios.")
    if merge.get("merged_proposals"):
        return ("Al fusionar se eliminó una propuesta repetida (ambas empresas habían sido propuestas para la misma "
                "necesidad), y esa propuesta no se puede recuperar.")
    moved = [t for t in merge.get("moved_types") or [] if t != "INTO"]
    if moved:
        return f"La fusión trasladó relaciones de tipo {', '.join(moved)}, que no se saben devolver."
    if present["decided_proposals"]:
        return (f"Propuestas de la empresa eliminada se decidieron después de la fusión "
                f"({', '.join(present['decided_proposals'])}); esas decisiones se tomaron sobre la empresa fusionada.")
    if present["decided_candidates"]:
        return (f"Posibles duplicados de la empresa eliminada se resolvieron después de la fusión "
                f"({', '.join(present['decided_candidates'])}).")
    return None


def _undo_tx(tx: ManagedTransaction, merge_id: str, now: str, actor: str | None, actor_name: str | None,
             check_only: bool) -> dict:
    record = tx.run(MERGE_RECORD, merge_id=merge_id).single()
    if record is None:
        raise NotFound(f"No existe la fusión {merge_id}.")
    merge = record["merge"]
    snapshot = _decode(json.loads(merge["snapshot"])) if merge.get("snapshot") else None
    dropped = (snapshot or {}).get("dropped") or {}
    present = tx.run(PRESENT_STATE, keep=merge["kept_rut"], drop=merge["dropped_rut"], merge_id=merge_id,
                     merged_at=merge["merged_at_s"],
                     proposals=[{"id": p["id"], "status": p["status"]} for p in dropped.get("proposals", [])],
                     candidates=[{"id": c["id"], "status": c["status"]} for c in dropped.get("candidates", [])]
                     ).single(strict=True)
    reason = _why_not(merge, dict(present), snapshot)
    if check_only or reason is not None:
        return {"merge": merge, "undoable": reason is None, "reason": reason}
    assert snapshot is not None
    tx.run(RESTORE_DROPPED, **{k: dropped[k] for k in ("props", "labels", "comunas", "sectors", "holds", "member_of",
                                                       "alliances", "advised", "merges_into")}).consume()
    tx.run(UNDO_KEPT, keep=merge["kept_rut"], drop=merge["dropped_rut"], kept=snapshot["kept"],
           dropped=dropped).consume()
    tx.run(UNDO_CELLS, ruts=[merge["kept_rut"], merge["dropped_rut"]]).consume()
    tx.run(REOPEN_PAIR, candidate_id=merge["candidate_id"], drop=merge["dropped_rut"], merge_id=merge_id, now=now,
           actor=actor, actor_name=actor_name).consume()
    return {"merge": merge, "undoable": False, "reason": None, "undone": True}


def undo_check(driver: Graph, merge_id: str) -> dict:
    """``{"merge", "undoable", "reason"}``: whether the merge can be undone now, and if not, why."""
    with driver.session(default_access_mode="READ") as session:
        return session.execute_read(_undo_tx, merge_id, "", None, None, True)


def undo(driver: Graph, merge_id: str, *, now: str, actor: str | None, actor_name: str | None) -> dict:
    """Undo a merge (both firms back as they were, the pair open again); ``Conflict`` saying why not."""
    with driver.session() as session:
        result = session.execute_write(_undo_tx, merge_id, now, actor, actor_name, False)
    if not result.get("undone"):
        raise Conflict(result["reason"])
    return result


def merges_into(driver: Graph, rut: str) -> list[dict]:
    """The merges into firm ``rut``, newest first, with who and when (and whether undone)."""
    records, _, _ = driver.execute_query(MERGES_INTO, rut=rut, routing_=RoutingControl.READ)
    return [r["merge"] for r in records]
