"""Clusters of possible duplicates, and how good they are against the truth.

Pairs chain: if A–B and B–C are merged, A, B and C become one firm. An advisor following the
review queue therefore merges *connected components* of the proposed pairs, not pairs. A
component of more than ``MAX_CLUSTER_SIZE`` records is more likely a chain of namesakes
("Díaz SpA", "Díaz S.A.", "Inversiones Díaz"...) than one firm written five times, so it is flagged.

Quality on clusters (used by ``encadena bench dedupe``): the proposed pairs are closed under
chaining, i.e. every two records of one component count as a predicted pair, and compared with
every two records of one true firm:

- precision = predicted pairs that are the same firm / predicted pairs;
- recall    = pairs of records of one firm that end in the same component / such pairs;
- F1        = their harmonic mean.

A wrong link between two components of sizes a and b costs a * b false pairs, so a matcher that
chains namesakes is punished as an advisor following the chains would be.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# Components with more records than this are flagged for careful review.
MAX_CLUSTER_SIZE = 4


class UnionFind:
    """Disjoint sets of hashable items, merged by size, with path halving."""

    def __init__(self) -> None:
        self.parent: dict = {}
        self.size: dict = {}

    def find(self, x):
        parent = self.parent
        if x not in parent:
            parent[x] = x
            self.size[x] = 1
            return x
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a, b):
        """Merge the sets of ``a`` and ``b``; return ``(root, other)``, or ``None`` when already one set."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return ra, rb


@dataclass(frozen=True)
class Cluster:
    """A connected component of proposed pairs: its id (smallest record id) and its records."""

    id: str
    members: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def suspicious(self) -> bool:
        return self.size > MAX_CLUSTER_SIZE


def clusters(pairs: Iterable[tuple[str, str]]) -> list[Cluster]:
    """Connected components of ``pairs``, largest first, then by id."""
    sets = UnionFind()
    for a, b in pairs:
        sets.union(a, b)
    groups: dict = defaultdict(list)
    for item in sets.parent:
        groups[sets.find(item)].append(item)
    out = [Cluster(min(members), tuple(sorted(members))) for members in groups.values()]
    out.sort(key=lambda c: (-c.size, c.id))
    return out


def cluster_of(pairs: Iterable[tuple[str, str]]) -> dict[str, Cluster]:
    """Each record id in ``pairs`` -> its cluster."""
    return {member: cluster for cluster in clusters(pairs) for member in cluster.members}


# -- quality against the truth ----------------------------------------------------------------------

@dataclass(frozen=True)
class ClusterQuality:
    """Pairwise precision, recall and F1 of predicted clusters against true firms (module docstring)."""

    predicted_pairs: int
    true_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _true_pairs(entity_of: Mapping[str, str]) -> int:
    sizes = Counter(entity_of.values())
    return sum(n * (n - 1) // 2 for n in sizes.values())


def cluster_quality(pairs: Iterable[tuple[str, str]], entity_of: Mapping[str, str]) -> ClusterQuality:
    """Quality of the clusters that ``pairs`` chain into; ``entity_of`` maps every record id to its firm."""
    predicted = correct = 0
    for cluster in clusters(pairs):
        predicted += cluster.size * (cluster.size - 1) // 2
        firms = Counter(entity_of[m] for m in cluster.members)
        correct += sum(n * (n - 1) // 2 for n in firms.values())
    return ClusterQuality(predicted, _true_pairs(entity_of), correct)


@dataclass(frozen=True)
class SweepPoint:
    """Cluster quality when every pair scoring at least ``threshold`` is kept."""

    threshold: float
    quality: ClusterQuality


def threshold_sweep(scored: Sequence[tuple[str, str, float]], entity_of: Mapping[str, str]) -> list[SweepPoint]:
    """Cluster quality at every distinct score of ``scored`` (``(left, right, score)``), highest first.

    Pairs are added best first and components merged incrementally, each keeping a count of its
    records per true firm, so the whole sweep costs about as much as one clustering.
    """
    sets = UnionFind()
    firms_in: dict[str, Counter] = {}
    predicted = correct = 0
    true_pairs = _true_pairs(entity_of)
    points: list[SweepPoint] = []
    ordered = sorted(scored, key=lambda t: -t[2])
    for k, (a, b, score) in enumerate(ordered):
        for x in (a, b):
            if x not in sets.parent:
                sets.find(x)
                firms_in[x] = Counter({entity_of[x]: 1})
        merged = sets.union(a, b)
        if merged is not None:
            root, other = merged
            big, small = firms_in[root], firms_in.pop(other)
            size_big = sets.size[root] - sets.size[other]
            predicted += size_big * sets.size[other]
            correct += sum(n * big.get(firm, 0) for firm, n in small.items())
            big.update(small)
        if k + 1 == len(ordered) or ordered[k + 1][2] != score:
            points.append(SweepPoint(score, ClusterQuality(predicted, true_pairs, correct)))
    return points


def recall_at_precision(points: Sequence[SweepPoint], min_precision: float) -> SweepPoint | None:
    """The point of highest recall whose precision is at least ``min_precision``."""
    eligible = [p for p in points if p.quality.precision >= min_precision]
    return max(eligible, key=lambda p: (p.quality.recall, p.threshold)) if eligible else None
