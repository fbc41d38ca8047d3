"""Batch report jobs (issue 6): one ``ReportJob`` node per requested report, any worker answers for it."""

VERSION = 60
DESCRIPTION = "ReportJob ids unique; jobs listed by creation time"

STATEMENTS = (
    "CREATE CONSTRAINT reportjob_id_unique IF NOT EXISTS FOR (j:ReportJob) REQUIRE j.id IS UNIQUE",
    "CREATE INDEX report_job_created IF NOT EXISTS FOR (j:ReportJob) ON (j.created_at)",
)
