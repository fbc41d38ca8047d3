"""A report as a job: the same ``build_report`` as ``encadena report``, written into a scratch folder on
the worker and stored through the file store, so any app host can serve the files."""

from __future__ import annotations

import multiprocessing
import tempfile
from pathlib import Path

from application.reports.run import Progress, build_report
from application.settings import Settings
from application.storage import FileStore, job_file_key
from graph_schema.driver import Graph
from matching.reports import ReportParams


def run_report_job(graph: Graph, settings: Settings, params: dict, store: FileStore, job_id: str, *,
                   jobs: int | None = None, progress: Progress | None = None) -> list[str]:
    """Build the report ``params`` ask for and store its files under the job; their names."""
    jobs = jobs or settings.report_jobs
    if jobs > 1 and multiprocessing.current_process().daemon:
        # Huey's worker processes are daemonic, and daemonic processes may not start a process pool.
        # This one waits for its pool to finish before it returns, which is what the flag guards.
        multiprocessing.current_process().daemon = False
    with tempfile.TemporaryDirectory(prefix=f"encadena-{job_id}-") as scratch:
        paths = build_report(graph, settings, ReportParams(**params), Path(scratch), jobs=jobs, progress=progress)
        for path in paths:
            store.upload(job_file_key(job_id, path.name), path)
    return [p.name for p in paths]
