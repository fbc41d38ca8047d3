"""Learn the pair model's weights from advisors' decisions; promote them only if they beat the prior.

Input: ``LabeledPair``\\s, two ``FirmName`` records and the advisor's decision (merged = 1,
"distintas" = 0) with its time, plus the register the pairs were found in (how many records it
has and how often each key occurs, for the name's term frequency).

Recipe, like the ranker's (``matching.training``):

1. Time-ordered split: the cut-off is the ``1 - holdout_fraction`` quantile of decision times;
   decisions at or after it are held out, the earlier ones train.
2. Fit: a logistic regression on one-hot comparison levels (and the exact name's frequency
   term) whose offset is the prior's weight of each pair, with an L2 penalty ``PRIOR_STRENGTH``
   on the corrections. So the learned weight of a level is the prior's plus a correction the
   decisions pay for; a level advisors never saw keeps its prior weight. Everything is in bits,
   the same table as the prior (``matching.pair_model.PairModel``).
3. Evaluate the learned weights and the prior on the held-out decisions: Brier score (primary),
   log loss, ROC AUC and accuracy at ``matching.dedupe.DUPLICATE_THRESHOLD``.
4. Refit on every decision; ``promoted`` only if the held-out Brier score is lower than the
   prior's.

Pure: numpy and scikit-learn's metrics; no database. The model serializes as JSON
(``PairModel.to_json``).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from matching.comparisons import COMPARISONS, EXACT_NAME, Register, compare, prepare
from matching.dedupe import DUPLICATE_THRESHOLD, FirmName
from matching.errors import Conflict
from matching.pair_model import PairModel, prior_model

HOLDOUT_FRACTION = 0.25
# Fewer decisions than this, or no merges or no "distintas" among them, cannot train anything useful.
MIN_DECISIONS = 30
# L2 penalty on the corrections to the prior, in units of a logistic regression's C = 1 / strength:
# a correction of one nat costs as much log-likelihood as this many decisions explain.
PRIOR_STRENGTH = 5.0
# Newton steps: the penalized log-likelihood is strictly concave, a handful converge.
MAX_NEWTON_STEPS = 50
NEWTON_TOLERANCE = 1e-8
# The promotion metric: the Brier score (mean squared error of the probability), a proper score
# that, unlike log loss, a few confident advisor mistakes cannot dominate.
METRIC = "brier"
_LN2 = math.log(2.0)
_COLUMNS = [(c.name, level) for c in COMPARISONS for level in c.levels]


@dataclass(frozen=True)
class LabeledPair:
    """An advisor's decision on a pair: ``merged`` (1) or marked distinct (0), at ``decided_at`` (POSIX s)."""

    left: FirmName
    right: FirmName
    merged: bool
    decided_at: float


@dataclass
class PairTrainingReport:
    """What a training run produced and how it compares with the prior on later decisions."""

    model: PairModel
    promoted: bool
    metrics: dict[str, dict]
    train_decisions: int
    holdout_decisions: int
    cutoff: str
    created_at: str
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Examples:
    """The design of a set of decisions: one-hot levels, frequency term, prior offset (bits), labels."""

    levels: np.ndarray  # (n, levels) of 0/1
    tf_bits: np.ndarray  # (n,) the exact name's frequency term, 0 for other name levels
    prior_bits: np.ndarray  # (n,) the prior model's weight of each pair
    merged: np.ndarray  # (n,) 0/1
    decided_at: np.ndarray  # (n,)


def examples(pairs: Sequence[LabeledPair], register: Register, prior: PairModel | None = None) -> Examples:
    """Compare every labeled pair as ``find_duplicates`` would, within ``register``."""
    prior = prior or prior_model()
    size_bits = prior.size_bits(register.records)
    index = {column: i for i, column in enumerate(_COLUMNS)}
    levels = np.zeros((len(pairs), len(_COLUMNS)))
    tf = np.zeros(len(pairs))
    offset = np.zeros(len(pairs))
    for k, pair in enumerate(pairs):
        a, b = prepare(pair.left), prepare(pair.right)
        compared = compare(a, b, register)
        for comparison, level in zip(COMPARISONS, compared.indices, strict=True):
            levels[k, index[(comparison.name, comparison.levels[level])]] = 1.0
        if compared.indices[0] == EXACT_NAME:
            tf[k] = prior.tf_bits(a, register)
        offset[k] = prior.bits(a, compared, register, size_bits)
    return Examples(levels, tf, offset, np.array([float(p.merged) for p in pairs]),
                    np.array([p.decided_at for p in pairs], dtype=float))


def register_of(records: Sequence[FirmName], adjacency: Mapping[str, frozenset[str]] | None = None) -> Register:
    """The register context (size, key and word frequencies, adjacency) of a set of records."""
    return Register.of([prepare(r) for r in records], adjacency)


def _design(ex: Examples) -> np.ndarray:
    """Columns of the corrections: intercept, one-hot levels, frequency term."""
    return np.column_stack([np.ones(len(ex.merged)), ex.levels, ex.tf_bits])


def _objective(X: np.ndarray, y: np.ndarray, offset: np.ndarray, beta: np.ndarray, penalty: np.ndarray) -> float:
    eta = offset + X @ beta
    return float(np.sum(y * eta - np.logaddexp(0.0, eta)) - 0.5 * np.sum(penalty * beta * beta))


def fit_corrections(ex: Examples, strength: float = PRIOR_STRENGTH) -> np.ndarray:
    """Corrections (nats) to the prior: Newton's method with step halving on the L2-penalized
    log-likelihood of a logistic regression whose offset is the prior's weight."""
    X = _design(ex)
    offset = ex.prior_bits * _LN2
    y = ex.merged
    beta = np.zeros(X.shape[1])
    penalty = np.full(X.shape[1], strength)
    current = _objective(X, y, offset, beta, penalty)
    for _ in range(MAX_NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-np.clip(offset + X @ beta, -60, 60)))
        gradient = X.T @ (y - p) - penalty * beta
        hessian = (X * (p * (1 - p))[:, None]).T @ X + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        size = 1.0
        while size > 1e-4:
            candidate = _objective(X, y, offset, beta + size * step, penalty)
            if candidate >= current:
                break
            size /= 2
        else:
            break
        beta = beta + size * step
        improvement, current = candidate - current, candidate
        if improvement < NEWTON_TOLERANCE:
            break
    return beta


def learned_model(prior: PairModel, corrections: np.ndarray, register: Register, version: str,
                  created_at: str | None = None) -> PairModel:
    """The prior plus the corrections, as a ``PairModel`` (all in bits) fitted at ``register``'s size."""
    bits = corrections / _LN2
    weights = {c.name: dict(prior.weights[c.name]) for c in COMPARISONS}
    for (name, level), correction in zip(_COLUMNS, bits[1:-1], strict=True):
        weights[name][level] = round(weights[name][level] + float(correction), 4)
    # The prior's size term at the training register is folded into the intercept, so that the
    # model's size term is zero there and shifts it like the prior's elsewhere.
    intercept = prior.intercept + prior.size_bits(register.records) + float(bits[0])
    return PairModel(version, "logistic", round(intercept, 4), weights, round(prior.tf_weight + float(bits[-1]), 4),
                     reference_records=register.records, created_at=created_at)


def model_bits(model: PairModel, ex: Examples, register: Register) -> np.ndarray:
    """Each example's weight in bits under ``model``."""
    table = np.array([model.weights[name][level] for name, level in _COLUMNS])
    return model.intercept + model.size_bits(register.records) + ex.levels @ table + model.tf_weight * ex.tf_bits


def evaluate(bits: np.ndarray, merged: np.ndarray) -> dict:
    """Brier score, log loss, ROC AUC and accuracy at the default threshold of weights ``bits``."""
    p = 1.0 / (1.0 + np.power(2.0, -np.clip(bits, -60, 60)))
    p = np.clip(p, 1e-6, 1 - 1e-6)
    both = len(set(merged.tolist())) == 2
    return {
        "brier": round(float(np.mean((p - merged) ** 2)), 4),
        "log_loss": round(float(log_loss(merged, p, labels=[0, 1])), 4),
        "roc_auc": round(float(roc_auc_score(merged, p)), 4) if both else None,
        "accuracy": round(float(np.mean((p * 100 >= DUPLICATE_THRESHOLD) == (merged == 1))), 4),
        "decisions": int(len(merged)),
        "merged": int(merged.sum()),
    }


def _subset(ex: Examples, mask: np.ndarray) -> Examples:
    return Examples(ex.levels[mask], ex.tf_bits[mask], ex.prior_bits[mask], ex.merged[mask], ex.decided_at[mask])


def _check_enough(ex: Examples, what: str) -> None:
    merged = int(ex.merged.sum())
    if len(ex.merged) < MIN_DECISIONS or merged == 0 or merged == len(ex.merged):
        raise Conflict(
            f"Hay {len(ex.merged)} decisiones {what} ({merged} fusiones, {len(ex.merged) - merged} «distintas»); "
            f"para entrenar se necesitan al menos {MIN_DECISIONS}, con fusiones y «distintas». Registre más "
            "decisiones sobre posibles duplicados."
        )


def train(pairs: Sequence[LabeledPair], register: Register, *, prior: PairModel | None = None,
          now: datetime | None = None, holdout_fraction: float = HOLDOUT_FRACTION,
          strength: float = PRIOR_STRENGTH) -> PairTrainingReport:
    """Evaluate learned weights against the prior on a time split, refit on everything, decide promotion."""
    prior = prior or prior_model()
    now = now or datetime.now(UTC)
    ex = examples(pairs, register, prior)
    _check_enough(ex, "registradas")
    cutoff = float(np.quantile(ex.decided_at, 1.0 - holdout_fraction, method="lower"))
    before = ex.decided_at < cutoff
    train_ex, test_ex = _subset(ex, before), _subset(ex, ~before)
    _check_enough(train_ex, "anteriores al corte temporal")
    if len(set(test_ex.merged.tolist())) < 2:
        raise Conflict("Las decisiones recientes (las que se reservan para evaluar) son todas del mismo tipo; "
                       "registre más decisiones antes de entrenar.")
    split = learned_model(prior, fit_corrections(train_ex, strength), register, "split")
    metrics = {"learned": evaluate(model_bits(split, test_ex, register), test_ex.merged),
               "prior": evaluate(test_ex.prior_bits, test_ex.merged)}
    learned, base = metrics["learned"], metrics["prior"]
    # AUC is reported, not required: on a few hundred held-out decisions it moves by noise.
    promoted = learned[METRIC] < base[METRIC]
    version = "fs-" + now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)
    final = learned_model(prior, fit_corrections(ex, strength), register, version, now.isoformat())
    final.metrics = {"holdout": metrics, "promoted": promoted, "train_decisions": int(before.sum()),
                     "holdout_decisions": int((~before).sum()), "decisions": len(pairs)}
    return PairTrainingReport(final, promoted, metrics, int(before.sum()), int((~before).sum()),
                              datetime.fromtimestamp(cutoff, UTC).isoformat(), now.isoformat())
