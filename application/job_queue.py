"""The task queue (Huey): SQLite in ``ENCADENA_DATA_DIR`` on one host, Redis with ``REDIS_URL`` across hosts.

A message carries only a job id; ``application.jobs`` keeps everything else in Neo4j. The web app
enqueues (``JobQueue.enqueue``); ``encadena worker`` runs a ``WorkerConsumer``: Huey's consumer
(worker processes that it replaces when one dies, a scheduler for delayed retries) whose main loop
also runs the reaper every quarter lease, on every host, so a job whose worker died is re-queued
even when the dead worker was the only one.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from huey import Huey, RedisHuey, SqliteHuey
from huey.consumer import Consumer

from application.jobs import process_graph, reap
from application.settings import Settings
from application.storage import FileStore

log = logging.getLogger(__name__)
QUEUE_NAME = "encadena-jobs"
QUEUE_FILE = "jobs.sqlite"


def make_huey(settings: Settings) -> Huey:
    """Huey on Redis when ``REDIS_URL`` is set (workers on any host), else on this host's SQLite file."""
    if settings.redis_url:
        return RedisHuey(QUEUE_NAME, url=settings.redis_url, results=False)
    path = Path(settings.data_dir) / QUEUE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(QUEUE_NAME, filename=str(path), results=False)


class JobQueue:
    """One process's handle on the queue: enqueue job ids, and (in a worker) run them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.huey = make_huey(settings)
        self._task = self.huey.task(name="run_job")(self.run_job)

    def enqueue(self, job_id: str, delay: float | None = None) -> None:
        if delay:
            self._task.schedule((job_id,), delay=delay)
        else:
            self._task(job_id)

    def run_job(self, job_id: str) -> None:
        from application.job_tasks import run_job

        outcome = run_job(self.settings, job_id, self.enqueue)
        log.info("Job %s: %s", job_id, outcome)

    def pending(self) -> int:
        return self.huey.pending_count()


class WorkerConsumer(Consumer):
    """Huey's consumer plus the reaper, run from the consumer's own main loop (no extra thread, so
    worker processes it forks later inherit no lock held by one)."""

    def __init__(self, queue: JobQueue, **options) -> None:
        super().__init__(queue.huey, **options)
        self.queue = queue
        self.reap_every = max(0.5, queue.settings.job_lease_seconds / 4)
        self._next_reap = time.monotonic()

    def loop(self, health_check_ts=None):
        health_check_ts = super().loop(health_check_ts)
        if time.monotonic() >= self._next_reap:
            self._next_reap = time.monotonic() + self.reap_every
            self.reap()
        return health_check_ts

    def reap(self) -> dict | None:
        settings = self.queue.settings
        try:
            return reap(process_graph(settings), self.queue.enqueue, settings, FileStore.from_settings(settings))
        except Exception as exc:  # noqa: BLE001 - Neo4j away: try again next round
            log.warning("Reaper could not run: %s", exc)
            return None


def make_consumer(settings: Settings, workers: int = 1, worker_type: str = "process") -> WorkerConsumer:
    """The consumer ``encadena worker`` runs: polls the SQLite queue at most a second apart."""
    return WorkerConsumer(JobQueue(settings), workers=workers, worker_type=worker_type, initial_delay=0.1,
                          backoff=1.15, max_delay=1.0, periodic=False, check_worker_health=True,
                          health_check_interval=1.0)
