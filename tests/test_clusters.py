"""Clusters of proposed pairs and their quality against true firms (pure)."""

from __future__ import annotations

from matching.clusters import (
    MAX_CLUSTER_SIZE,
    cluster_of,
    cluster_quality,
    clusters,
    recall_at_precision,
    threshold_sweep,
)


def test_chains_merge_into_one_cluster():
    found = clusters([("a", "b"), ("b", "c"), ("x", "y")])
    assert [(c.id, c.members) for c in found] == [("a", ("a", "b", "c")), ("x", ("x", "y"))]
    assert cluster_of([("c", "b"), ("b", "a")])["c"].id == "a"


def test_clusters_above_the_limit_are_suspicious():
    chain = [(str(i), str(i + 1)) for i in range(MAX_CLUSTER_SIZE)]
    [big] = clusters(chain)
    assert big.size == MAX_CLUSTER_SIZE + 1 and big.suspicious
    [small] = clusters(chain[:-1])
    assert not small.suspicious


def test_quality_counts_pairs_within_clusters():
    entity_of = {"a": "1", "b": "1", "c": "1", "x": "2", "y": "3", "z": "4"}
    # a-b found, b-x wrongly chains x in: cluster {a, b, x} has 3 pairs, 1 right; c is missed.
    quality = cluster_quality([("a", "b"), ("b", "x")], entity_of)
    assert (quality.predicted_pairs, quality.true_pairs, quality.correct_pairs) == (3, 3, 1)
    assert quality.precision == 1 / 3 and quality.recall == 1 / 3


def test_threshold_sweep_matches_clustering_at_each_cut():
    entity_of = {"a": "1", "b": "1", "c": "1", "d": "2", "e": "2", "f": "3"}
    scored = [("a", "b", 99.0), ("b", "c", 90.0), ("c", "d", 60.0), ("d", "e", 95.0), ("e", "f", 40.0)]
    points = threshold_sweep(scored, entity_of)
    assert [p.threshold for p in points] == [99.0, 95.0, 90.0, 60.0, 40.0]
    for point in points:
        kept = [(a, b) for a, b, s in scored if s >= point.threshold]
        assert point.quality == cluster_quality(kept, entity_of)
    best = recall_at_precision(points, 0.95)
    assert best.threshold == 90.0 and best.quality.recall == 1.0
