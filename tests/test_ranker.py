"""The rankers without a database: estimator contract, exact linear explanations, deterministic order."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from matching.features import ALL_FEATURES, FEATURES, PREFERENCE_FEATURES
from matching.ranker import (
    LEARNED_PREFERENCE_BOOST,
    PRIOR_PREFERENCE_BOOST,
    PRIOR_VERSION,
    PRIOR_WEIGHTS,
    PriorRanker,
    Ranker,
    learned_pipeline,
    order,
    prior,
)

# check_array_api_input needs SCIPY_ARRAY_API set before scipy is imported and an array-API
# library; PriorRanker declares no array-API support, so that one check is left out rather
# than reported as skipped. Every other check of the contract runs.
_ALL_CHECKS = parametrize_with_checks([PriorRanker()])
_CONTRACT = pytest.mark.parametrize(
    _ALL_CHECKS.args[0],
    [(est, check) for est, check in _ALL_CHECKS.args[1] if check.func.__name__ != "check_array_api_input"],
    **_ALL_CHECKS.kwargs,
)


@_CONTRACT
def test_prior_ranker_follows_the_estimator_contract(estimator, check):
    check(estimator)


def test_prior_weights_cover_every_model_feature_and_nothing_else():
    assert set(PRIOR_WEIGHTS) == set(FEATURES)
    assert sum(w for w in PRIOR_WEIGHTS.values() if w > 0) == pytest.approx(1.0)
    assert not set(PRIOR_WEIGHTS) & set(PREFERENCE_FEATURES)


def test_prior_with_wrong_number_of_weights_refuses_to_fit():
    with pytest.raises(ValueError, match="weights has 2 values"):
        PriorRanker(weights=(1.0, 2.0)).fit(np.zeros((3, 4)))


def test_prior_scores_are_exactly_the_sum_of_contributions():
    rng = np.random.default_rng(0)
    X = rng.random((50, len(ALL_FEATURES)))
    ranker = prior()
    contributions = ranker.contributions(X)
    assert ranker.version == PRIOR_VERSION
    assert ranker.baseline == 0.0
    np.testing.assert_allclose(ranker.scores(X), contributions.sum(axis=1))
    np.testing.assert_allclose(contributions[:, ALL_FEATURES.index("proximity")],
                               PRIOR_WEIGHTS["proximity"] * X[:, ALL_FEATURES.index("proximity")])
    np.testing.assert_allclose(contributions[:, ALL_FEATURES.index("prefer_women")],
                               PRIOR_PREFERENCE_BOOST * X[:, ALL_FEATURES.index("prefer_women")])


def test_learned_contributions_reproduce_the_pipeline_decision_function():
    rng = np.random.default_rng(1)
    X = rng.random((300, len(ALL_FEATURES)))
    y = (X[:, 0] + 0.5 * X[:, 3] + rng.normal(0, 0.2, 300) > 0.9).astype(int)
    model = learned_pipeline().fit(X[:, : len(FEATURES)], y)
    ranker = Ranker("lr-test", "learned", model, LEARNED_PREFERENCE_BOOST)
    X[:, len(FEATURES):] = 0.0  # no preferences asked: the score is the model's log-odds
    np.testing.assert_allclose(ranker.scores(X), model.decision_function(X[:, : len(FEATURES)]), atol=1e-9)
    np.testing.assert_allclose(ranker.baseline + ranker.contributions(X).sum(axis=1), ranker.scores(X))


def test_learned_pipeline_is_cloneable_and_unfitted_until_fit():
    model = learned_pipeline()
    twin = clone(model)
    assert twin.get_params()["model__class_weight"] == "balanced"
    with pytest.raises(Exception, match="not fitted"):
        Ranker("lr-x", "learned", twin, LEARNED_PREFERENCE_BOOST)


def test_ranker_rejects_a_model_with_other_features():
    model = learned_pipeline().fit(np.random.default_rng(2).random((20, 3)), [0, 1] * 10)
    with pytest.raises(ValueError, match="expected 18"):
        Ranker("lr-x", "learned", model, LEARNED_PREFERENCE_BOOST)


@pytest.mark.parametrize(
    ("scores", "ruts", "expected"),
    [
        ([0.5, 0.9, 0.1], ["3-5", "1-9", "2-7"], ["1-9", "3-5", "2-7"]),
        ([0.5, 0.5, 0.5], ["3-5", "1-9", "2-7"], ["1-9", "2-7", "3-5"]),
        ([0.5, 0.5 + 1e-12, 0.2], ["2-7", "1-9", "3-5"], ["1-9", "2-7", "3-5"]),
    ],
    ids=["by-score", "ties-by-rut", "float-noise-is-a-tie"],
)
def test_order_is_by_score_then_rut(scores, ruts, expected):
    assert [ruts[i] for i in order(np.asarray(scores), ruts)] == expected
