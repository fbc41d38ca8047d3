"""Training on decisions stored in the real Neo4j: no leakage, beating the prior, CLI and API."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from application.training import load_history
from graph_schema.training_data import labeled_rows
from matching.features import ALL_FEATURES
from matching.matcher import score_candidates
from matching.ranker import prior
from matching.training import METRIC, train
from tests.helpers import auth, load_demo, make_rut, run_job
from tests.matching_seed import (
    cleanup,
    firm,
    seed_alliances,
    seed_buyer,
    seed_firms,
    seed_history,
    seed_need,
    seed_proposals,
    tag_for,
)


@pytest.fixture(scope="module")
def demo(driver):
    """The demo data set with its simulated buyers' decisions (``tests.helpers.load_demo``)."""
    return load_demo(driver)


@pytest.fixture(scope="module")
def history(driver, catalog):
    """40 needs of one buyer whose decisions follow a hidden taste unlike the prior's (tests/matching_seed.py)."""
    seeded = seed_history(driver, catalog, random.Random(11))
    yield seeded
    cleanup(driver, seeded.tag)


@pytest.fixture()
def restore_models(driver, app):
    """Remove the models a test trains and give back the promotion it found."""
    records, _, _ = driver.execute_query("MATCH (m:RankerModel) RETURN m.version AS v, m.promoted AS p")
    before = {r["v"]: r["p"] for r in records}
    previous = app.config.get("MODEL_RECHECK_SECONDS")
    app.config["MODEL_RECHECK_SECONDS"] = 0
    yield
    app.config["MODEL_RECHECK_SECONDS"] = previous if previous is not None else 30
    driver.execute_query("MATCH (m:RankerModel) WHERE NOT m.version IN $old DETACH DELETE m", old=list(before))
    driver.execute_query("UNWIND keys($before) AS v MATCH (m:RankerModel {version: v}) SET m.promoted = $before[v]",
                         before=before)


def histories_of(driver, catalog, need_ids):
    rows = [r for r in labeled_rows(driver) if r["need_id"] in set(need_ids)]
    by_need: dict[str, list[dict]] = {}
    for row in rows:
        by_need.setdefault(row["need_id"], []).append(row)
    return [load_history(driver, catalog, need_id, need_rows) for need_id, need_rows in by_need.items()]


def test_learned_model_beats_the_prior_on_a_history_with_another_taste(driver, catalog, history):
    histories = histories_of(driver, catalog, history.need_ids)
    assert len(histories) == 40
    assert sum(len(h.labels) for h in histories) == history.accepted + history.rejected

    report = train(histories, catalog)

    assert report.promoted
    assert report.metrics["learned"][METRIC] > report.metrics["prior"][METRIC]
    assert report.ranker.weights["cooperative"] > 0


def test_a_model_trained_on_the_demo_history_beats_the_prior(driver, demo):
    """The demo's simulated buyers weigh text, certifications and capacity unlike the prior (docs/demo-data.md)."""
    records, _, _ = driver.execute_query("MATCH (n:Need) WHERE n.demo = true RETURN n.id AS id")
    histories = histories_of(driver, demo, [r["id"] for r in records])
    assert sum(len(h.labels) for h in histories) >= 50

    report = train(histories, demo)

    assert report.promoted
    assert report.metrics["learned"][METRIC] > report.metrics["prior"][METRIC]
    assert report.ranker.weights["text_similarity"] > 0


def test_features_of_an_example_never_include_its_own_decision(driver, catalog):
    tag = tag_for(random.Random())
    try:
        here = catalog.resolve_comuna("Talca").cut
        rut = make_rut()
        seed_firms(driver, [firm(rut, here, sectors=["3240"])], tag)
        buyer = seed_buyer(driver, tag, here)
        t0 = datetime(2025, 3, 3, 12, tzinfo=UTC)
        first = seed_need(driver, tag, buyer, here, sectors=("3240",), created_at=t0, index=1)
        second = seed_need(driver, tag, buyer, here, sectors=("3240",), created_at=t0 + timedelta(days=10), index=2)
        seed_proposals(driver, [
            {"id": f"prop_{tag}01", "need_id": first, "rut": rut, "advisor_id": f"adv_{tag}", "status": "accepted",
             "created_at": (t0 + timedelta(days=1)).isoformat(), "decided_at": (t0 + timedelta(days=2)).isoformat()},
            {"id": f"prop_{tag}02", "need_id": second, "rut": rut, "advisor_id": f"adv_{tag}", "status": "rejected",
             "created_at": (t0 + timedelta(days=11)).isoformat(),
             "decided_at": (t0 + timedelta(days=12)).isoformat()},
        ])
        seed_alliances(driver, [{"id": f"ally_{tag}01", "buyer_rut": buyer, "rut": rut, "origin": "proposal",
                                 "created_at": (t0 + timedelta(days=2)).isoformat(), "proposal_id": f"prop_{tag}01"}])

        def raw_of(need_id: str) -> dict:
            [h] = histories_of(driver, catalog, [need_id])
            table, _, _ = score_candidates(h.context, h.candidates, catalog, h.tiers, prior())
            index = [c["rut"] for c in h.candidates].index(rut)
            return {**{k: float(v[index]) for k, v in table.raw.items()}, "label": h.labels[rut],
                    "closeness": float(table.matrix[index, ALL_FEATURES.index("supplier_closeness")])}

        at_first, at_second = raw_of(first), raw_of(second)
        assert (at_first["label"], at_first["alliances_with_buyer"], at_first["past_accepted"]) == (1, 0, 0)
        assert (at_second["label"], at_second["alliances_with_buyer"], at_second["past_accepted"]) == (0, 1, 1)
        assert at_second["past_rejected"] == 0  # its own rejection is the label, not a feature
    finally:
        cleanup(driver, tag)


def test_train_and_evaluate_commands_and_model_api(runner, client, keys, driver, history, restore_models):
    trained = runner.invoke("train")
    assert trained.exit_code == 0, trained.output
    for text in ("NDCG@10", "MAP", "recall@20", "modelo entrenado", "regla base (prior-v1)", "solo rubro"):
        assert text in trained.output
    version = trained.output.split("Modelo ", 1)[1].split(" ", 1)[0]
    assert version.startswith("lr-")

    info = client.get("/api/v1/model", headers=auth(keys["advisor"]))
    assert info.status_code == 200
    stored = next(m for m in info.json["history"] if m["version"] == version)
    assert stored["training_size"] > 0
    assert set(stored["metrics"]) == {"learned", "prior", "sector_only"}
    if stored["promoted"]:
        assert info.json["version"] == version
        assert info.json["served_by_this_worker"] == version
        need = client.get(f"/api/v1/needs/{history.need_ids[-1]}/matches", headers=auth(keys["advisor"]))
        assert need.json["model_version"] == version
    else:
        assert "no promovido" in trained.output

    evaluated = runner.invoke("evaluate")
    assert evaluated.exit_code == 0, evaluated.output
    assert "modelo entrenado" in evaluated.output and "NDCG@10" in evaluated.output


def test_post_model_train_is_for_admins_and_reports_the_comparison(client, keys, history, restore_models):
    assert client.post("/api/v1/model/train", headers=auth(keys["advisor"])).status_code == 403

    resp = client.post("/api/v1/model/train", headers=auth(keys["admin"]))
    again = client.post("/api/v1/model/train", headers=auth(keys["admin"]))  # a client retrying
    assert again.status_code == 202 and again.headers["Location"] == resp.headers["Location"], \
        "a second request while a training is queued or running answers the same job"

    job = run_job(client, keys["admin"], resp)
    assert job["status"] == "done", job
    body = job["result"]
    assert body["version"].startswith("lr-")
    assert "NDCG@10 en decisiones recientes" in body["message"]
    assert body["metrics"]["learned"]["needs"] >= 3
    model = client.get("/api/v1/model", headers=auth(keys["admin"])).json
    assert any(m["version"] == body["version"] for m in model["history"])
