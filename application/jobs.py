"""Durable jobs: submit long work, run it under a lease, and recover what a dead worker left.

A job is a ``Job`` node (``graph_schema.jobs``) plus a message on the task queue
(``application.job_queue``, Huey) that names it. The message only says "run job X"; everything
else lives in the graph, so any app host answers for any job and a lost message or a dead worker
loses nothing:

- ``submit`` records the job (its upload goes to the file store first) and enqueues it;
- a worker ``execute``\\s it: it claims the job (status ``running``, a lease in Neo4j time, at most
  ``cap`` running jobs of its kind), renews the lease from a heartbeat thread while the task
  function runs, and records ``done`` with the result or ``failed`` with a Spanish reason; a
  transient failure (Neo4j unreachable) gives the job back to the queue;
- ``reap`` (every worker's consumer runs it) re-queues jobs whose lease ran out, or fails them once
  they used their attempts, re-enqueues queued jobs whose message was lost, and deletes the files
  of jobs finished longer than the retention period ago.

The task functions themselves are the application's own (``application.job_tasks``): the same
``import_file``, ``train_and_store``, ``build_report`` and ``scan`` the command line runs.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from neo4j.exceptions import DriverError, ServiceUnavailable, SessionExpired, TransientError

from application.access import Viewer, for_viewer
from application.settings import Settings
from application.storage import UPLOAD_MAX_AGE_S, UPLOADS_PREFIX, FileStore, job_input_key, job_prefix
from graph_schema import jobs as repo
from graph_schema.driver import Graph, graph_from_settings
from matching.errors import EncadenaError, InvalidInput, NotFound

log = logging.getLogger(__name__)

Kind = Literal["import", "train", "report", "dedupe"]
KINDS: tuple[Kind, ...] = ("import", "train", "report", "dedupe")
ID_PREFIX: dict[str, str] = {"import": "imp", "train": "trn", "report": "rep", "dedupe": "scn"}
JOB_ID_PATTERN = r"^(imp|trn|rep|scn)_[0-9a-f]{12}$"
STATUSES = ("queued", "running", "done", "failed")
KIND_ES = {"import": "importación", "train": "entrenamiento", "report": "informe", "dedupe": "búsqueda de duplicados"}
# Kinds of which at most one is queued or running: a second request gets the first job back.
SINGLE_KINDS = frozenset({"train"})
# A job claimed while its kind is at its cap waits this long before trying again.
BUSY_RETRY_S = 5.0
# A job given back after a transient failure (Neo4j unreachable) waits this long per attempt made.
RETRY_BACKOFF_S = 5.0
# Progress is written at most this often (each write is a small transaction that also renews the lease).
PROGRESS_EVERY_S = 1.0
# Errors that say "try again later", not "this job is wrong".
TRANSIENT = (ServiceUnavailable, SessionExpired, TransientError, DriverError, ConnectionError)

LOST_WORKER = "El proceso que ejecutaba el trabajo dejó de renovar su turno (se detuvo o perdió la conexión)"


class Enqueue(Protocol):
    def __call__(self, job_id: str, delay: float | None = None) -> None: ...


class LeaseLost(Exception):
    """This worker no longer holds the job (its lease ran out and it was given to another)."""


class JobFailed(EncadenaError):
    """The job cannot succeed as asked (bad file, too little data): fail it with this Spanish message
    (and, if given, its result and the files it stored, such as an import's rejected rows)."""

    def __init__(self, message: str, result: Any = None, files: list[str] | None = None):
        super().__init__(message)
        self.message, self.result, self.files = message, result, files


def caps(settings: Settings) -> dict[str, int]:
    """How many jobs of a kind may run at once across every worker (kinds not named: no limit)."""
    return {"train": 1, "report": settings.max_concurrent_reports}


def new_job_id(kind: str) -> str:
    import uuid

    return f"{ID_PREFIX[kind]}_{uuid.uuid4().hex[:12]}"


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


_graphs: dict[tuple[int, str], Graph] = {}


def process_graph(settings: Settings) -> Graph:
    """This process's graph for jobs (a forked worker opens its own; never one made before the fork)."""
    key = (os.getpid(), settings.neo4j_uri)
    graph = _graphs.get(key)
    if graph is None:
        graph = _graphs[key] = graph_from_settings(settings)
    return graph


# -- submitting and reading ----------------------------------------------------------------------

def submit(graph: Graph, enqueue: Enqueue, kind: Kind, params: dict, viewer: Viewer, *, settings: Settings,
           store: FileStore | None = None, data: bytes | None = None) -> tuple[dict, bool]:
    """Record and enqueue a job; ``(job, created)``. For a kind that runs alone, an active job of
    that kind is returned instead (``created`` False), so a client that retries starts nothing twice."""
    job_id = new_job_id(kind)
    input_key = None
    if data is not None:
        assert store is not None, "a job with input needs the file store"
        input_key = job_input_key(job_id)
        store.write_bytes(input_key, data)
    record = {"id": job_id, "kind": kind, "params": params, "input": input_key, "requested_by": viewer.id,
              "requested_by_name": viewer.name, "role": viewer.role,
              "buyer_rut": viewer.buyer_rut if viewer.is_buyer else None, "advisor_id": viewer.advisor_id,
              "max_attempts": settings.job_max_attempts}
    created_id = repo.create_job(graph, record, single=kind in SINGLE_KINDS)
    if created_id != job_id:
        if store is not None and input_key:
            store.delete_prefix(job_prefix(job_id))
        return get_job(graph, created_id), False
    try:
        enqueue(job_id)
    except Exception:  # noqa: BLE001 - the reaper enqueues queued jobs whose message never arrived
        log.exception("Could not enqueue job %s; the reaper will enqueue it again", job_id)
    return get_job(graph, job_id), True


def get_job(graph: Graph, job_id: str) -> dict:
    job = repo.get_job(graph, job_id)
    if job is None:
        raise NotFound(f"No existe un trabajo con id {job_id}.")
    return job


def may_see(viewer: Viewer, job: dict) -> bool:
    """Program staff see every job; a buyer only the jobs it started itself (bound to its RUT)."""
    if viewer.is_buyer:
        return job.get("buyer_rut") is not None and job["buyer_rut"] == viewer.buyer_rut
    return True


def job_for(graph: Graph, viewer: Viewer, job_id: str) -> dict:
    """The job if the viewer may see it; otherwise ``NotFound``, as if it did not exist."""
    job = repo.get_job(graph, job_id)
    if job is None or not may_see(viewer, job):
        raise NotFound(f"No existe un trabajo con id {job_id}.")
    return job


def jobs_for(graph: Graph, viewer: Viewer, *, kind: str | None = None, status: str | None = None,
             everyone: bool = False, limit: int = 50) -> list[dict]:
    """The viewer's own jobs, newest first; program staff may ask for everyone's (``everyone``)."""
    if viewer.is_buyer:
        return repo.list_jobs(graph, buyer_rut=viewer.buyer_rut or "", requested_by=viewer.id, kind=kind,
                              status=status, limit=limit)
    return repo.list_jobs(graph, requested_by=None if everyone else (viewer.id or ""), kind=kind, status=status,
                          limit=limit)


def job_view(job: dict, viewer: Viewer) -> dict:
    """What people see of a job (no worker names or lease internals), personal fields only for staff."""
    view = {
        "id": job["id"], "kind": job["kind"], "status": job["status"],
        "progress": {"stage": job.get("stage"), "done": job.get("done") or 0, "total": job.get("total")},
        "params": job.get("params") or {}, "result": job.get("result"), "files": list(job.get("files") or []),
        "error": job.get("error"), "attempts": job.get("attempts") or 0, "max_attempts": job.get("max_attempts"),
        "requested_by": job.get("requested_by"), "requested_by_name": job.get("requested_by_name"),
        "created_at": job.get("created_at"), "started_at": job.get("started_at"),
        "updated_at": job.get("updated_at"), "finished_at": job.get("finished_at"),
        "files_deleted": job.get("purged_at") is not None,
    }
    return for_viewer(view, viewer)


# -- running ---------------------------------------------------------------------------------------

@dataclass
class JobRun:
    """One attempt at a job by this worker: what task functions report progress and batches through."""

    graph: Graph
    settings: Settings
    store: FileStore
    job: dict
    worker: str
    lost: threading.Event = field(default_factory=threading.Event)
    _last_progress: float = 0.0

    @property
    def id(self) -> str:
        return self.job["id"]

    @property
    def attempt(self) -> int:
        return int(self.job["attempts"])

    @property
    def params(self) -> dict:
        return self.job.get("params") or {}

    @property
    def lease_s(self) -> float:
        return self.settings.job_lease_seconds

    def check(self) -> None:
        if self.lost.is_set():
            raise LeaseLost(self.id)

    def progress(self, stage: str, done: int, total: int | None) -> None:
        """Record progress (at most once a second, and always at the start and end of a stage)."""
        self.check()
        now = time.monotonic()
        if done not in (0, total) and now - self._last_progress < PROGRESS_EVERY_S:
            return
        self._last_progress = now
        if not repo.record_progress(self.graph, self.id, self.worker, self.attempt, self.lease_s, stage, done, total):
            self.lost.set()
            raise LeaseLost(self.id)

    def committed_batches(self) -> dict[int, tuple[int, int, int]]:
        """Import batches an earlier attempt committed, with their created/updated/unchanged counts."""
        job = self.job
        return {int(n): (int(c), int(u), int(x)) for n, c, u, x in zip(
            job.get("committed_batches") or [], job.get("batch_created") or [], job.get("batch_updated") or [],
            job.get("batch_unchanged") or [], strict=False)}

    def record_batch_tx(self, tx: Any, batch: int, counts: tuple[int, int, int]) -> None:
        """In an import batch's transaction: record it on the job, or roll it back if the job was lost."""
        if not repo.record_batch_tx(tx, self.id, self.worker, self.attempt, batch, counts):
            self.lost.set()
            raise LeaseLost(self.id)


@contextmanager
def heartbeat(run: JobRun) -> Iterator[None]:
    """Renew the lease every third of its length while the task runs (a thread, so a long step that
    reports no progress still holds the job); a renewal refused means the job was lost."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(run.lease_s / 3):
            try:
                if not repo.renew(run.graph, run.id, run.worker, run.attempt, run.lease_s):
                    run.lost.set()
                    return
            except Exception as exc:  # noqa: BLE001 - Neo4j away: keep trying until the lease runs out
                log.warning("Job %s: could not renew its lease: %s", run.id, exc)

    thread = threading.Thread(target=beat, name=f"lease-{run.id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


TaskFunction = Callable[[JobRun], tuple[Any, list[str]]]


def execute(graph: Graph, settings: Settings, store: FileStore, job_id: str, task_for: Callable[[str], TaskFunction],
            enqueue: Enqueue, worker: str | None = None) -> str:
    """Claim job ``job_id`` and run its task; the outcome (``done``, ``failed``, ``released``, ``lost``,
    ``busy``, ``skip``, ``missing``) for logs and tests."""
    worker = worker or worker_id()
    found = repo.get_job(graph, job_id)
    if found is None:
        return "missing"
    outcome, job = repo.claim(graph, job_id, found["kind"], worker, settings.job_lease_seconds,
                              caps(settings).get(found["kind"]))
    if outcome == "busy":
        enqueue(job_id, delay=BUSY_RETRY_S)
    if outcome != "claimed" or job is None:
        return outcome
    run = JobRun(graph, settings, store, job, worker)
    log.info("Job %s (%s) started, attempt %s of %s", job_id, job["kind"], run.attempt, job["max_attempts"])
    with heartbeat(run):
        try:
            result, files = task_for(job["kind"])(run)
        except LeaseLost:
            log.warning("Job %s was taken over by another worker; this attempt stops", job_id)
            return "lost"
        except JobFailed as exc:
            repo.finish(graph, job_id, worker, run.attempt, result=exc.result, error=exc.message, files=exc.files)
            return "failed"
        except InvalidInput as exc:
            repo.finish(graph, job_id, worker, run.attempt, error=exc.detail,
                        result={"errors": [e.as_dict() for e in exc.errors]})
            return "failed"
        except EncadenaError as exc:
            repo.finish(graph, job_id, worker, run.attempt, error=str(exc))
            return "failed"
        except TRANSIENT as exc:
            log.warning("Job %s: Neo4j unavailable (%s); giving it back to the queue", job_id, exc)
            return _give_back(run, enqueue, f"Neo4j no estuvo disponible ({type(exc).__name__})")
        except (KeyboardInterrupt, SystemExit):
            _give_back(run, enqueue, "El proceso que ejecutaba el trabajo se detuvo", delay=0.0)
            raise
        except Exception as exc:
            log.exception("Job %s failed", job_id)
            repo.finish(graph, job_id, worker, run.attempt,
                        error=f"El trabajo falló por un error interno ({type(exc).__name__}: {exc}).")
            return "failed"
    repo.finish(graph, job_id, worker, run.attempt, result=result, files=files)
    log.info("Job %s done", job_id)
    return "done"


def _final_error(kind: str, attempts: int, reason: str) -> str:
    return (f"La {KIND_ES.get(kind, kind)} no terminó tras {attempts} intentos; el último se interrumpió: {reason}. "
            "Revise el registro del worker y vuelva a intentarlo.")


def _give_back(run: JobRun, enqueue: Enqueue, reason: str, delay: float | None = None) -> str:
    """Back to the queue for a later attempt; if even that fails, the lease runs out and the reaper does it."""
    try:
        status = repo.release(run.graph, run.id, run.worker, run.attempt, reason,
                              _final_error(run.job["kind"], run.attempt, reason))
        if status == "queued":
            enqueue(run.id, delay=RETRY_BACKOFF_S * run.attempt if delay is None else delay)
        return "released"
    except Exception as exc:  # noqa: BLE001 - Neo4j still away: the reaper re-queues once the lease expires
        log.warning("Job %s: could not give it back now (%s); its lease will expire", run.id, exc)
        return "released"


# -- recovering ------------------------------------------------------------------------------------

def reap(graph: Graph, enqueue: Enqueue, settings: Settings, store: FileStore | None = None) -> dict:
    """Re-queue (or fail) jobs whose lease expired, re-enqueue long-queued ones, purge old files (and
    uploads people looked at but never imported)."""
    final = (f"El trabajo se interrumpió {settings.job_max_attempts} veces porque el proceso que lo ejecutaba se "
             "detuvo; revise el registro del worker y vuelva a intentarlo.")
    expired = repo.reap_expired(graph, LOST_WORKER, final)
    for row in expired:
        if row["status"] == "queued":
            enqueue(row["id"])
    stale = repo.stale_queued(graph, max(600.0, 10 * settings.job_lease_seconds))
    for job_id in stale:
        enqueue(job_id)
    purged = purge(graph, store, settings) if store is not None else []
    uploads = store.delete_older_than(UPLOADS_PREFIX, UPLOAD_MAX_AGE_S) if store is not None else 0
    if expired or stale or purged or uploads:
        log.info("Reaper: %s expired leases, %s re-enqueued, %s jobs' files deleted, %s old uploads deleted",
                 len(expired), len(stale), len(purged), uploads)
    return {"expired": expired, "stale": stale, "purged": purged, "uploads": uploads}


def purge(graph: Graph, store: FileStore, settings: Settings) -> list[str]:
    """Delete the files (upload, report files) of jobs finished more than ``JOB_RETENTION_DAYS`` ago."""
    ids = repo.to_purge(graph, settings.job_retention_days * 86400)
    for job_id in ids:
        store.delete_prefix(job_prefix(job_id))
    if ids:
        repo.mark_purged(graph, ids)
    return ids
