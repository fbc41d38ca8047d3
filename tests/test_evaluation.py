"""Ranking metrics, the time-ordered split and training on a synthetic history (no database)."""

from __future__ import annotations

import math
import random

import pytest

from matching.candidates import sector_tiers
from matching.catalog import Catalog
from matching.errors import Conflict
from matching.evaluation import NeedHistory, average_precision, ndcg_at_k, recall_at_k
from matching.features import NeedContext
from matching.training import METRIC, time_split, train

DAY = 86_400.0


@pytest.mark.parametrize(
    ("relevance", "expected"),
    [([1, 0, 0], 1.0), ([0, 1], 1 / math.log2(3)), ([0, 0, 0], 0.0), ([0, 1, 1], (1 / math.log2(3) + 0.5) /
                                                                       (1 + 1 / math.log2(3)))],
    ids=["first", "second", "none", "two-late"],
)
def test_ndcg(relevance, expected):
    assert ndcg_at_k(relevance, 10) == pytest.approx(expected)


def test_ndcg_only_counts_the_first_k():
    assert ndcg_at_k([0] * 10 + [1], 10) == 0.0


def test_average_precision_and_recall():
    assert average_precision([1, 0, 1]) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision([0, 0]) == 0.0
    assert recall_at_k([0] * 20 + [1], 20) == 0.0
    assert recall_at_k([1, 0, 1, 0], 2) == 0.5


def synthetic_histories(catalog: Catalog, n_needs: int = 40, seed: int = 3) -> list[NeedHistory]:
    """A buyer who accepts cooperatives with many advisory hours, whatever their distance or certifications."""
    rng = random.Random(seed)
    talca = catalog.resolve_comuna("Talca").cut
    nearby = catalog.comunas_within(talca, 90)
    firms = []
    for i in range(120):
        firms.append({
            "rut": f"{1000 + i}-{i % 10}", "name": f"F{i}", "comuna": rng.choice(nearby), "sectors": ["1104"],
            "size_segment": "micro_2", "annual_sales_uf": rng.uniform(100, 20_000), "owner_gender": "M",
            "products": "jugos naturales", "cooperative": i < 24, "coops": [],
            "certs": [["HACCP", "valid", None]] if rng.random() < 0.5 else [],
            "advisory_hours": float(rng.choice([0, 0, 4, 10, 30, 60])), "alliances": [], "proposals": [],
        })
    histories = []
    tiers = sector_tiers(catalog, ["1104"])
    for k in range(n_needs):
        start = 1_700_000_000.0 + k * 7 * DAY
        ctx = NeedContext(need_id=f"need_{k:012x}", buyer_rut="76000000-0", comuna=talca, radius_km=100.0,
                          sectors=("1104",), text="Jugos para el casino", required=("HACCP",), as_of=start)
        proposed = rng.sample(firms, 10)
        labels, decided = {}, {}
        for j, f in enumerate(proposed):
            utility = 2.2 * f["cooperative"] + 0.9 * math.log1p(f["advisory_hours"]) + rng.gauss(0, 0.6)
            labels[f["rut"]] = int(utility > 3.0)
            decided[f["rut"]] = start + DAY + j * 3600
        histories.append(NeedHistory(ctx, firms, tiers, labels, min(decided.values()), decided))
    return histories


def test_time_split_holds_out_the_latest_needs_and_trains_only_on_earlier_decisions(catalog):
    histories = synthetic_histories(catalog)
    train_needs, test_needs, cutoff = time_split(histories, 0.25)
    assert test_needs and train_needs
    assert min(h.first_decided_at for h in test_needs) >= cutoff
    assert all(h.decided_at[r] < cutoff for h in train_needs for r in h.labels)
    assert not {h.context.need_id for h in train_needs} & {h.context.need_id for h in test_needs}


def test_learned_model_beats_the_prior_when_buyers_want_something_else(catalog):
    report = train(synthetic_histories(catalog), catalog)
    assert report.promoted
    assert report.metrics["learned"][METRIC] > report.metrics["prior"][METRIC]
    assert set(report.metrics) == {"learned", "prior", "sector_only"}
    weights = report.ranker.weights
    assert weights["cooperative"] > 0 and weights["advisory_hours"] > 0
    assert report.ranker.version.startswith("lr-")


def test_too_few_decisions_cannot_train(catalog):
    with pytest.raises(Conflict, match="se necesitan al menos 20"):
        train(synthetic_histories(catalog, n_needs=1), catalog)
