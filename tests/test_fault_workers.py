"""Processes killed with SIGKILL, and reads that follow writes across processes.

- A gunicorn worker killed: the other keeps answering and the master replaces it.
- A report started through the API on one app process, its job worker killed during it: the job is
  picked up again, ends ``done``, and its files download from a second app process.
- A need created through one app process is matched through another, following the bookmarks the
  write returned (``X-Encadena-Bookmarks``), which reach Neo4j (a bad one is refused by the server).

Uses the shared test Neo4j (nothing here stops it) and the session's job worker.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
import requests

from tests.conftest import Gunicorn, app_env
from tests.domain import need_payload
from tests.helpers import auth, wait_until
from tests.test_fault_import import record_figures

BOOKMARKS = "X-Encadena-Bookmarks"


@pytest.fixture(scope="module")
def two_apps(driver, settings, data_dir, job_worker, tmp_path_factory):
    """Two gunicorn servers (two and one workers) sharing this run's Neo4j, queue and file store."""
    log_dir = tmp_path_factory.mktemp("two-apps")
    first = Gunicorn(app_env(settings, data_dir), log_dir, workers=2)
    second = Gunicorn(app_env(settings, data_dir), log_dir, workers=1)
    try:
        yield first, first.wait(), second.wait()
    finally:
        first.stop()
        second.stop()


def _two_workers(server: Gunicorn) -> set[int] | None:
    found = set(server.workers())
    return found if len(found) == 2 else None


def _job(url: str, location: str, headers: dict, statuses: tuple[str, ...]) -> dict | None:
    job = requests.get(f"{url}{location}", headers=headers, timeout=10).json()
    return job if job["status"] in statuses else None


def test_a_killed_gunicorn_worker_is_replaced_and_the_other_keeps_answering(two_apps, keys):
    server, url, _ = two_apps
    before = wait_until(lambda: _two_workers(server), 60)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    answers = [requests.get(f"{url}/api/v1/needs?limit=1", headers=auth(keys["advisor"]), timeout=10).status_code
               for _ in range(20)]
    assert answers == [200] * 20
    after = wait_until(lambda: (w if victim not in (w := _two_workers(server) or {victim}) else None), 60)
    replaced_s = time.monotonic() - killed_at
    wait_until(lambda: requests.get(f"{url}/healthz", timeout=5).ok, 60)
    assert victim not in after and len(after - before) == 1
    record_figures("gunicorn_worker_killed", {"requests_after_kill": 20, "all_200": True,
                                              "seconds_until_master_replaced_it": round(replaced_s, 1)})


def _demo_buyer(driver) -> str:
    records, _, _ = driver.execute_query(
        "MATCH (b:Buyer)-[:POSTED]->(n:Need {status: 'open'}) RETURN b.rut AS rut, count(n) AS n "
        "ORDER BY n DESC, rut LIMIT 1")
    assert records, "some buyer has open needs"
    return records[0]["rut"]


def test_a_report_whose_job_worker_is_killed_ends_done_and_another_app_serves_its_files(two_apps, keys, driver,
                                                                                         job_worker):
    _, first, second = two_apps
    headers = auth(keys["advisor"])
    started = requests.post(f"{first}/api/v1/reports", json={"buyer": _demo_buyer(driver), "top": 3},
                            headers=headers, timeout=30)
    assert started.status_code == 202, started.text
    location = started.headers["Location"]
    running = wait_until(lambda: _job(first, location, headers, ("running",)), 120, step=0.05)
    records, _, _ = driver.execute_query("MATCH (j:Job {id: $id}) RETURN j.worker AS worker", id=running["id"])
    worker_pid = int(records[0]["worker"].rsplit(":", 1)[1])
    assert worker_pid != job_worker.proc.pid, "the job runs in a worker process of the consumer"
    os.kill(worker_pid, signal.SIGKILL)
    killed_at = time.monotonic()
    job = wait_until(lambda: _job(second, location, headers, ("done", "failed")), 240, step=0.5)
    done_s = time.monotonic() - killed_at
    assert job["status"] == "done", (job, job_worker.log()[-3000:])
    assert job["attempts"] == 2, "the attempt the kill interrupted was picked up again"
    names = {f["name"]: f["url"] for f in job["files"]}
    assert "report.pdf" in names and "recommendations.csv" in names
    for name in ("report.pdf", "recommendations.csv"):
        got = requests.get(f"{second}{names[name]}", headers=headers, timeout=30)
        assert got.status_code == 200 and len(got.content) > 100, name
    assert requests.get(f"{second}{names['report.pdf']}", headers=headers, timeout=30).content.startswith(b"%PDF")
    assert requests.get(f"{second}{names['report.pdf']}", timeout=30).status_code == 401
    record_figures("job_worker_killed_during_report", {
        "attempts": job["attempts"], "status": job["status"], "seconds_from_kill_to_done": round(done_s, 1),
        "files_served_by_second_app": sorted(names)})


def test_a_write_on_one_process_is_read_on_another_through_its_bookmarks(two_apps, keys):
    _, first, second = two_apps
    created = requests.post(f"{first}/api/v1/needs", json=need_payload(keys["buyer_rut"]),
                            headers=auth(keys["buyer"]), timeout=30)
    assert created.status_code == 201, created.text
    bookmarks = created.headers.get(BOOKMARKS)
    assert bookmarks and all(b.startswith("FB:") for b in bookmarks.split(",")), "a write returns its bookmarks"
    need_id = created.json()["id"]
    matched = requests.get(f"{second}/api/v1/needs/{need_id}/matches?limit=3",
                           headers={**auth(keys["buyer"]), BOOKMARKS: bookmarks}, timeout=30)
    assert matched.status_code == 200, matched.text
    assert BOOKMARKS not in matched.headers, "reads return no bookmarks"
    # The header reaches Neo4j: a well-formed bookmark it did not issue is refused by the server.
    forged = requests.get(f"{second}/api/v1/needs/{need_id}", headers={**auth(keys["buyer"]), BOOKMARKS: "FB:AAAA"},
                          timeout=30)
    assert forged.status_code == 400 and forged.json()["type"].endswith("marcador-invalido"), forged.text
    garbage = requests.get(f"{second}/api/v1/needs/{need_id}", headers={**auth(keys["buyer"]), BOOKMARKS: "{}"},
                           timeout=30)
    assert garbage.status_code == 400
