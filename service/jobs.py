"""The job queue and file store of one web process (made after gunicorn forks), and the 202 answer.

API views that start long work call ``start_job``: the job is recorded in Neo4j and enqueued, and the
client gets ``202 Accepted`` with ``Location: /api/v1/jobs/<id>`` to follow it; pages call
``submit_job`` with the signed-in person and show the job on a page of their own.
"""

from __future__ import annotations

import os

from flask import current_app, url_for

from application import jobs
from application.access import Viewer
from application.job_queue import JobQueue
from application.settings import Settings
from application.storage import FileStore
from service.auth import current_principal
from service.db import get_driver

_EXTENSION = "encadena.jobs"


class JobsExtension:
    """One queue handle and one file store per process (a fork makes its own)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pid: int | None = None
        self._queue: JobQueue | None = None
        self._store: FileStore | None = None

    def _ensure(self) -> None:
        if self._pid != os.getpid():
            self._queue, self._store, self._pid = JobQueue(self.settings), FileStore.from_settings(self.settings), \
                os.getpid()

    @property
    def queue(self) -> JobQueue:
        self._ensure()
        assert self._queue is not None
        return self._queue

    @property
    def store(self) -> FileStore:
        self._ensure()
        assert self._store is not None
        return self._store


def init_app(app, settings: Settings) -> None:
    app.extensions[_EXTENSION] = JobsExtension(settings)


def extension() -> JobsExtension:
    return current_app.extensions[_EXTENSION]


def job_store() -> FileStore:
    return extension().store


def job_body(job: dict) -> dict:
    """A job as the API shows it to the caller, with links to its files."""
    view = jobs.job_view(job, current_principal())
    view["files"] = [{"name": name, "url": url_for("jobs.get_job_file", id=job["id"], name=name)}
                     for name in view["files"]]
    view["links"] = {"self": url_for("jobs.get_job", id=job["id"])}
    return view


def submit_job(kind: jobs.Kind, params: dict, viewer: Viewer, data: bytes | None = None) -> dict:
    """Record and enqueue a job for ``viewer`` (an API key's caller or a signed-in person); the job."""
    ext = extension()
    job, _ = jobs.submit(get_driver(), ext.queue.enqueue, kind, params, viewer, settings=ext.settings,
                         store=ext.store, data=data)
    return job


def start_job(kind: jobs.Kind, params: dict, data: bytes | None = None):
    """Record and enqueue a job; ``202`` with its body and ``Location`` (an active job of a kind that
    runs alone is answered instead of starting a second one)."""
    job = submit_job(kind, params, current_principal(), data)
    return job_body(job), 202, {"Location": url_for("jobs.get_job", id=job["id"])}
