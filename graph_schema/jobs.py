"""Jobs in the graph: who asked for what, how far it got, and which worker holds it for how long.

``(:Job {id, kind, status: queued|running|done|failed, params: JSON, input, requested_by, requested_by_name,
role, buyer_rut, advisor_id, attempts, max_attempts, worker, lease_until, stage, done, total,
committed_batches, batch_created, batch_updated, batch_unchanged, result: JSON, files, error,
created_at, enqueued_at, started_at, updated_at, finished_at, purged_at})``; see docs/jobs.md.

Every time is Neo4j's own clock (``datetime()``), so a lease means the same on every host whatever
their clocks say. A worker changes a job only while it holds it (``worker`` and ``attempts`` match
what it claimed), so a worker that lost its lease cannot overwrite the one that took over.
"""

from __future__ import annotations

import json
from typing import Any, LiteralString

from neo4j import ManagedTransaction, RoutingControl

from graph_schema.driver import Graph

JOB_MAP: LiteralString = """
j {.id, .kind, .status, .params, .input, .requested_by, .role, .buyer_rut, .advisor_id, .attempts, .max_attempts,
   .worker, .stage, .done, .total, .committed_batches, .batch_created, .batch_updated, .batch_unchanged,
   .result, .files, .error,
   requested_by_name: coalesce(j.requested_by_name,
                               COLLECT { MATCH (u:User {id: j.requested_by}) RETURN u.name LIMIT 1 }[0]),
   lease_until: toString(j.lease_until), created_at: toString(j.created_at), started_at: toString(j.started_at),
   updated_at: toString(j.updated_at), finished_at: toString(j.finished_at), purged_at: toString(j.purged_at)}
"""

# Claims (and submissions of a kind that runs alone) take turns on their kind's slot: writing to it
# takes its write lock until the transaction ends, so two workers never both see a free place.
LOCK_SLOT: LiteralString = "MERGE (s:JobSlot {kind: $kind}) SET s.touched_at = datetime()"

ACTIVE_OF_KIND: LiteralString = """
MATCH (j:Job {kind: $kind}) WHERE j.status IN ['queued', 'running']
RETURN j.id AS id ORDER BY j.created_at LIMIT 1
"""

CREATE_JOB: LiteralString = """
CREATE (j:Job {
  id: $id, kind: $kind, status: 'queued', params: $params, input: $input,
  requested_by: $requested_by, requested_by_name: $requested_by_name, role: $role, buyer_rut: $buyer_rut,
  advisor_id: $advisor_id,
  attempts: 0, max_attempts: $max_attempts, worker: null, lease_until: null,
  stage: null, done: 0, total: null, committed_batches: [], batch_created: [], batch_updated: [], batch_unchanged: [],
  result: null, files: [], error: null,
  created_at: datetime(), enqueued_at: datetime(), updated_at: datetime(), started_at: null, finished_at: null
})
"""

CLAIM: LiteralString = """
MATCH (j:Job {id: $id})
SET j.claim_lock = true
REMOVE j.claim_lock
WITH j
CALL (j) {
  MATCH (o:Job {kind: j.kind, status: 'running'}) WHERE o.id <> j.id AND o.lease_until > datetime()
  RETURN count(o) AS busy
}
WITH j, CASE WHEN j.status <> 'queued' THEN 'skip'
             WHEN $cap IS NOT NULL AND busy >= $cap THEN 'busy'
             ELSE 'claimed' END AS outcome
FOREACH (_ IN CASE WHEN outcome = 'claimed' THEN [1] ELSE [] END |
  SET j.status = 'running', j.attempts = coalesce(j.attempts, 0) + 1, j.worker = $worker,
      j.lease_until = datetime() + duration({milliseconds: $lease_ms}),
      j.started_at = coalesce(j.started_at, datetime()), j.updated_at = datetime())
RETURN outcome, """ + JOB_MAP + """ AS job
"""

# What a holder may change: only while ``worker`` and ``attempts`` are still what it claimed.
HELD: LiteralString = """
MATCH (j:Job {id: $id}) WHERE j.status = 'running' AND j.worker = $worker AND j.attempts = $attempt
"""

RENEW: LiteralString = HELD + """
SET j.lease_until = datetime() + duration({milliseconds: $lease_ms}), j.updated_at = datetime()
RETURN count(j) AS held
"""

PROGRESS: LiteralString = HELD + """
SET j.stage = $stage, j.done = $done, j.total = $total,
    j.lease_until = datetime() + duration({milliseconds: $lease_ms}), j.updated_at = datetime()
RETURN count(j) AS held
"""

RECORD_BATCH: LiteralString = HELD + """
SET j.committed_batches = j.committed_batches + $batch, j.batch_created = j.batch_created + $created,
    j.batch_updated = j.batch_updated + $updated, j.batch_unchanged = j.batch_unchanged + $unchanged,
    j.updated_at = datetime()
RETURN count(j) AS held
"""

FINISH: LiteralString = HELD + """
SET j.status = $status, j.result = $result, j.files = $files, j.error = $error, j.worker = null,
    j.lease_until = null, j.finished_at = datetime(), j.updated_at = datetime()
RETURN count(j) AS held
"""

# Give a job back to the queue (a transient failure, or the worker is stopping): the next claim resumes it.
RELEASE: LiteralString = HELD + """
SET j.status = CASE WHEN j.attempts >= j.max_attempts THEN 'failed' ELSE 'queued' END,
    j.error = CASE WHEN j.attempts >= j.max_attempts THEN $final_error ELSE null END,
    j.last_error = $reason, j.worker = null, j.lease_until = null, j.enqueued_at = datetime(),
    j.updated_at = datetime(), j.finished_at = CASE WHEN j.attempts >= j.max_attempts THEN datetime() ELSE null END
RETURN j.status AS status
"""

# Jobs whose worker stopped renewing: back to the queue, or failed once they used their attempts.
REAP_EXPIRED: LiteralString = """
MATCH (j:Job {status: 'running'}) WHERE j.lease_until < datetime()
SET j.reap_lock = true
REMOVE j.reap_lock
WITH j WHERE j.status = 'running' AND j.lease_until < datetime()
WITH j, j.attempts >= j.max_attempts AS exhausted, j.worker AS lost_worker
SET j.status = CASE WHEN exhausted THEN 'failed' ELSE 'queued' END,
    j.error = CASE WHEN exhausted THEN $final_error ELSE null END,
    j.last_error = $reason + ' (' + coalesce(lost_worker, '?') + ')',
    j.worker = null, j.lease_until = null, j.enqueued_at = datetime(), j.updated_at = datetime(),
    j.finished_at = CASE WHEN exhausted THEN datetime() ELSE null END
RETURN j.id AS id, j.status AS status
"""

# Queued jobs no worker took for a long time (their message was lost with a queue): enqueue them again.
# A second message is harmless: a claim only takes a job that is still queued.
STALE_QUEUED: LiteralString = """
MATCH (j:Job {status: 'queued'}) WHERE j.enqueued_at < datetime() - duration({milliseconds: $after_ms})
SET j.enqueued_at = datetime()
RETURN j.id AS id
"""

TO_PURGE: LiteralString = """
MATCH (j:Job) WHERE j.status IN ['done', 'failed'] AND j.purged_at IS NULL
  AND j.finished_at < datetime() - duration({milliseconds: $after_ms})
RETURN j.id AS id LIMIT $limit
"""

MARK_PURGED: LiteralString = """
UNWIND $ids AS id MATCH (j:Job {id: id}) SET j.purged_at = datetime(), j.input = null
"""

GET_JOB: LiteralString = "MATCH (j:Job {id: $id}) RETURN " + JOB_MAP + " AS job"

LIST_JOBS: LiteralString = """
MATCH (j:Job)
WHERE ($requested_by IS NULL OR j.requested_by = $requested_by)
  AND ($buyer_rut IS NULL OR j.buyer_rut = $buyer_rut)
  AND ($kind IS NULL OR j.kind = $kind) AND ($status IS NULL OR j.status = $status)
RETURN """ + JOB_MAP + """ AS job ORDER BY j.created_at DESC, j.id LIMIT $limit
"""


def _job(record: Any) -> dict:
    job = dict(record)
    for key in ("params", "result"):
        job[key] = json.loads(job[key]) if job.get(key) else ({} if key == "params" else None)
    return job


def create_job_tx(tx: ManagedTransaction, job: dict, single: bool) -> str:
    """Create ``job`` (a dict of the CREATE's parameters) unless ``single`` and one of its kind is
    queued or running: then that one's id is returned instead."""
    tx.run(LOCK_SLOT, kind=job["kind"]).consume()
    if single:
        found = tx.run(ACTIVE_OF_KIND, kind=job["kind"]).single()
        if found is not None:
            return found["id"]
    tx.run(CREATE_JOB, **{"requested_by_name": None, **job,
                          "params": json.dumps(job["params"], ensure_ascii=False, sort_keys=True)}).consume()
    return job["id"]


def create_job(graph: Graph, job: dict, *, single: bool = False) -> str:
    with graph.session() as session:
        return session.execute_write(create_job_tx, job, single)


def _claim_tx(tx: ManagedTransaction, job_id: str, kind: str, worker: str, lease_ms: int,
              cap: int | None) -> tuple[str, dict | None]:
    if cap is not None:
        tx.run(LOCK_SLOT, kind=kind).consume()
    record = tx.run(CLAIM, id=job_id, worker=worker, lease_ms=lease_ms, cap=cap).single()
    if record is None:
        return "missing", None
    return record["outcome"], _job(record["job"])


def claim(graph: Graph, job_id: str, kind: str, worker: str, lease_s: float,
          cap: int | None) -> tuple[str, dict | None]:
    """``("claimed", job)`` when this worker now holds it; ``"busy"`` (its kind is at ``cap``), ``"skip"``
    (not queued: done, failed, or held by another worker) or ``"missing"`` otherwise."""
    with graph.session() as session:
        return session.execute_write(_claim_tx, job_id, kind, worker, int(lease_s * 1000), cap)


def _held(graph: Graph, query: LiteralString, **params: Any) -> bool:
    records, _, _ = graph.execute_query(query, params)
    return bool(records and records[0]["held"])


def renew(graph: Graph, job_id: str, worker: str, attempt: int, lease_s: float) -> bool:
    """Extend the lease; False when this worker no longer holds the job."""
    return _held(graph, RENEW, id=job_id, worker=worker, attempt=attempt, lease_ms=int(lease_s * 1000))


def record_progress(graph: Graph, job_id: str, worker: str, attempt: int, lease_s: float, stage: str, done: int,
                    total: int | None) -> bool:
    return _held(graph, PROGRESS, id=job_id, worker=worker, attempt=attempt, lease_ms=int(lease_s * 1000),
                 stage=stage, done=done, total=total)


def record_batch_tx(tx: ManagedTransaction, job_id: str, worker: str, attempt: int, batch: int,
                    counts: tuple[int, int, int]) -> bool:
    """Inside an import batch's own transaction: the batch is committed with the job's record of it."""
    record = tx.run(RECORD_BATCH, id=job_id, worker=worker, attempt=attempt, batch=batch, created=counts[0],
                    updated=counts[1], unchanged=counts[2]).single()
    return bool(record and record["held"])


def finish(graph: Graph, job_id: str, worker: str, attempt: int, *, result: Any = None,
           files: list[str] | None = None, error: str | None = None) -> bool:
    """Done with ``result`` and ``files``, or failed with ``error`` (Spanish, for people)."""
    return _held(graph, FINISH, id=job_id, worker=worker, attempt=attempt, status="failed" if error else "done",
                 result=None if result is None else json.dumps(result, ensure_ascii=False, default=str),
                 files=files or [], error=error)


def release(graph: Graph, job_id: str, worker: str, attempt: int, reason: str, final_error: str) -> str | None:
    """Back to ``queued`` (or ``failed`` with ``final_error`` when out of attempts); the new status."""
    records, _, _ = graph.execute_query(RELEASE, id=job_id, worker=worker, attempt=attempt, reason=reason,
                                        final_error=final_error)
    return records[0]["status"] if records else None


def reap_expired(graph: Graph, reason: str, final_error: str) -> list[dict]:
    records, _, _ = graph.execute_query(REAP_EXPIRED, reason=reason, final_error=final_error)
    return [dict(r) for r in records]


def stale_queued(graph: Graph, after_s: float) -> list[str]:
    records, _, _ = graph.execute_query(STALE_QUEUED, after_ms=int(after_s * 1000))
    return [r["id"] for r in records]


def to_purge(graph: Graph, after_s: float, limit: int = 500) -> list[str]:
    records, _, _ = graph.execute_query(TO_PURGE, after_ms=int(after_s * 1000), limit=limit,
                                        routing_=RoutingControl.READ)
    return [r["id"] for r in records]


def mark_purged(graph: Graph, ids: list[str]) -> None:
    graph.execute_query(MARK_PURGED, ids=ids)


def get_job(graph: Graph, job_id: str) -> dict | None:
    records, _, _ = graph.execute_query(GET_JOB, id=job_id, routing_=RoutingControl.READ)
    return _job(records[0]["job"]) if records else None


def list_jobs(graph: Graph, *, requested_by: str | None = None, buyer_rut: str | None = None,
              kind: str | None = None, status: str | None = None, limit: int = 50) -> list[dict]:
    records, _, _ = graph.execute_query(LIST_JOBS, requested_by=requested_by, buyer_rut=buyer_rut, kind=kind,
                                        status=status, limit=limit, routing_=RoutingControl.READ)
    return [_job(r["job"]) for r in records]
