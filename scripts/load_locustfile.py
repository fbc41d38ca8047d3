"""The users of ``encadena bench load`` (run by locust in its own process; loopback only).

Buyers read the ranked candidates of their open needs and post new needs; advisors search firms
and propose firms for the needs buyers posted during the run. Parameters (URL, keys, need ids, RUTs,
search words) come from the JSON file named by ``ENCADENA_LOAD_PARAMS``.
"""

from __future__ import annotations

import json
import os
import random
from datetime import date, timedelta

from locust import FastHttpUser, HttpUser, between, constant, task

PARAMS = json.loads(open(os.environ["ENCADENA_LOAD_PARAMS"], encoding="utf-8").read())  # noqa: SIM115
LOAD_TAG = PARAMS["tag"]


class ProgramUser(HttpUser):
    """One person of the program: a buyer's and an advisor's work, mixed as the weights say."""

    wait_time = between(0.2, 1.0)
    abstract = os.environ.get("ENCADENA_LOAD_SCENARIO", "mix") != "mix"

    def on_start(self) -> None:
        self.buyer = {"Authorization": f"Bearer {PARAMS['buyer_key']}"}
        self.advisor = {"Authorization": f"Bearer {PARAMS['advisor_key']}"}
        self.posted: list[str] = []

    @task(6)
    def match_a_need(self) -> None:
        need = random.choice(PARAMS["needs"] + self.posted[-5:])
        self.client.get(f"/api/v1/needs/{need}/matches?limit=10", headers=self.buyer, name="match a need")

    @task(3)
    def search_firms(self) -> None:
        word = random.choice(PARAMS["words"])
        self.client.get(f"/api/v1/firms?q={word}&limit=10", headers=self.advisor, name="search firms")

    @task(1)
    def post_a_need(self) -> None:
        sector, comuna = random.choice(PARAMS["areas"])
        body = {"buyer_rut": PARAMS["buyer_rut"], "title": f"Suministro de prueba de carga {LOAD_TAG}",
                "description": f"Necesidad creada por la prueba de carga {LOAD_TAG}", "sectors": [sector],
                "comuna": comuna, "radius_km": 40, "volume": 100,
                "deadline": (date.today() + timedelta(days=90)).isoformat()}
        with self.client.post("/api/v1/needs", json=body, headers=self.buyer, name="create a need",
                              catch_response=True) as response:
            if response.status_code == 201:
                self.posted.append(response.json()["id"])
                headers = {**self.buyer, "X-Encadena-Bookmarks": response.headers.get("X-Encadena-Bookmarks", "")}
                self.client.get(f"/api/v1/needs/{self.posted[-1]}/matches?limit=10", headers=headers,
                                name="match the need just created")

    @task(1)
    def propose_a_firm(self) -> None:
        if not self.posted:
            return
        body = {"rut": random.choice(PARAMS["ruts"]), "note": f"Propuesta de la prueba de carga {LOAD_TAG}"}
        with self.client.post(f"/api/v1/needs/{random.choice(self.posted)}/proposals", json=body,
                              headers=self.advisor, name="propose a firm", catch_response=True) as response:
            if response.status_code == 409:  # the same firm drawn twice for one need: not an error of the service
                response.success()


class MatchReader(FastHttpUser):
    """The issue-17 throughput scenario: a client that asks for the ranked candidates (limit 20) of a random
    open need as soon as its previous answer arrived (no think time), so N users keep N requests in flight.

    FastHttpUser (geventhttpclient) costs the load generator far less CPU than requests does, which matters
    when it shares the server's two cores."""

    wait_time = constant(0)
    # Only when named on locust's command line (``bench load --scenario matches``).
    abstract = os.environ.get("ENCADENA_LOAD_SCENARIO") != "matches"

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {PARAMS['advisor_key']}"}

    @task
    def match_an_open_need(self) -> None:
        need = random.choice(PARAMS["open_needs"])
        self.client.get(f"/api/v1/needs/{need}/matches?limit=20", headers=self.headers, name="match a need")
