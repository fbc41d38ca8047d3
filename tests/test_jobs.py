"""The job lifecycle on the real Neo4j, driven in-process: leases, the reaper, attempts, caps, retention,
object rules and query timeouts. (Real worker processes are killed in test_fault_*.py.)"""

from __future__ import annotations

import time

import pytest
from neo4j import Query
from neo4j.exceptions import ClientError

from application import jobs
from application.access import Viewer
from application.settings import Settings
from application.storage import FileStore, job_file_key, job_input_key
from graph_schema import jobs as repo
from graph_schema.driver import graph_from_settings

STAFF = Viewer("advisor", id="test-jobs-advisor")


class Queue:
    """Records what would be enqueued."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, float | None]] = []

    def __call__(self, job_id: str, delay: float | None = None) -> None:
        self.sent.append((job_id, delay))


@pytest.fixture()
def job_settings(settings, tmp_path) -> Settings:
    return Settings(**{"NEO4J_URI": settings.neo4j_uri, "ENCADENA_DATA_DIR": str(tmp_path), "JOB_LEASE_SECONDS": 2,
                       "JOB_MAX_ATTEMPTS": 2, "MAX_CONCURRENT_REPORTS": 1, "JOB_RETENTION_DAYS": 0})


@pytest.fixture()
def fresh(driver):
    """Jobs a test creates, removed afterwards (other tests' jobs are left alone)."""
    made: list[str] = []
    yield made
    driver.execute_query("UNWIND $ids AS id MATCH (j:Job {id: id}) DETACH DELETE j", ids=made)


def _submit(driver, job_settings, fresh, kind="dedupe", viewer=STAFF, **kwargs):
    queue = Queue()
    job, created = jobs.submit(driver, queue, kind, {"n": 1}, viewer, settings=job_settings, **kwargs)
    fresh.append(job["id"])
    return job, created, queue


def _expire(driver, job_id: str) -> None:
    driver.execute_query("MATCH (j:Job {id: $id}) SET j.lease_until = datetime() - duration('PT1S')", id=job_id)


def test_a_job_whose_worker_died_is_requeued_then_failed_with_a_reason(driver, job_settings, fresh):
    job, _, queue = _submit(driver, job_settings, fresh)
    assert queue.sent == [(job["id"], None)] and job["status"] == "queued"
    for attempt in (1, 2):
        outcome, claimed = repo.claim(driver, job["id"], "dedupe", f"dead-{attempt}", 2, None)
        assert outcome == "claimed" and claimed["attempts"] == attempt
        _expire(driver, job["id"])  # the worker died: nobody renews the lease
        reaped = jobs.reap(driver, queue, job_settings)
        assert {"id": job["id"], "status": "queued" if attempt == 1 else "failed"} in reaped["expired"]
    final = jobs.get_job(driver, job["id"])
    assert final["status"] == "failed" and "se interrumpió 2 veces" in final["error"]
    assert queue.sent.count((job["id"], None)) == 2, "queued again once, then failed (not queued) the second time"


def test_a_worker_that_lost_its_lease_cannot_finish_the_job(driver, job_settings, fresh):
    job, _, _ = _submit(driver, job_settings, fresh)
    repo.claim(driver, job["id"], "dedupe", "slow", 2, None)
    _expire(driver, job["id"])
    jobs.reap(driver, Queue(), job_settings)
    assert repo.claim(driver, job["id"], "dedupe", "fresh", 2, None)[0] == "claimed"
    assert not repo.renew(driver, job["id"], "slow", 1, 2)
    assert not repo.finish(driver, job["id"], "slow", 1, result={"stale": True})
    assert repo.finish(driver, job["id"], "fresh", 2, result={"ok": True})
    assert jobs.get_job(driver, job["id"])["result"] == {"ok": True}


def test_at_most_one_training_is_queued_or_running(driver, job_settings, fresh):
    first, created, _ = _submit(driver, job_settings, fresh, kind="train")
    again, created_again, queue = _submit(driver, job_settings, fresh, kind="train")
    assert created and not created_again and again["id"] == first["id"] and queue.sent == []
    repo.claim(driver, first["id"], "train", "w", 60, 1)
    repo.finish(driver, first["id"], "w", 1, result={})
    later, created_later, _ = _submit(driver, job_settings, fresh, kind="train")
    assert created_later and later["id"] != first["id"]


def test_reports_beyond_the_cap_wait_their_turn(driver, job_settings, fresh):
    # Reports other tests left running would count against the cap: this test needs none.
    driver.execute_query("MATCH (j:Job {kind: 'report', status: 'running'}) SET j.lease_until = datetime()")
    a, _, _ = _submit(driver, job_settings, fresh, kind="report")
    b, _, _ = _submit(driver, job_settings, fresh, kind="report")
    queue = Queue()
    store = FileStore.from_settings(job_settings)
    assert repo.claim(driver, a["id"], "report", "w1", 60, 1)[0] == "claimed"
    outcome = jobs.execute(driver, job_settings, store, b["id"], lambda kind: pytest.fail("must not run"), queue, "w2")
    assert outcome == "busy" and queue.sent == [(b["id"], jobs.BUSY_RETRY_S)]
    assert jobs.get_job(driver, b["id"])["status"] == "queued"


def test_a_transient_failure_gives_the_job_back_and_a_domain_error_fails_it(driver, job_settings, fresh):
    from neo4j.exceptions import ServiceUnavailable

    from matching.errors import FieldError, InvalidInput

    store = FileStore.from_settings(job_settings)
    job, _, _ = _submit(driver, job_settings, fresh)
    queue = Queue()

    def down(run):
        raise ServiceUnavailable("Neo4j se fue")

    assert jobs.execute(driver, job_settings, store, job["id"], lambda kind: down, queue, "w1") == "released"
    assert jobs.get_job(driver, job["id"])["status"] == "queued" and queue.sent == [(job["id"], jobs.RETRY_BACKOFF_S)]

    def bad(run):
        raise InvalidInput(FieldError("threshold", "Debe estar entre 0 y 100."))

    assert jobs.execute(driver, job_settings, store, job["id"], lambda kind: bad, queue, "w2") == "failed"
    failed = jobs.get_job(driver, job["id"])
    assert failed["status"] == "failed" and "threshold" in failed["error"]
    assert failed["result"]["errors"][0]["field"] == "threshold"


def test_progress_and_result_of_a_job_run_in_process(driver, job_settings, fresh):
    store = FileStore.from_settings(job_settings)
    job, _, _ = _submit(driver, job_settings, fresh)

    def task(run):
        for done in range(0, 4):
            run.progress("compare", done, 3)
        store.write_bytes(job_file_key(run.id, "pares.csv"), b"a,b\n")
        return {"pairs": 3}, ["pares.csv"]

    assert jobs.execute(driver, job_settings, store, job["id"], lambda kind: task, Queue(), "w") == "done"
    done = jobs.job_view(jobs.get_job(driver, job["id"]), STAFF)
    assert (done["status"], done["result"], done["files"]) == ("done", {"pairs": 3}, ["pares.csv"])
    assert done["progress"] == {"stage": "compare", "done": 3, "total": 3} and done["attempts"] == 1


def test_old_job_files_are_deleted_after_the_retention_period(driver, job_settings, fresh):
    store = FileStore.from_settings(job_settings)
    job, _, _ = _submit(driver, job_settings, fresh, kind="import", store=store, data=b"rut;nombre\n")
    assert store.exists(job_input_key(job["id"]))
    repo.claim(driver, job["id"], "import", "w", 60, None)
    repo.finish(driver, job["id"], "w", 1, result={})
    time.sleep(0.05)
    purged = jobs.reap(driver, Queue(), job_settings, store)["purged"]
    assert job["id"] in purged and not store.exists(job_input_key(job["id"]))
    assert jobs.job_view(jobs.get_job(driver, job["id"]), STAFF)["files_deleted"] is True


def test_a_buyer_sees_only_its_own_jobs(driver, job_settings, fresh):
    mine, _, _ = _submit(driver, job_settings, fresh, viewer=Viewer("buyer", "11111111-1", id="key-a"))
    staff, _, _ = _submit(driver, job_settings, fresh)
    buyer_a, buyer_b = Viewer("buyer", "11111111-1", id="key-a"), Viewer("buyer", "22222222-2", id="key-b")
    assert jobs.job_for(driver, buyer_a, mine["id"])["id"] == mine["id"]
    for viewer, job_id in ((buyer_b, mine["id"]), (buyer_a, staff["id"])):
        with pytest.raises(jobs.NotFound):
            jobs.job_for(driver, viewer, job_id)
    assert [j["id"] for j in jobs.jobs_for(driver, buyer_a)] == [mine["id"]]
    assert jobs.jobs_for(driver, buyer_b) == []
    assert staff["id"] in {j["id"] for j in jobs.jobs_for(driver, STAFF)}


def test_a_runaway_query_is_cut_by_its_timeout(settings):
    graph = graph_from_settings(settings, query_timeout=1.0)
    started = time.monotonic()
    try:
        with pytest.raises(ClientError, match="TransactionTimedOut"):
            graph.execute_query("UNWIND range(1, 10000000000) AS x RETURN count(x) AS n")
    finally:
        graph.close()
    assert time.monotonic() - started < 10


def test_the_server_cuts_any_transaction_after_its_own_timeout(driver):
    records, _, _ = driver.execute_query("SHOW SETTINGS YIELD name, value WHERE name = 'db.transaction.timeout' "
                                         "RETURN value")
    assert records[0]["value"] == "10m"
    with driver.session() as session, pytest.raises(ClientError, match="TransactionTimedOut"):
        session.run(Query("UNWIND range(1, 10000000000) AS x RETURN count(x) AS n", timeout=0.5)).consume()


def test_a_runaway_query_in_a_request_answers_503_within_its_timeout(app, keys):
    """A request whose query runs away is cut by QUERY_TIMEOUT_SECONDS: a 503, and the worker is free again."""
    from flask_openapi3 import APIBlueprint

    from service import create_app
    from service.auth import require
    from service.db import get_driver

    fresh = create_app({**app.config, "TESTING": True, "QUERY_TIMEOUT_SECONDS": 1.0})
    probe = APIBlueprint("probe_runaway", __name__, url_prefix="/api/v1")

    @probe.get("/sonda-consulta-larga")
    @require("advisor")
    def runaway():
        get_driver().execute_query("UNWIND range(1, 10000000000) AS x RETURN count(x) AS n")
        return {"ok": True}

    fresh.register_api(probe)
    client = fresh.test_client()
    started = time.monotonic()
    response = client.get("/api/v1/sonda-consulta-larga", headers={"Authorization": f"Bearer {keys['advisor']}"})
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.json
    assert response.json["type"].endswith("consulta-demasiado-larga") and response.headers["Retry-After"] == "5"
    assert elapsed < 5.0
    again = client.get("/api/v1/needs?limit=1", headers={"Authorization": f"Bearer {keys['advisor']}"})
    assert again.status_code == 200
    fresh.extensions["encadena.neo4j"].close()
