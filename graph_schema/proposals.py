"""Proposals: an advisor proposes a firm for a need; the need's buyer accepts or rejects it.

Decisions are the ranker's training labels, so a proposal is decided exactly once, and an
accepted one creates its alliance in the same transaction. One proposal per (need, firm) is
enforced by a uniqueness constraint (migration 10), so concurrent duplicates fail too.
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import ManagedTransaction, RoutingControl
from neo4j.exceptions import ConstraintError

from graph_schema.driver import Graph
from graph_schema.ids import new_id
from graph_schema.needs import not_found as need_not_found
from graph_schema.network import CREATE_ALLIANCES, FIRM_REF, GET_ALLIANCE, alliance_row, firm_ref_with
from matching.errors import Conflict, FieldError, InvalidInput, NotFound

# Everything a new proposal depends on, read in the transaction that writes it.
PROPOSAL_CONTEXT: LiteralString = """
OPTIONAL MATCH (n:Need {id: $need_id})
OPTIONAL MATCH (f:Firm {rut: $rut})
OPTIONAL MATCH (a:Advisor {id: $advisor_id})
RETURN n IS NOT NULL AS need_found, n.status AS need_status,
       f IS NOT NULL AS firm_found, f.size_segment AS firm_size,
       a IS NOT NULL AS advisor_found,
       EXISTS { MATCH (:Proposal {need_id: $need_id, firm_rut: $rut}) } AS duplicate
"""

CREATE_PROPOSALS: LiteralString = """
UNWIND $rows AS row
MATCH (n:Need {id: row.need_id}), (f:Firm {rut: row.firm_rut})
CREATE (p:Proposal {id: row.id, need_id: row.need_id, firm_rut: row.firm_rut, note: row.note, status: 'pending',
                    created_at: datetime($now), score: row.score, rank: row.rank, model_version: row.model_version})
CREATE (p)-[:FOR]->(n)
CREATE (p)-[:OF]->(f)
WITH p, row
CALL (p, row) {
  MATCH (a:Advisor {id: row.advisor_id})
  CREATE (a)-[:MADE]->(p)
}
RETURN count(p) AS written
"""

PROPOSAL_PROJECTION: LiteralString = """
p {
  .id, .need_id, .note, .status, .score, .rank, .model_version, .decision_reason, .project_id,
  kind: coalesce(p.kind, 'single'),
  created_at: toString(p.created_at), decided_at: toString(p.decided_at),
  firm: COLLECT { MATCH (p)-[:OF]->(f:Firm) RETURN """ + FIRM_REF + """ AS firm ORDER BY f.rut LIMIT 1 }[0],
  firms: COLLECT { MATCH (p)-[o:OF]->(f:Firm)
                   RETURN """ + firm_ref_with("share_uf: o.share_uf, capacity_uf: o.capacity_uf") + """ AS firm
                   ORDER BY o.share_uf DESC, f.rut },
  advisor: COLLECT { MATCH (a:Advisor)-[:MADE]->(p) RETURN a {.id, .name} LIMIT 1 }[0],
  alliance_id: COLLECT { MATCH (al:Alliance {proposal_id: p.id}) RETURN al.id LIMIT 1 }[0]
}
"""

# ``$buyer`` is a buyer key's RUT: another buyer's proposals look missing.
GET_PROPOSAL: LiteralString = """
MATCH (p:Proposal {id: $id})-[:FOR]->(n:Need)
WHERE $buyer IS NULL OR n.buyer_rut = $buyer
RETURN """ + PROPOSAL_PROJECTION + " AS proposal"

LIST_FOR_NEED: LiteralString = """
MATCH (p:Proposal)-[:FOR]->(n:Need {id: $need_id})
WHERE ($status IS NULL OR p.status = $status)
  AND ($after_t IS NULL OR p.created_at < datetime($after_t)
       OR (p.created_at = datetime($after_t) AND p.id < $after_id))
WITH p ORDER BY p.created_at DESC, p.id DESC LIMIT $limit
RETURN """ + PROPOSAL_PROJECTION + " AS proposal"

NEED_VISIBLE: LiteralString = """
MATCH (n:Need {id: $need_id}) WHERE $buyer IS NULL OR n.buyer_rut = $buyer RETURN n.id AS id
"""

# Writing the proposal first takes its write lock, so two concurrent decisions are serialized
# and the second one sees the first one's status (Neo4j reads are read-committed otherwise).
LOCK_PROPOSAL: LiteralString = """
MATCH (p:Proposal {id: $id})-[:FOR]->(n:Need)
SET p._lock = true
RETURN p.status AS status, n.buyer_rut AS buyer_rut, coalesce(p.project_id, n.project_id) AS project_id,
       COLLECT { MATCH (p)-[o:OF]->(f:Firm) RETURN [f.rut, o.share_uf] ORDER BY f.rut } AS members
"""

# A group of firms proposed together for one need: one proposal, a share of the volume per member.
GROUP_CONTEXT: LiteralString = """
OPTIONAL MATCH (n:Need {id: $need_id})
OPTIONAL MATCH (a:Advisor {id: $advisor_id})
OPTIONAL MATCH (pr:Project {id: $project_id})
RETURN n IS NOT NULL AS need_found, n.status AS need_status, a IS NOT NULL AS advisor_found,
       pr IS NOT NULL AS project_found,
       EXISTS { MATCH (:Proposal {need_id: $need_id, group_key: $group_key}) } AS duplicate
"""

CREATE_GROUP_PROPOSAL: LiteralString = """
MATCH (n:Need {id: $need_id})
CREATE (p:Proposal {id: $id, need_id: $need_id, kind: 'group', group_key: $group_key, note: $note,
                    status: 'pending', created_at: datetime($now), project_id: $project_id,
                    model_version: $model_version, volume_uf: $volume_uf})
CREATE (p)-[:FOR]->(n)
WITH p
UNWIND $members AS member
MATCH (f:Firm {rut: member.rut})
CREATE (p)-[:OF {share_uf: member.share_uf, capacity_uf: member.capacity_uf}]->(f)
WITH DISTINCT p
CALL (p) {
  MATCH (a:Advisor {id: $advisor_id})
  CREATE (a)-[:MADE]->(p)
}
RETURN p.id AS id
"""

DECIDE: LiteralString = """
MATCH (p:Proposal {id: $id})
SET p.status = $decision, p.decided_at = datetime($now), p.decision_reason = $reason
REMOVE p._lock
"""


def _proposal_errors(context: dict, need_id: str, rut: str, advisor_id: str | None) -> None:
    """Raise the right error for a proposal that cannot be made, checked in the order a person fixes them."""
    if not context["need_found"]:
        raise need_not_found(need_id)
    errors = []
    if not context["firm_found"]:
        errors.append(FieldError("rut", f"No existe una empresa con RUT {rut}; regístrela con POST /api/v1/firms."))
    elif context["firm_size"] == "grande":
        errors.append(FieldError("rut", f"La empresa {rut} es grande (ventas sobre 100.000 UF); "
                                        "solo se proponen empresas de menor tamaño y cooperativas."))
    if advisor_id is not None and not context["advisor_found"]:
        errors.append(FieldError("advisor_id", f"No existe un asesor con id {advisor_id}."))
    if errors:
        raise InvalidInput(errors)
    if context["need_status"] != "open":
        raise Conflict(f"La necesidad {need_id} está cerrada; reábrala antes de proponer empresas.")
    if context["duplicate"]:
        raise Conflict(f"La empresa {rut} ya fue propuesta para la necesidad {need_id}.")


def create_proposal(driver: Graph, need_id: str, values: dict, now: str) -> dict:
    """Propose a firm for an open need (``values``: rut, note, advisor_id, score, rank, model_version)."""
    row = {"id": new_id("prop"), "need_id": need_id, "firm_rut": values["rut"], "note": values.get("note", ""),
           "advisor_id": values.get("advisor_id"), "score": values.get("score"), "rank": values.get("rank"),
           "model_version": values.get("model_version")}

    def work(tx: ManagedTransaction) -> dict:
        context = tx.run(PROPOSAL_CONTEXT, need_id=need_id, rut=row["firm_rut"],
                         advisor_id=row["advisor_id"]).single(strict=True)
        _proposal_errors(dict(context), need_id, row["firm_rut"], row["advisor_id"])
        tx.run(CREATE_PROPOSALS, rows=[row], now=now).consume()
        return tx.run(GET_PROPOSAL, id=row["id"], buyer=None).single(strict=True)["proposal"]

    with driver.session() as session:
        try:
            return session.execute_write(work)
        except ConstraintError as exc:  # a concurrent request proposed the same firm first
            raise Conflict(f"La empresa {row['firm_rut']} ya fue propuesta para la necesidad {need_id}.") from exc


def get_proposal(driver: Graph, proposal_id: str, buyer: str | None = None) -> dict:
    records, _, _ = driver.execute_query(GET_PROPOSAL, id=proposal_id, buyer=buyer, routing_=RoutingControl.READ)
    if not records:
        raise NotFound(f"No existe una propuesta con id {proposal_id}.")
    return records[0]["proposal"]


def list_for_need(driver: Graph, need_id: str, *, buyer: str | None, status: str | None,
                  after: tuple[str, str] | None, limit: int) -> list[dict]:
    """A need's proposals, newest first; 404 when the need is missing or not the buyer's."""
    after_t, after_id = after or (None, None)

    def work(tx: ManagedTransaction) -> list[dict]:
        if tx.run(NEED_VISIBLE, need_id=need_id, buyer=buyer).single() is None:
            raise need_not_found(need_id)
        result = tx.run(LIST_FOR_NEED, need_id=need_id, status=status, after_t=after_t, after_id=after_id,
                        limit=limit)
        return [r["proposal"] for r in result]

    with driver.session() as session:
        return session.execute_read(work)


def decide(driver: Graph, proposal_id: str, decision: str, reason: str | None, now: str,
           buyer: str | None = None) -> dict:
    """Accept or reject a pending proposal; an acceptance creates the alliance in the same transaction.

    Returns ``{"proposal": ..., "alliance": ... | None}``. ``buyer`` (a buyer key's RUT) may only
    decide on proposals for its own needs; others answer 404, like a missing proposal.
    """

    def work(tx: ManagedTransaction) -> dict:
        current = tx.run(LOCK_PROPOSAL, id=proposal_id).single()
        if current is None or (buyer is not None and current["buyer_rut"] != buyer):
            raise NotFound(f"No existe una propuesta con id {proposal_id}.")
        if current["status"] != "pending":
            raise Conflict(f"La propuesta {proposal_id} ya fue decidida ({_STATUS_ES.get(current['status'], '?')}); "
                           "una decisión no se puede cambiar.")
        tx.run(DECIDE, id=proposal_id, decision=decision, reason=reason, now=now).consume()
        alliance = None
        if decision == "accepted":
            members = current["members"]
            shares = {rut: share for rut, share in members if share is not None}
            row = alliance_row(project_id=current["project_id"], buyer_rut=current["buyer_rut"],
                               firm_ruts=[rut for rut, _ in members], origin="proposal", proposal_id=proposal_id,
                               shares=shares or None)
            tx.run(CREATE_ALLIANCES, rows=[row], now=now).consume()
            alliance = tx.run(GET_ALLIANCE, id=row["id"], buyer=None).single(strict=True)["alliance"]
        proposal = tx.run(GET_PROPOSAL, id=proposal_id, buyer=None).single(strict=True)["proposal"]
        return {"proposal": proposal, "alliance": alliance}

    with driver.session() as session:
        return session.execute_write(work)


_STATUS_ES = {"accepted": "aceptada", "rejected": "rechazada"}


def create_group_proposal(driver: Graph, need_id: str, members: list[dict], values: dict, now: str) -> dict:
    """Propose firms together for a need (``members``: rut, share_uf, capacity_uf; ``values``: note,
    advisor_id, project_id, model_version, volume_uf). The same group twice for one need is a ``Conflict``."""
    group_key = "|".join(sorted(m["rut"] for m in members))
    proposal_id = new_id("prop")

    def work(tx: ManagedTransaction) -> dict:
        context = tx.run(GROUP_CONTEXT, need_id=need_id, advisor_id=values.get("advisor_id"),
                         project_id=values.get("project_id"), group_key=group_key).single(strict=True)
        if not context["need_found"]:
            raise need_not_found(need_id)
        errors = []
        if values.get("advisor_id") is not None and not context["advisor_found"]:
            errors.append(FieldError("advisor_id", f"No existe un asesor con id {values['advisor_id']}."))
        if values.get("project_id") is not None and not context["project_found"]:
            errors.append(FieldError("project_id", f"No existe un proyecto con id {values['project_id']}."))
        if errors:
            raise InvalidInput(errors)
        if context["need_status"] != "open":
            raise Conflict(f"La necesidad {need_id} está cerrada; reábrala antes de proponer empresas.")
        if context["duplicate"]:
            raise Conflict(f"Ese mismo grupo ya fue propuesto para la necesidad {need_id}.")
        tx.run(CREATE_GROUP_PROPOSAL, id=proposal_id, need_id=need_id, group_key=group_key, members=members,
               note=values.get("note", ""), now=now, project_id=values.get("project_id"),
               model_version=values.get("model_version"), volume_uf=values.get("volume_uf"),
               advisor_id=values.get("advisor_id")).consume()
        return tx.run(GET_PROPOSAL, id=proposal_id, buyer=None).single(strict=True)["proposal"]

    with driver.session() as session:
        return session.execute_write(work)
