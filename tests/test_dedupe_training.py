"""Learning the pair model from advisors' decisions (pure): time split, promotion, JSON."""

from __future__ import annotations

import random

import pytest

from graph_schema.reference import package_catalog
from matching.dedupe import find_duplicates
from matching.dedupe_training import LabeledPair, register_of, train
from matching.errors import Conflict
from matching.pair_model import PairModel, prior_model
from scripts.dedupe_sets import tuning_set
from scripts.demo.simulated_advisor import advisor_merges, review_queue

# The review queue is every pair the prior scores at this or more, so that it holds both kinds.
REVIEW_FLOOR = 10.0


@pytest.fixture(scope="module")
def decisions():
    adjacency = package_catalog().adjacency
    data = tuning_set(15_000, 11)
    matches = find_duplicates(data.records, threshold=REVIEW_FLOOR, adjacency=adjacency)
    records = {r.id: r for r in data.records}
    queue = review_queue(matches, records, data.entity_of, random.Random(11), adjacency=adjacency)
    return queue, register_of(data.records, adjacency)


def test_weights_learned_from_the_simulated_advisor_beat_the_prior_on_later_decisions(decisions):
    queue, register = decisions
    report = train(queue, register)
    learned, prior = report.metrics["learned"], report.metrics["prior"]
    assert report.promoted
    assert learned["brier"] < prior["brier"]
    assert learned["accuracy"] > prior["accuracy"]
    assert report.holdout_decisions == pytest.approx(len(queue) / 4, abs=2)
    # The advisor refuses conflicting legal forms without proof: the learned weight is harsher.
    assert report.model.weights["forma"]["distinta"] < prior_model().weights["forma"]["distinta"] - 0.5


def test_learned_model_serializes_as_json_and_scores_like_before(decisions):
    queue, register = decisions
    model = train(queue, register).model
    again = PairModel.from_json(model.to_json())
    assert again.to_dict() == model.to_dict()
    assert again.kind == "logistic" and again.metrics["promoted"] is True
    sample = [pair.left for pair in queue[:40]] + [pair.right for pair in queue[:40]]
    unique = list({r.id: r for r in sample}.values())
    assert [m.score for m in find_duplicates(unique, model=again, threshold=0)] == \
        [m.score for m in find_duplicates(unique, model=model, threshold=0)]


def test_too_few_decisions_do_not_train(decisions):
    queue, register = decisions
    with pytest.raises(Conflict):
        train(queue[:10], register)
    only_merges = [LabeledPair(p.left, p.right, True, p.decided_at) for p in queue[:200]]
    with pytest.raises(Conflict):
        train(only_merges, register)


def test_simulated_advisor_follows_its_own_rules():
    from matching.dedupe import FirmName

    rng = random.Random(0)
    a = FirmName("1", "Comercial Los Peumos Ltda.", "06101", ("4630",), phone="+56 9 1234 5678")
    b = FirmName("2", "Comercial Los Peumos S.A.", "06101", ("4630",))
    decisions = [advisor_merges(a, b, True, rng) for _ in range(200)]
    assert sum(decisions) < 20  # conflicting legal forms, no proof: "distintas" (but for mistakes)
    same_phone = FirmName("2", "Comercial Los Peumos S.A.", "06101", ("4630",), phone="912345678")
    assert sum(advisor_merges(a, same_phone, False, rng) for _ in range(200)) > 180
