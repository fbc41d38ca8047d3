"""Durable jobs (issue 13): one ``Job`` node per import, training, report or duplicate scan.

Report jobs of migration 60 become ``Job``\\s of kind ``report`` with their status, params, progress
and file names, so ``GET /api/v1/reports/{id}`` and ``GET /api/v1/jobs/{id}`` keep answering for
them. One that was still queued or running was watched by a web worker's thread that no longer
exists: it is failed with a reason instead of staying "running" forever.
"""

VERSION = 110
DESCRIPTION = "Job ids unique; jobs by status, kind and creation; ReportJob folded into Job"

STATEMENTS = (
    "CREATE CONSTRAINT job_id_unique IF NOT EXISTS FOR (j:Job) REQUIRE j.id IS UNIQUE",
    "CREATE INDEX job_status IF NOT EXISTS FOR (j:Job) ON (j.status)",
    "CREATE INDEX job_kind IF NOT EXISTS FOR (j:Job) ON (j.kind)",
    "CREATE INDEX job_created IF NOT EXISTS FOR (j:Job) ON (j.created_at)",
    "CREATE INDEX job_requested_by IF NOT EXISTS FOR (j:Job) ON (j.requested_by)",
    "CREATE CONSTRAINT job_slot_kind_unique IF NOT EXISTS FOR (s:JobSlot) REQUIRE s.kind IS UNIQUE",
    """
    MATCH (r:ReportJob)
    SET r:Job, r.kind = 'report', r.role = coalesce(r.role, 'advisor'), r.stage = coalesce(r.stage, 'match'),
        r.attempts = coalesce(r.attempts, CASE WHEN r.started_at IS NULL THEN 0 ELSE 1 END),
        r.max_attempts = coalesce(r.max_attempts, 1), r.committed_batches = coalesce(r.committed_batches, []),
        r.enqueued_at = coalesce(r.enqueued_at, r.created_at)
    WITH r
    FOREACH (_ IN CASE WHEN r.status IN ['queued', 'running'] THEN [1] ELSE [] END |
      SET r.status = 'failed', r.finished_at = datetime(), r.updated_at = datetime(),
          r.error = 'El informe se interrumpió al actualizar Encadena (lo ejecutaba un proceso que ya no existe); '
                    + 'vuelva a solicitarlo.')
    REMOVE r:ReportJob
    """,
    "DROP CONSTRAINT reportjob_id_unique IF EXISTS",
    "DROP INDEX report_job_created IF EXISTS",
)
