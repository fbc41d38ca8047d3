"""Rankers over the feature matrix: a transparent prior and a learned logistic model.

Both are linear in the features, so every score splits exactly into
``score = baseline + sum(contributions)``:

- the prior (``PriorRanker``) scores ``sum(w_i * x_i)`` with the documented ``PRIOR_WEIGHTS``;
  its baseline is 0 (a candidate with every feature at 0) and a contribution is ``w_i * x_i``;
- the learned model is ``StandardScaler -> LogisticRegression``; its score is the log-odds of
  acceptance, its baseline the intercept (the log-odds of an average training candidate) and a
  contribution ``coef_i * (x_i - mean_i) / scale_i``.

Preference boosts (``prefer=`` on the need) are added on top with a fixed weight per ranker and
shown as reasons; the learned model never sees them, nor the owner's gender.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from matching.features import ALL_FEATURES, FEATURES, PREFERENCE_FEATURES

PRIOR_VERSION = "prior-v1"

# The prior's weights: what an advisor would check first, before any decision was recorded.
# Fit with the need (sector, certifications, place) dominates; history and text refine. They sum
# to 1.0 over the positive weights, so a perfect candidate scores about 1.
PRIOR_WEIGHTS: dict[str, float] = {
    "sector_similarity": 0.20,      # doing exactly what is asked matters most
    "proximity": 0.14,              # local supply is the program's purpose
    "same_comuna": 0.04,
    "adjacent_comuna": 0.02,
    "same_province": 0.02,
    "same_region": 0.02,
    "cert_coverage": 0.18,          # required certifications, valid (in progress counts half)
    "cert_missing": -0.10,          # each missing required certification costs on top
    "other_certifications": 0.03,   # quality culture beyond what was asked
    "capacity_fit": 0.08,           # can it supply the volume?
    "text_similarity": 0.12,        # does it make what the description says?
    "alliances_with_buyer": 0.04,
    "alliances_with_sector": 0.02,
    "cooperative": 0.02,
    "advisory_hours": 0.02,
    "past_accepted": 0.03,
    "past_rejected": -0.02,
    "supplier_closeness": 0.02,
}
# A requested preference adds this much, on each ranker's own scale: a tenth of the prior's
# range, and 0.5 log-odds (odds x1.65) for the learned model.
PRIOR_PREFERENCE_BOOST = 0.10
LEARNED_PREFERENCE_BOOST = 0.5
# Inverse regularization of the logistic model: decisions are few and noisy, keep weights modest.
LEARNED_C = 0.5


class PriorRanker(RegressorMixin, BaseEstimator):
    """A linear scorer with fixed weights: ``predict(X) = X @ weights``. Nothing is learned.

    Parameters
    ----------
    weights : array-like of shape (n_features,), default=None
        One weight per column. ``None`` weighs every column equally (``1 / n_features``); the
        service uses ``prior_ranker()``, which passes ``PRIOR_WEIGHTS`` in ``FEATURES`` order.
    """

    def __init__(self, weights=None):
        self.weights = weights

    def fit(self, X, y=None):
        """Check ``X`` (and ``y`` when given, though it is not used) and fix the coefficients."""
        if y is None:
            X = validate_data(self, X, dtype=np.float64)
        else:
            X, _ = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        if self.weights is None:
            coef = np.full(X.shape[1], 1.0 / X.shape[1])
        else:
            coef = np.asarray(self.weights, dtype=np.float64).ravel()
            if coef.shape[0] != X.shape[1]:
                raise ValueError(f"weights has {coef.shape[0]} values but X has {X.shape[1]} features")
        self.coef_ = coef
        self.intercept_ = 0.0
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.coef_ + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True  # fixed weights: it does not try to fit y
        tags.target_tags.required = False
        return tags


def prior_ranker() -> PriorRanker:
    """The fitted prior over ``FEATURES``."""
    ranker = PriorRanker(weights=tuple(PRIOR_WEIGHTS[name] for name in FEATURES))
    return ranker.fit(np.zeros((1, len(FEATURES))))


def learned_pipeline() -> Pipeline:
    """The model ``encadena train`` fits: standardized features, balanced logistic regression."""
    return Pipeline([
        ("scale", StandardScaler()),
        ("model", LogisticRegression(C=LEARNED_C, class_weight="balanced", max_iter=2000)),
    ])


def linear_terms(estimator) -> tuple[np.ndarray, np.ndarray, float]:
    """``(offset, coef, intercept)`` with ``score(x) = intercept + coef @ (x - offset)``."""
    if isinstance(estimator, PriorRanker):
        check_is_fitted(estimator)
        return np.zeros_like(estimator.coef_), estimator.coef_, float(estimator.intercept_)
    if isinstance(estimator, Pipeline):
        scaler, model = estimator.named_steps["scale"], estimator.named_steps["model"]
        check_is_fitted(model)
        coef = np.asarray(model.coef_, dtype=np.float64).ravel() / scaler.scale_
        return np.asarray(scaler.mean_, dtype=np.float64), coef, float(np.ravel(model.intercept_)[0])
    raise TypeError(f"not a linear ranker: {type(estimator).__name__}")


@dataclass
class Ranker:
    """A servable ranker: a version, a fitted linear estimator over ``FEATURES`` and its preference boost."""

    version: str
    kind: str  # prior | learned
    estimator: object
    preference_boost: float
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        offset, coef, intercept = linear_terms(self.estimator)
        if coef.shape[0] != len(FEATURES):
            raise ValueError(f"ranker {self.version} has {coef.shape[0]} features, expected {len(FEATURES)}")
        n_pref = len(PREFERENCE_FEATURES)
        self._offset = np.concatenate([offset, np.zeros(n_pref)])
        self._coef = np.concatenate([coef, np.full(n_pref, self.preference_boost)])
        self.baseline = intercept

    @property
    def weights(self) -> dict[str, float]:
        """Per-feature weight on the raw [0, 1] scale (for ``GET /model`` and docs)."""
        return {name: round(float(w), 6) for name, w in zip(ALL_FEATURES, self._coef, strict=True)}

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """Per-candidate, per-feature contribution; each row sums to ``score - baseline``."""
        return (matrix - self._offset) * self._coef

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        return self.baseline + self.contributions(matrix).sum(axis=1)


def prior() -> Ranker:
    """The ranker served before any model is trained and promoted."""
    return Ranker(PRIOR_VERSION, "prior", prior_ranker(), PRIOR_PREFERENCE_BOOST)


def order(scores: np.ndarray, ruts: list[str], limit: int | None = None) -> np.ndarray:
    """Indices best first (the first ``limit`` when given); ties broken by RUT, so the order is deterministic.

    Scores are compared rounded to 9 decimals, so float noise between equal candidates is a tie.
    """
    rounded = np.round(np.asarray(scores, dtype=float), 9)
    chosen = np.arange(rounded.shape[0])
    if limit is not None and limit < rounded.shape[0]:
        # Everything scoring at least the limit-th best score, ties included, then an exact sort.
        threshold = np.partition(rounded, rounded.shape[0] - limit)[rounded.shape[0] - limit]
        chosen = np.flatnonzero(rounded >= threshold)
    ranked = sorted(chosen.tolist(), key=lambda i: (-rounded[i], ruts[i]))
    return np.asarray(ranked[:limit] if limit is not None else ranked, dtype=np.int64)
