"""The pair model's life in the graph: advisors' decisions keep the records as decided, `encadena dedupe
train` learns from them and stores a signed model, imports and scans serve the promoted one."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from application.duplicates import labeled_pairs, serving_pair_model, train_pair_model
from graph_schema.duplicates import record_candidates_tx
from graph_schema.duplicates import resolve as resolve_tx
from graph_schema.firms import firm_row, write_firms_tx
from graph_schema.pair_models import promoted_pair_model
from matching.dedupe import Match, find_duplicates
from matching.pair_model import prior_model
from scripts.dedupe_sets import tuning_set
from scripts.demo.simulated_advisor import advisor_merges
from tests.helpers import make_rut

KEY = b"p" * 32


@pytest.fixture(scope="module")
def decided(driver, catalog):
    """About 150 pairs of a synthetic register, written as firms and decided by the simulated advisor."""
    rng = random.Random(23)
    data = tuning_set(4000, 23)
    comunas = set(catalog.comunas)
    records = [r for r in data.records if r.comuna in comunas and r.sectors]
    matches = find_duplicates(records, threshold=10.0, adjacency=catalog.adjacency)[:150]
    involved = {rid for m in matches for rid in (m.left, m.right)}
    rut_of = {rid: make_rut(rng) for rid in involved}
    by_id = {r.id: r for r in records}
    rows = [firm_row({"rut": rut_of[rid], "name": by_id[rid].name, "comuna": by_id[rid].comuna,
                      "sectors": list(by_id[rid].sectors), "phone": by_id[rid].phone, "email": by_id[rid].email,
                      "size_segment": "sin_ventas", "is_cooperative": False, "certifications": [],
                      "member_of": None}) for rid in involved]
    ruts = sorted(rut_of.values())
    _remove(driver, ruts)  # the RUTs are seeded: what an interrupted earlier run left goes first
    now = datetime.now(UTC)
    with driver.session() as session:
        session.execute_write(write_firms_tx, rows, now.isoformat(), "pair-model-test")
        pairs = [Match(*sorted([rut_of[m.left], rut_of[m.right]]), m.score, m.evidence) for m in matches]
        recorded = session.execute_write(record_candidates_tx, pairs, now.isoformat(), "test")
    decisions = 0
    for k, (m, rec) in enumerate(zip(matches, recorded, strict=True)):
        if rec["status"] != "open":
            continue
        merge = advisor_merges(by_id[m.left], by_id[m.right], data.entity_of[m.left] == data.entity_of[m.right],
                               rng, catalog.adjacency)
        moment = (now - timedelta(days=200) + timedelta(hours=k)).isoformat()
        try:
            resolve_tx(driver, rec["id"], action="merge" if merge else "distinct", keep=None, now=moment,
                       actor="test", note=None)
        except Exception:  # noqa: BLE001 - a firm already merged away by an earlier pair of the chain
            continue
        decisions += 1
    yield decisions
    _remove(driver, ruts)


def _remove(driver, ruts: list[str]) -> None:
    """These firms, the pairs recorded among them and the merges between them."""
    driver.execute_query("MATCH (d:DuplicateCandidate) WHERE any(r IN d.ruts WHERE r IN $ruts) DETACH DELETE d",
                         ruts=ruts)
    driver.execute_query("MATCH (m:FirmMerge) WHERE m.kept_rut IN $ruts OR m.dropped_rut IN $ruts DETACH DELETE m",
                         ruts=ruts)
    driver.execute_query("UNWIND $ruts AS rut MATCH (f:Firm {rut: rut}) DETACH DELETE f", ruts=ruts)


def test_a_decision_keeps_both_records_as_the_advisor_saw_them(driver, decided):
    assert decided >= 100
    labels = labeled_pairs(driver)
    assert len(labels) >= decided
    merged = [p for p in labels if p.merged]
    assert merged and all(p.left.name and p.right.name and p.left.comuna for p in merged)


def test_training_stores_a_signed_model_and_the_promoted_one_is_served(driver, catalog, decided):
    report = train_pair_model(driver, catalog, KEY)
    assert report.train_decisions + report.holdout_decisions >= decided
    assert set(report.metrics) == {"learned", "prior"}
    # The simulated advisor's rules differ from the prior's weights: learning from them must pay.
    assert report.promoted and report.metrics["learned"]["brier"] < report.metrics["prior"]["brier"]
    stored = promoted_pair_model(driver)
    assert stored is not None
    if stored:
        assert stored["version"] == report.model.version
        served = serving_pair_model(driver, KEY)
        assert served.version == report.model.version and served.kind == "logistic"
        # Tampered in Neo4j: refused, the prior scores pairs again.
        data = json.loads(stored["params"])
        data["intercept"] += 3.0
        driver.execute_query("MATCH (m:PairModel {version: $v}) SET m.params = $p", v=stored["version"],
                             p=json.dumps(data))
        assert serving_pair_model(driver, KEY).version == prior_model().version
        assert serving_pair_model(driver, b"other key" * 4).version == prior_model().version
