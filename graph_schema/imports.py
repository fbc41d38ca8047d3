"""Bulk firm imports, the graph half: read the stored state of a batch and write what changes, in one
transaction per batch (``application.imports`` runs the batches, the duplicate check and the report).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import LiteralString

from neo4j import ManagedTransaction, RoutingControl
from neo4j.exceptions import ClientError, ConstraintError

from graph_schema.driver import Graph
from graph_schema.firms import FIRM_PROPERTY_MAP, firm_row, write_firms_tx
from matching.errors import InvalidInput
from matching.imports import MergedFirm, same_state, target_state

# The stored state of the batch's firms, read after taking each firm's write lock: a PATCH, a merge or
# another import that commits meanwhile either lands before this read or waits for this batch.
CURRENT_STATE: LiteralString = """
UNWIND $ruts AS rut
MATCH (f:Firm {rut: rut})
SET f._import_lock = true
REMOVE f._import_lock
RETURN f {
  .rut, """ + FIRM_PROPERTY_MAP + """,
  is_cooperative: f:Cooperative,
  comuna: COLLECT { MATCH (f)-[:LOCATED_IN]->(c:Comuna) RETURN c.cut LIMIT 1 }[0],
  sectors: COLLECT { MATCH (f)-[:OPERATES_IN]->(s:Sector) RETURN s.code },
  certifications: COLLECT { MATCH (f)-[h:HOLDS]->(c:Certification)
                            RETURN {code: c.code, status: h.status, valid_until: toString(h.valid_until)} },
  member_of: COLLECT { MATCH (f)-[:MEMBER_OF]->(co:Cooperative) RETURN co.rut }
} AS firm
"""

# Which RUTs of a file are stored already: the batches read the state of those only.
STORED_RUTS: LiteralString = """
UNWIND $ruts AS rut
MATCH (f:Firm {rut: rut})
RETURN collect(rut) AS ruts
"""

# RUTs of the batch that an advisor merged into another firm (also after the import began).
MERGED_AWAY: LiteralString = """
UNWIND $ruts AS rut
MATCH (m:FirmMerge {dropped_rut: rut}) WHERE m.undone_at IS NULL
RETURN collect(DISTINCT rut) AS ruts
"""

EXISTING_COOPERATIVES: LiteralString = """
UNWIND $ruts AS rut
MATCH (c:Cooperative {rut: rut})
RETURN collect(c.rut) AS ruts
"""


# Called inside a batch's write transaction with its outcomes: a job records the batch in the same commit.
AfterBatch = Callable[[ManagedTransaction, list[tuple[str, dict]]], None]


def apply_batch_tx(tx: ManagedTransaction, firms: list[MergedFirm], now: str, source: str, write: bool,
                   create_new: bool = True, stored: frozenset[str] | None = None,
                   after: AfterBatch | None = None) -> list[tuple[str, dict]]:
    """Compare the batch with the stored firms and write what changes; ``(outcome, state)`` each.

    Stored firms (those in ``stored``, the RUTs found before the batches began; all when ``None``)
    are locked and read in this transaction, and only the fields the file gives are written, so
    whatever else changed meanwhile stays. A RUT merged away (even after the import began) is
    never re-created: its outcome is ``skipped``. Firms not stored yet are written with plain
    CREATEs (``create_new``); a concurrent import that created one first makes the batch fail with a
    constraint error, and the caller runs it again with ``create_new=False`` reading every firm.
    """
    ruts = [f.rut for f in firms]
    away = set(tx.run(MERGED_AWAY, ruts=ruts).single(strict=True)["ruts"])
    read = [rut for rut in ruts if (stored is None or rut in stored) and rut not in away]
    current = {r["firm"]["rut"]: r["firm"] for r in tx.run(CURRENT_STATE, ruts=read)} if read else {}
    outcomes: list[tuple[str, dict]] = []
    created, updated = [], []
    for firm in firms:
        if firm.rut in away:
            outcomes.append(("skipped", {"rut": firm.rut}))
            continue
        before = current.get(firm.rut)
        target = target_state(before, firm.given)
        outcome = "created" if before is None else "unchanged" if same_state(before, target) else "updated"
        if outcome == "created":
            row = firm_row(target)
            if not target["member_of"]:
                row["member_of"] = None  # a new firm has no memberships to replace: skip that step
            (created if create_new else updated).append(row)
        elif outcome == "updated":
            updated.append(firm_row({**firm.given, "rut": firm.rut}))  # only the cells the file filled
        outcomes.append((outcome, target))
    if write and created:
        write_firms_tx(tx, created, now, source, new=True)
    if write and updated:
        write_firms_tx(tx, updated, now, source)
    if write and after is not None:
        after(tx, outcomes)
    return outcomes


def write_batch(driver: Graph, batch: list[MergedFirm], stored: frozenset[str], *, now: str, source: str,
                dry_run: bool, after: AfterBatch | None = None) -> list[tuple[str, dict]] | Exception:
    """One batch in its own transaction: its outcomes, or the error that rolled it back whole.

    ``after`` runs inside that transaction (an import job records the batch as committed with it).
    """
    try:
        with driver.session() as session:
            if dry_run:
                return session.execute_read(apply_batch_tx, batch, now, source, False, True, stored)
            try:
                return session.execute_write(apply_batch_tx, batch, now, source, True, True, stored, after)
            except ConstraintError:
                return session.execute_write(apply_batch_tx, batch, now, source, True, False, None, after)
    except (ClientError, InvalidInput) as exc:
        return exc


def stored_ruts(driver: Graph, ruts: list[str]) -> frozenset[str]:
    """Which of ``ruts`` are stored already (the batches read the state of those only)."""
    records, _, _ = driver.execute_query(STORED_RUTS, ruts=ruts, routing_=RoutingControl.READ)
    return frozenset(records[0]["ruts"])


def existing_cooperatives(driver: Graph, ruts: list[str]) -> set[str]:
    """Which of ``ruts`` are stored cooperatives."""
    records, _, _ = driver.execute_query(EXISTING_COOPERATIVES, ruts=ruts, routing_=RoutingControl.READ)
    return set(records[0]["ruts"])
