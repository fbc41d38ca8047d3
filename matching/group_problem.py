"""The supplier-group objective and rules, over index arrays both solvers share.

A group is a set ``S`` of eligible firms. It is **valid** when

- it has 1 to ``max_size`` members, and one member only if that member is a cooperative;
- it covers the volume: the members' capacities add up to at least ``volume_uf``;
- every member is needed: without any one member (the smallest suffices to check) the rest
  would not cover the volume. This is what keeps a firm that covers the volume alone out of
  ad hoc groups (it is a single-firm match) and keeps passengers out of every group;
- it never holds a cooperative together with one of its own members, whose pledge is already
  part of the cooperative's capacity (``matching.capacity``).

Its **score** (higher is better) is the sum of the ``TERMS``, each exposed so callers can explain it::

    member_score       MEMBER_SCORE_WEIGHT x mean of the members' ranking scores
    distance_to_buyer  -DISTANCE_PENALTY_PER_KM x mean km from the members to the buyer
    spread             -SPREAD_PENALTY_PER_KM x largest km between two members
    size               -EXTRA_MEMBER_PENALTY x (members - 1)
    over_coverage      -OVER_COVERAGE_PENALTY x (coverage - 1 - OVER_COVERAGE_FREE), when positive
    cooperative        +COOPERATIVE_BONUS when a member is a cooperative, or all members belong to one
    allied_pairs       +ALLIED_PAIR_BONUS x allied pairs in the group, counting at most ALLIED_PAIRS_COUNTED

Every term is linear in the members once the group's size is fixed, which is what lets the exact
solver (``matching.group_exact``) state it as a mixed-integer program. ``evaluate`` is the one
definition both solvers' results are scored with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from matching.catalog import haversine_km

if TYPE_CHECKING:
    from matching.groups import GroupCandidate

# The weights are set so that these count about the same (0.1 point): members scoring 0.1 better
# on average, 20 km less between the two farthest members, 25 km less to the buyer on average (the
# member scores already reward proximity), one member fewer, and an existing cooperative.
MEMBER_SCORE_WEIGHT = 1.0
DISTANCE_PENALTY_PER_KM = 0.004
SPREAD_PENALTY_PER_KM = 0.005
# Each member adds a contract, a delivery schedule and a point of failure for the buyer.
EXTRA_MEMBER_PENALTY = 0.08
# Up to 25 % of spare capacity is a healthy buffer; beyond, idle capacity costs mildly: 0.1 per
# 100 % more (a group covering 225 % loses 0.1).
OVER_COVERAGE_FREE = 0.25
OVER_COVERAGE_PENALTY = 0.10
# A cooperative already has governance, invoicing and a shared schedule.
COOPERATIVE_BONUS = 0.15
# Two firms that already delivered together in an alliance know how to split work; two such pairs
# say enough.
ALLIED_PAIR_BONUS = 0.05
ALLIED_PAIRS_COUNTED = 2

# A group as firm indices (sorted), and a group with its score.
Members = tuple[int, ...]
Scored = tuple[float, Members]

TERMS = ("member_score", "distance_to_buyer", "spread", "size", "over_coverage", "cooperative", "allied_pairs")

# "Every member is needed" is strict: without the smallest member the rest must fall short by
# more than this share of the volume. The margin keeps the rule the same in floating point and
# in the solver, whose rows hold to about 1e-7.
MINIMALITY_MARGIN = 1e-6
# Groups shown together differ by more than one member swap: their symmetric difference has at
# least this many firms (a swap differs by 2). Once no such group is left, distinct ones fill.
DIVERSE_DIFFERENCE = 3
DISTINCT_DIFFERENCE = 1


@dataclass
class Problem:
    """One need's group search as arrays indexed by firm (``firms[i]``)."""

    firms: tuple[GroupCandidate, ...]
    volume_uf: float
    max_size: int
    capacity: np.ndarray       # UF
    score: np.ndarray
    km_to_buyer: np.ndarray
    utility: np.ndarray        # the per-member part of the score, averaged over a group
    distance: np.ndarray       # km between members' centroids, n x n
    is_cooperative: np.ndarray
    cooperatives: tuple[str, ...]  # RUTs of the cooperatives members belong to (columns of membership)
    membership: np.ndarray     # n x len(cooperatives): firm i belongs to cooperative k
    allied: np.ndarray         # n x n: i and j already worked together in an alliance
    conflict: np.ndarray       # n x n: a cooperative and its own member

    @property
    def size(self) -> int:
        return len(self.firms)


def build_problem(firms: Sequence[GroupCandidate], volume_uf: float, allied_pairs: Iterable[frozenset[str]],
                  max_size: int) -> Problem:
    """Arrays for ``firms`` (already eligible, distinct RUTs, capacities > 0)."""
    n = len(firms)
    index = {f.rut: i for i, f in enumerate(firms)}
    capacity = np.array([f.capacity_uf for f in firms], dtype=float)
    score = np.array([f.score for f in firms], dtype=float)
    km = np.array([f.km_to_buyer for f in firms], dtype=float)
    cooperatives = tuple(sorted({rut for f in firms for rut in f.cooperatives}))
    column = {rut: k for k, rut in enumerate(cooperatives)}
    membership = np.zeros((n, len(cooperatives)), dtype=bool)
    for i, f in enumerate(firms):
        for rut in f.cooperatives:
            membership[i, column[rut]] = True
    allied = np.zeros((n, n), dtype=bool)
    for pair in allied_pairs:
        if len(pair) == 2:
            a, b = (index.get(rut) for rut in pair)
            if a is not None and b is not None:
                allied[a, b] = allied[b, a] = True
    conflict = np.zeros((n, n), dtype=bool)
    for i, f in enumerate(firms):
        for rut in f.cooperatives:
            j = index.get(rut)
            if j is not None:
                conflict[i, j] = conflict[j, i] = True
    return Problem(
        firms=tuple(firms), volume_uf=float(volume_uf), max_size=max_size, capacity=capacity, score=score,
        km_to_buyer=km, utility=MEMBER_SCORE_WEIGHT * score - DISTANCE_PENALTY_PER_KM * km,
        distance=_distances(firms), is_cooperative=np.array([f.is_cooperative for f in firms], dtype=bool),
        cooperatives=cooperatives, membership=membership, allied=allied, conflict=conflict,
    )


def _distances(firms: Sequence[GroupCandidate]) -> np.ndarray:
    """Pairwise km, one haversine per pair of distinct centroids (firms share their comuna's)."""
    points = sorted({(f.lat, f.lon) for f in firms})
    where = {p: k for k, p in enumerate(points)}
    between = np.zeros((len(points), len(points)))
    for a in range(len(points)):
        for b in range(a + 1, len(points)):
            between[a, b] = between[b, a] = haversine_km(*points[a], *points[b])
    at = np.array([where[(f.lat, f.lon)] for f in firms], dtype=np.int64)
    return between[np.ix_(at, at)]


def possible_sizes(capacity: np.ndarray, is_cooperative: np.ndarray, volume_uf: float, max_size: int) -> np.ndarray:
    """``out[i, s - 1]``: whether capacities alone allow firm i in a valid group of s members.

    Alone, only a cooperative covering the volume. In a group of s >= 2, firm i plus the s - 1
    largest other capacities must reach the volume, and firm i plus the s - 2 smallest others must
    not (whoever the smallest member is, the rest include i and s - 2 others). So a firm that
    covers the volume alone is in no group of two or more.
    """
    n = len(capacity)
    out = np.zeros((n, max_size), dtype=bool)
    out[:, 0] = is_cooperative & (capacity >= volume_uf)
    descending = np.argsort(-capacity, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[descending] = np.arange(n)
    largest = np.concatenate(([0.0], np.cumsum(capacity[descending])))
    smallest = np.concatenate(([0.0], np.cumsum(capacity[descending[::-1]])))
    for size in range(2, min(max_size, n) + 1):
        k = size - 1  # the others' count
        # Sum of the k largest (and k - 1 smallest) capacities other than firm i's own.
        top = np.where(rank < k, largest[k + 1] - capacity, largest[k])
        low = np.where(n - 1 - rank < k - 1, smallest[k] - capacity, smallest[k - 1])
        out[:, size - 1] = (capacity + top >= volume_uf) & (capacity + low < volume_uf * (1 - MINIMALITY_MARGIN))
    return out


def covers(problem: Problem, total_uf: float) -> bool:
    return total_uf >= problem.volume_uf


def is_valid(problem: Problem, members: Sequence[int]) -> bool:
    """Whether ``members`` form a valid group (module docstring)."""
    if not 1 <= len(members) <= problem.max_size or len(set(members)) != len(members):
        return False
    if len(members) == 1 and not problem.is_cooperative[members[0]]:
        return False
    caps = problem.capacity[list(members)]
    total = float(caps.sum())
    if not covers(problem, total) or total - caps.min() >= problem.volume_uf * (1 - MINIMALITY_MARGIN):
        return False
    return not problem.conflict[np.ix_(members, members)].any()


def shared_cooperative(problem: Problem, members: Sequence[int]) -> str | None:
    """The cooperative a group already is: a member that is one, else one all members belong to."""
    for i in sorted(members, key=lambda i: problem.firms[i].rut):
        if problem.is_cooperative[i]:
            return problem.firms[i].rut
    if len(members) < 2 or not problem.cooperatives:
        return None
    common = problem.membership[list(members)].all(axis=0)
    return problem.cooperatives[int(np.argmax(common))] if common.any() else None


def allied_pair_count(problem: Problem, members: Sequence[int]) -> int:
    return int(np.triu(problem.allied[np.ix_(members, members)], 1).sum())


def spread_km(problem: Problem, members: Sequence[int]) -> float:
    return float(problem.distance[np.ix_(members, members)].max()) if len(members) > 1 else 0.0


def evaluate(problem: Problem, members: Sequence[int]) -> dict[str, float]:
    """The score's terms for ``members`` (``TERMS`` order); the score is their sum."""
    rows = list(members)
    coverage = float(problem.capacity[rows].sum()) / problem.volume_uf
    return {
        "member_score": MEMBER_SCORE_WEIGHT * float(problem.score[rows].mean()),
        "distance_to_buyer": -DISTANCE_PENALTY_PER_KM * float(problem.km_to_buyer[rows].mean()),
        "spread": -SPREAD_PENALTY_PER_KM * spread_km(problem, rows),
        "size": -EXTRA_MEMBER_PENALTY * (len(rows) - 1),
        "over_coverage": -OVER_COVERAGE_PENALTY * max(0.0, coverage - 1 - OVER_COVERAGE_FREE),
        "cooperative": COOPERATIVE_BONUS * (shared_cooperative(problem, rows) is not None),
        "allied_pairs": ALLIED_PAIR_BONUS * min(allied_pair_count(problem, rows), ALLIED_PAIRS_COUNTED),
    }


def objective(problem: Problem, members: Sequence[int]) -> float:
    return sum(evaluate(problem, members).values())


def difference(a: Iterable[int], b: Iterable[int]) -> int:
    """How many firms are in one group and not the other (a one-member swap differs by 2)."""
    return len(set(a) ^ set(b))


def select_diverse(ranked: Sequence[Scored], limit: int, taken: Sequence[Members] = ()) -> list[Scored]:
    """Up to ``limit`` more groups from ``ranked`` (best first), diverse first, then merely distinct.

    The rule for which k groups are shown, stated over a ranked list: each pick is the best group
    differing from every earlier pick (and from ``taken``) by at least ``DIVERSE_DIFFERENCE``
    firms; when none is left, the best ones differing by ``DISTINCT_DIFFERENCE`` fill the
    remaining places. Both solvers pick this way without listing every group: the exact program
    with a cut per pick, the heuristic with a search per pick.
    """
    picked: list[Scored] = []
    for needed in (DIVERSE_DIFFERENCE, DISTINCT_DIFFERENCE):
        for value, members in ranked:
            if len(picked) >= limit:
                return picked
            others = [*taken, *(m for _, m in picked)]
            if all(difference(members, other) >= needed for other in others):
                picked.append((value, members))
    return picked
