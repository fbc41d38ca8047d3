"""The pair model (pure): documented prior weights, scores as probabilities, JSON round trip."""

from __future__ import annotations

import json
import math

import pytest

from matching.comparisons import COMPARISONS
from matching.dedupe import FirmName, find_duplicates
from matching.pair_model import PRIOR_LEVELS, PairModel, bits_for, prior_model, probability

RANCAGUA = "06101"


def test_every_level_has_a_documented_prior():
    assert [c.name for c in COMPARISONS] == list(PRIOR_LEVELS)
    for comparison in COMPARISONS:
        assert list(PRIOR_LEVELS[comparison.name]) == list(comparison.levels)
        for level in PRIOR_LEVELS[comparison.name].values():
            assert 0 < level.m <= 1 and 0 < level.u <= 1 and level.meaning


def test_prior_weights_are_log2_m_over_u():
    model = prior_model()
    spec = PRIOR_LEVELS["forma"]["distinta"]
    assert model.weights["forma"]["distinta"] == pytest.approx(math.log2(spec.m / spec.u), abs=1e-4)
    assert model.weights["rut"]["igual"] > 10 > 0 > model.weights["rut"]["distinto"]


@pytest.mark.parametrize("score", [0.5, 12.0, 50.0, 91.0, 99.5])
def test_scores_and_bits_are_the_same_scale(score):
    assert 100 * probability(bits_for(score)) == pytest.approx(score)


def test_model_round_trips_through_json_and_scores_the_same():
    model = prior_model()
    model.weights["ciiu"]["distinta"] = -6.25
    model = PairModel(model.version, "logistic", model.intercept + 0.5, model.weights, 0.8, reference_records=5000,
                      metrics={"holdout": {"learned": {"brier": 0.05}}}, created_at="2026-12-04T10:00:00+00:00")
    text = model.to_json()
    data = json.loads(text)
    assert data["format"] == "encadena-pair-model" and data["kind"] == "logistic"
    assert data["weights"]["ciiu"]["distinta"] == -6.25
    again = PairModel.from_json(text)
    assert again.to_dict() == model.to_dict()
    firms = [FirmName("1", "Comercial Los Peumos Ltda.", RANCAGUA, ("4630",)),
             FirmName("2", "Com. Los Peumos", RANCAGUA, ("4690",))]
    assert [m.score for m in find_duplicates(firms, model=again, threshold=0)] == \
        [m.score for m in find_duplicates(firms, model=model, threshold=0)]


def test_loading_refuses_other_formats():
    with pytest.raises(ValueError):
        PairModel.from_dict({"format": "pickle", "format_version": 1})


def test_a_model_weight_changes_the_score():
    firms = [FirmName("1", "Comercial Los Peumos Ltda.", RANCAGUA, ("4630",)),
             FirmName("2", "Com. Los Peumos", RANCAGUA, ("4690",))]
    before = find_duplicates(firms, threshold=0)[0]
    stricter = prior_model()
    stricter.weights["ciiu"]["misma_division"] = -10.0
    after = find_duplicates(firms, model=PairModel.from_dict(stricter.to_dict()), threshold=0)[0]
    assert ("ciiu", "misma_division", -10.0) in after.weights
    assert after.score < before.score
