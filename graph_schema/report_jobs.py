"""Report jobs in the graph, so that any worker can say how a report started elsewhere is going.

``(:ReportJob {id, status: queued|running|done|failed, params (JSON), created_at, started_at,
updated_at, finished_at, done, total, files, error, requested_by})``: see docs/graph-model.md.
"""

from __future__ import annotations

import json
from typing import LiteralString

from neo4j import RoutingControl

from graph_schema.driver import Graph
from matching.errors import NotFound

CREATE_JOB: LiteralString = """
CREATE (j:ReportJob {
  id: $id, status: 'queued', params: $params, created_at: datetime($now), updated_at: datetime($now),
  started_at: null, finished_at: null, done: 0, total: null, files: [], error: null, requested_by: $requested_by
})
"""

START_JOB: LiteralString = """
MATCH (j:ReportJob {id: $id})
SET j.status = 'running', j.started_at = datetime($now), j.updated_at = datetime($now)
"""

PROGRESS: LiteralString = """
MATCH (j:ReportJob {id: $id})
SET j.done = $done, j.total = $total, j.updated_at = datetime($now)
"""

FINISH_JOB: LiteralString = """
MATCH (j:ReportJob {id: $id})
SET j.status = $status, j.files = $files, j.error = $error, j.finished_at = datetime($now),
    j.updated_at = datetime($now)
"""

GET_JOB: LiteralString = """
MATCH (j:ReportJob {id: $id})
RETURN j {.id, .status, .params, .done, .total, .files, .error, .requested_by,
          created_at: toString(j.created_at), started_at: toString(j.started_at),
          updated_at: toString(j.updated_at), finished_at: toString(j.finished_at)} AS job
"""


def create_job(driver: Graph, job_id: str, params: dict, now: str, requested_by: str | None) -> None:
    driver.execute_query(CREATE_JOB, id=job_id, params=json.dumps(params, ensure_ascii=False, sort_keys=True),
                         now=now, requested_by=requested_by)


def start_job(driver: Graph, job_id: str, now: str) -> None:
    driver.execute_query(START_JOB, id=job_id, now=now)


def record_progress(driver: Graph, job_id: str, done: int, total: int, now: str) -> None:
    driver.execute_query(PROGRESS, id=job_id, done=done, total=total, now=now)


def finish_job(driver: Graph, job_id: str, now: str, *, files: list[str] | None = None,
               error: str | None = None) -> None:
    """Mark a job done with its files, or failed with a message for staff."""
    driver.execute_query(FINISH_JOB, id=job_id, status="failed" if error else "done", files=files or [],
                         error=error, now=now)


def get_job(driver: Graph, job_id: str) -> dict:
    records, _, _ = driver.execute_query(GET_JOB, id=job_id, routing_=RoutingControl.READ)
    if not records:
        raise NotFound(f"No existe un informe con id {job_id}.")
    job = dict(records[0]["job"])
    job["params"] = json.loads(job["params"]) if job.get("params") else {}
    return job
