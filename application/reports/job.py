"""A report started from the API: the same ``build_report`` the command line runs, recording its
progress, files or error in its ``ReportJob`` node so any app host can answer for it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from application.reports.run import build_report, default_jobs
from application.settings import Settings
from graph_schema import report_jobs
from graph_schema.driver import Graph
from matching.errors import InvalidInput
from matching.reports import ReportParams

# A job records its progress in the graph at most this often (each write is one small transaction).
PROGRESS_EVERY_S = 1.0


def _now() -> str:
    return datetime.now(UTC).isoformat()


def run_report_job(graph: Graph, settings: Settings, job_id: str, out_dir: Path, jobs: int | None = None) -> list[Path]:
    """Build the report of job ``job_id`` (its params are stored on the job) into ``out_dir``."""
    job = report_jobs.get_job(graph, job_id)
    params = ReportParams(**job["params"])
    report_jobs.start_job(graph, job_id, _now())
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if done in (0, total) or time.monotonic() - last[0] >= PROGRESS_EVERY_S:
            report_jobs.record_progress(graph, job_id, done, total, _now())
            last[0] = time.monotonic()

    try:
        paths = build_report(graph, settings, params, out_dir, jobs=jobs or default_jobs(), progress=progress)
    except InvalidInput as exc:
        report_jobs.finish_job(graph, job_id, _now(), error=exc.detail)
        raise
    except Exception as exc:
        report_jobs.finish_job(graph, job_id, _now(),
                               error=f"El informe no se pudo generar ({type(exc).__name__}: {exc}).")
        raise
    report_jobs.finish_job(graph, job_id, _now(), files=[p.name for p in paths])
    return paths
