"""The heuristic group search: randomized greedy construction, then local search, from many starts.

Valid groups are minimal covers (``matching.group_problem``), so adding a firm to one or dropping a
firm from one never gives another; the local search moves between them with

- swap:  one member out, one firm in;
- merge: two members out, one firm in (a group of two may become a cooperative alone);
- split: one member out, two firms in (the first of the two among the ``SPLIT_CANDIDATES`` most
  promising, the second over the whole pool),

taking the best improving move until none improves. Every move is scored for all incoming firms at
once with numpy (``_extend``), with the same terms as ``group_problem.evaluate``.

Starts: each cooperative, the firms best by score and proximity, the largest capacities (so
that volumes only big firms reach are tried), then randomized greedy starts (each step picks among
the ``GREEDY_CHOICES`` best firms) until ``MAX_STARTS`` or the deadline. The runs are seeded, so a
search that is not cut short by its deadline is reproducible.

The k groups are picked one at a time, as the exact program's re-solves do: each is the best
group differing from the ones before by ``DIVERSE_DIFFERENCE`` firms (then ``DISTINCT_DIFFERENCE``
once none is left). Candidates come from an archive of the best valid neighbours seen along the
way; the ``POLISH_STARTS`` best that keep apart are climbed again with moves that keep apart too.

On the demo data set's needs (78 pools of 16 to 200 possible members), these settings found the
exact optimum every time and the exact top 5 in 75 of 78 pools, in 68 ms of CPU at the median
and 105 ms at p95; half the starts or split candidates cost 3 to 9 exact top-5 lists for
30-40 % less time.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from itertools import combinations

import numpy as np

from matching.group_problem import (
    ALLIED_PAIR_BONUS,
    ALLIED_PAIRS_COUNTED,
    COOPERATIVE_BONUS,
    DISTINCT_DIFFERENCE,
    DIVERSE_DIFFERENCE,
    EXTRA_MEMBER_PENALTY,
    MINIMALITY_MARGIN,
    OVER_COVERAGE_FREE,
    OVER_COVERAGE_PENALTY,
    SPREAD_PENALTY_PER_KM,
    Members,
    Problem,
    Scored,
    difference,
    is_valid,
    objective,
)

# Deterministic starts: the best firms by score and proximity, the largest capacities, cooperatives.
SEEDS_BY_UTILITY = 12
SEEDS_BY_CAPACITY = 6
MAX_COOPERATIVE_SEEDS = 10
# All starts, the randomized ones included (each greedy step picks among GREEDY_CHOICES firms).
MAX_STARTS = 48
GREEDY_CHOICES = 3
SPLIT_CANDIDATES = 8
# Archive groups climbed again for each of the k picks after the first.
POLISH_STARTS = 4
# Valid neighbours kept per scored move, as material for the k groups.
ARCHIVE_PER_MOVE = 4
# A move must gain more than float noise, or two equal groups would swap forever.
IMPROVEMENT = 1e-12
RANDOM_SEED = 20240611


def _extend(p: Problem, base: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For every firm j: the score of ``base + j``, whether it is a valid group, whether j may join
    (not in base, no conflict, room left), and the capacity ``base + j`` reaches."""
    rows = list(base)
    size = len(rows) + 1
    total = p.capacity[rows].sum() + p.capacity
    mean_utility = (p.utility[rows].sum() + p.utility) / size
    if rows:
        near = p.distance[rows]
        spread = np.maximum(near[:, rows].max(), near.max(axis=0))
        allied = p.allied[rows]
        pairs = allied[:, rows].sum() // 2 + allied.sum(axis=0)
        common = p.membership[rows].all(axis=0)
        cooperative = p.is_cooperative[rows].any() | p.is_cooperative | p.membership[:, common].any(axis=1)
        smallest = np.minimum(p.capacity[rows].min(), p.capacity)
        addable = np.logical_not(p.conflict[rows].any(axis=0))
        addable[rows] = False
    else:
        spread = pairs = np.zeros(p.size)
        cooperative, smallest = p.is_cooperative, p.capacity
        addable = np.ones(p.size, dtype=bool)
    if size > p.max_size:
        addable = np.zeros(p.size, dtype=bool)
    coverage = total / p.volume_uf
    value = (mean_utility - SPREAD_PENALTY_PER_KM * spread - EXTRA_MEMBER_PENALTY * (size - 1)
             - OVER_COVERAGE_PENALTY * np.maximum(coverage - 1 - OVER_COVERAGE_FREE, 0.0)
             + COOPERATIVE_BONUS * cooperative + ALLIED_PAIR_BONUS * np.minimum(pairs, ALLIED_PAIRS_COUNTED))
    valid = addable & (total >= p.volume_uf) & (total - smallest < p.volume_uf * (1 - MINIMALITY_MARGIN))
    if size == 1:
        valid &= p.is_cooperative
    return value, valid, addable, total


class _Search:
    def __init__(self, problem: Problem, deadline: float):
        self.p = problem
        self.deadline = deadline
        self.archive: dict[Members, float] = {}
        # Starts converge on the same few groups: each base is scored once, each optimum climbed once.
        self.additions: dict[Members, tuple[float, Members | None]] = {}
        self.optima: set[Members] = set()
        self.rng = np.random.default_rng(RANDOM_SEED)
        # Most capacity r more members could add: lets the greedy skip dead ends.
        self.reach = np.concatenate(([0.0], np.cumsum(np.sort(problem.capacity)[::-1])))
        # Groups already chosen, as (members, membership mask), and how many firms a new one must differ by.
        self.apart: list[tuple[frozenset[int], np.ndarray]] = []
        self.needed = 0

    def keep_apart(self, picked: Sequence[Members], needed: int) -> None:
        """From now on, only groups differing from each of ``picked`` by ``needed`` firms are valid."""
        if not picked and not self.apart:
            return  # nothing to keep apart from: what the search knows still holds
        self.apart = []
        for members in picked:
            mask = np.zeros(self.p.size, dtype=bool)
            mask[list(members)] = True
            self.apart.append((frozenset(members), mask))
        self.needed = needed
        self.additions.clear()  # what was best before may be off limits now
        self.optima.clear()

    def is_apart(self, members: Members) -> bool:
        return all(difference(members, other) >= self.needed for other, _ in self.apart)

    def out_of_time(self) -> bool:
        return time.perf_counter() >= self.deadline

    def best_addition(self, base: Members) -> tuple[float, Members | None]:
        """The best valid ``base + j``, archiving the best few."""
        known = self.additions.get(base)
        if known is not None:
            return known
        value, valid, _, _ = _extend(self.p, base)
        for other, mask in self.apart:
            # |base + j xor other| = |base + j| + |other| - 2 |(base + j) & other|
            shared = len(other.intersection(base)) + mask
            valid &= len(base) + 1 + len(other) - 2 * shared >= self.needed
        if not valid.any():
            self.additions[base] = (-np.inf, None)
            return self.additions[base]
        scores = np.where(valid, value, -np.inf)
        keep = min(ARCHIVE_PER_MOVE, int(valid.sum()))
        top = np.argpartition(-scores, keep - 1)[:keep]
        for j in top:
            self.archive[tuple(sorted((*base, int(j))))] = float(scores[j])
        j = int(top[np.argmax(scores[top])])
        self.additions[base] = (float(scores[j]), tuple(sorted((*base, j))))
        return self.additions[base]

    def construct(self, seed: int, randomized: bool) -> Members | None:
        p = self.p
        group = [seed]
        while p.capacity[group].sum() < p.volume_uf:
            if len(group) >= p.max_size:
                return None
            value, _, addable, total = _extend(p, group)
            room = min(p.max_size - len(group) - 1, p.size)
            hopeful = addable & (total + self.reach[room] >= p.volume_uf)
            if not hopeful.any():
                return None
            # A group still short of the volume will need at least one more member.
            value = np.where(hopeful, value - EXTRA_MEMBER_PENALTY * (total < p.volume_uf), -np.inf)
            choices = min(GREEDY_CHOICES if randomized else 1, int(hopeful.sum()))
            best = np.argpartition(-value, choices - 1)[:choices]
            group.append(int(self.rng.choice(best)) if randomized else int(best[np.argmax(value[best])]))
        return self.drop_passengers(group)

    def drop_passengers(self, group: list[int]) -> Members | None:
        """Remove members the others do not need, best resulting score first, until none is left."""
        p = self.p
        while True:
            total = p.capacity[group].sum()
            spare = [i for i in group if total - p.capacity[i] >= p.volume_uf * (1 - MINIMALITY_MARGIN)]
            if not spare:
                break
            group.remove(max(spare, key=lambda i: objective(p, [j for j in group if j != i])))
        members = tuple(sorted(group))
        return members if is_valid(p, members) else None

    def improve(self, group: Members) -> Members:
        """Best-improvement local search over swap, merge and split moves."""
        p = self.p
        current = objective(p, group)
        self.archive[group] = current
        while not self.out_of_time() and group not in self.optima:
            best_value, best = current + IMPROVEMENT, None
            bases = [tuple(m for m in group if m != i) for i in group]
            bases += [tuple(m for m in group if m not in pair) for pair in combinations(group, 2)]
            if len(group) < p.max_size:
                bases += self.split_bases(group)
            for base in bases:
                value, candidate = self.best_addition(base)
                if candidate is not None and value > best_value:
                    best_value, best = value, candidate
            if best is None:
                self.optima.add(group)
                return group
            group, current = best, best_value
        return group

    def split_bases(self, group: Members) -> list[Members]:
        """``group - i + k`` for the ``SPLIT_CANDIDATES`` most promising k per member i."""
        bases = []
        for i in group:
            rest = tuple(m for m in group if m != i)
            value, _, addable, _ = _extend(self.p, rest)
            addable[i] = False
            count = min(SPLIT_CANDIDATES, int(addable.sum()))
            if count:
                value = np.where(addable, value, -np.inf)
                bases += [tuple(sorted((*rest, int(k)))) for k in np.argpartition(-value, count - 1)[:count]]
        return bases

    def starts(self) -> list[int]:
        p = self.p
        cooperatives = [int(i) for i in np.flatnonzero(p.is_cooperative)]
        cooperatives.sort(key=lambda i: -p.utility[i])
        order = [*cooperatives[:MAX_COOPERATIVE_SEEDS],
                 *np.argsort(-p.utility, kind="stable")[:SEEDS_BY_UTILITY].tolist(),
                 *np.argsort(-p.capacity, kind="stable")[:SEEDS_BY_CAPACITY].tolist()]
        return list(dict.fromkeys(int(i) for i in order))

    def run(self) -> None:
        p = self.p
        seeds = self.starts()
        improved: set[Members] = set()
        for start in range(MAX_STARTS):
            if self.out_of_time():
                return
            if start < len(seeds):
                group = self.construct(seeds[start], randomized=False)
            else:
                group = self.construct(int(self.rng.integers(p.size)), randomized=True)
            if group is not None and group not in improved:
                improved.add(group)
                self.improve(group)


    def best_apart(self) -> Members | None:
        """The best group far enough from the picked ones: the archive's best few such groups are
        climbed again under that rule (the moves may not come closer), the best result wins."""
        if self.apart:
            for members in self.ranked_apart(POLISH_STARTS):
                if self.out_of_time():
                    break
                self.improve(members)
        best = self.ranked_apart(1)
        return best[0] if best else None

    def ranked_apart(self, count: int) -> list[Members]:
        """The ``count`` best archived groups far enough from the picked ones."""
        out: list[Members] = []
        for members, _ in sorted(self.archive.items(), key=lambda mv: (-mv[1], mv[0])):
            if self.is_apart(members):
                out.append(members)
                if len(out) == count:
                    break
        return out


def solve_heuristic(problem: Problem, limit: int, deadline: float, taken: Sequence[Members] = ()) -> list[Scored]:
    """Up to ``limit`` groups, best first, diverse from each other and from ``taken``.

    Parameters
    ----------
    problem : Problem
        The pool and the need.
    limit : int
        How many groups.
    deadline : float
        ``time.perf_counter()`` value by which to stop starting work (one move may finish after it).
    taken : sequence of tuple of int
        Groups already chosen (by the exact solver) that these must differ from.

    Returns
    -------
    list of (score, members)
        Members as sorted firm indices, score as ``group_problem.objective``.
    """
    if problem.size == 0 or limit <= 0:
        return []
    search = _Search(problem, deadline)
    search.run()
    picked: list[Members] = list(taken)
    chosen: list[Scored] = []
    for needed in (DIVERSE_DIFFERENCE, DISTINCT_DIFFERENCE):
        while len(chosen) < limit:
            search.keep_apart(picked, needed)
            best = search.best_apart()
            if best is None:
                break
            picked.append(best)
            chosen.append((objective(problem, best), best))
    return sorted(chosen, key=lambda vm: (-vm[0], vm[1]))
