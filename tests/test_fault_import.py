"""Neo4j killed (SIGKILL) in the middle of a 50,000-row import job, started again by ``encadena neo4j
start``: the job resumes on its own and the graph equals the one a clean import of the same file gives.

Runs on a Neo4j of the test's own (``private_neo4j``) with a real ``encadena worker``; the figures go
to ``tests/artifacts/faults.json``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from application.access import Viewer
from application.imports import import_file
from application.job_queue import JobQueue
from application.jobs import submit
from application.settings import Settings
from application.storage import FileStore
from graph_schema import jobs as jobs_repo
from graph_schema.digest import graph_digest
from graph_schema.reference import fetch_catalog
from scripts.bench_dedupe import make_import_csv
from tests.conftest import Worker

ROWS = 50_000
BATCH = 2_000
NOW = "2026-12-01T12:00:00+00:00"
SOURCE = "import:fault-test"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# What is compared: everything but the jobs' own bookkeeping and the random ids of duplicate pairs
# (pairs are compared by their pair key, score, evidence and status).
EXCLUDE = {"exclude_labels": ("Job", "JobSlot"), "exclude_properties": {"DuplicateCandidate": ("id",)}}


def record_figures(name: str, figures: dict) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "faults.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = figures
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def wipe_import(graph) -> None:
    """Remove what the import wrote: its firms and the possible-duplicate pairs among them."""
    while True:
        records, _, _ = graph.execute_query(
            "MATCH (f:Firm {source: $source}) WITH f LIMIT 10000 DETACH DELETE f RETURN count(*) AS n", source=SOURCE)
        if records[0]["n"] == 0:
            break
    graph.execute_query("MATCH (d:DuplicateCandidate) DETACH DELETE d")


def wait_for(graph, job_id: str, done, timeout: float, step: float = 0.2) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        try:
            job = jobs_repo.get_job(graph, job_id)
        except Exception:  # noqa: BLE001 - Neo4j is down for part of this wait
            job = None
        if job is not None and done(job):
            return job
        assert time.monotonic() < deadline, f"job {job_id} did not get there in {timeout} s: {job}"
        time.sleep(step)


# Starting Neo4j (twice here) takes up to a minute each on a busy 2-core machine.
@pytest.mark.timeout(900)
def test_neo4j_killed_mid_import_then_restarted_leaves_the_graph_a_clean_import_gives(private_neo4j, tmp_path):
    neo4j = private_neo4j
    env = {**neo4j.env, "ENCADENA_DATA_DIR": str(tmp_path / "data"), "JOB_LEASE_SECONDS": "6"}
    settings = Settings(**env)
    graph = neo4j.graph()
    wipe_import(graph)
    data = make_import_csv(ROWS, 13, 20_000_000)
    worker = Worker(env, tmp_path)
    try:
        queue = JobQueue(settings)
        job, _ = submit(graph, queue.enqueue, "import",
                        {"now": NOW, "source": SOURCE, "dry_run": False, "batch_size": BATCH},
                        Viewer("admin", id="fault-test"), settings=settings, store=FileStore.from_settings(settings),
                        data=data)
        # Kill Neo4j once a few batches are committed and many are still to come.
        before = wait_for(graph, job["id"], lambda j: len(j["committed_batches"]) >= 4, timeout=240, step=0.05)
        neo4j.kill()
        killed_at = time.monotonic()
        assert len(before["committed_batches"]) < ROWS // BATCH - 4, "the kill came too late to be mid-import"
        time.sleep(2)
        restart_s = neo4j.start()
        finished = wait_for(graph, job["id"], lambda j: j["status"] in ("done", "failed"), timeout=300)
        recovered_s = time.monotonic() - killed_at
    finally:
        worker.stop()
    assert finished["status"] == "done", (finished, worker.log()[-3000:])
    report = finished["result"]
    assert finished["attempts"] >= 2, "the attempt Neo4j's death interrupted was retried"
    assert report["resumed_batches"] >= len(before["committed_batches"]), "committed batches were not redone"
    assert report["created"] + report["updated"] + report["unchanged"] == ROWS and report["failed_batches"] == 0
    counts, _, _ = graph.execute_query(
        "MATCH (f:Firm {source: $source}) RETURN count(f) AS firms, count(DISTINCT f.rut) AS ruts", source=SOURCE)
    assert counts[0]["firms"] == counts[0]["ruts"] == ROWS, "no firm lost, none doubled"
    after_fault = graph_digest(graph, **EXCLUDE)

    # The same file imported cleanly into the same graph without its firms gives the same graph.
    wipe_import(graph)
    clean = import_file(graph, fetch_catalog(graph), data, now=NOW, source=SOURCE, batch_size=BATCH)
    assert clean.created == ROWS
    after_clean = graph_digest(graph, **EXCLUDE)
    assert after_fault == after_clean
    assert report["possible_duplicates"] == len(clean.possible_duplicates)
    record_figures("neo4j_killed_mid_import", {
        "rows": ROWS, "batches": ROWS // BATCH, "committed_before_kill": len(before["committed_batches"]),
        "attempts": finished["attempts"], "resumed_batches": report["resumed_batches"],
        "neo4j_restart_seconds": round(restart_s, 1), "kill_to_job_done_seconds": round(recovered_s, 1),
        "digest_after_fault": after_fault["digest"], "digest_clean_import": after_clean["digest"],
        "nodes": after_fault["nodes"], "relationships": after_fault["relationships"],
        "digests_equal": after_fault == after_clean,
    })
    wipe_import(graph)
