"""``python -m application.reports JOB_ID OUT_DIR [JOBS]``: run one report job (started by the API)."""

from __future__ import annotations

import sys
from pathlib import Path

from application.reports.job import run_report_job
from application.settings import Settings
from graph_schema.driver import graph_from_settings


def main(argv: list[str]) -> int:
    job_id, out_dir = argv[0], Path(argv[1])
    jobs = int(argv[2]) if len(argv) > 2 else None
    settings = Settings()
    with graph_from_settings(settings) as graph:
        run_report_job(graph, settings, job_id, out_dir, jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
