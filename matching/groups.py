"""Supplier groups: nearby micro and small firms (or a cooperative) that together cover a need's volume.

Often no single micro firm can supply what a large buyer needs in a year. ``find_groups`` proposes
up to ``limit`` groups of eligible firms whose capacities (``matching.capacity``) add up to the
need's volume, best first. It is pure: the caller reads the pool (firms with a known capacity,
their comuna's centroid, distance to the buyer, ranking score, eligibility for the mandatory
certifications) and the alliances, and renders the result.

What makes a group valid and how it is scored is ``matching.group_problem``: 1 to ``max_size``
members and a single member only when it is a cooperative; capacities covering the volume with
every member needed; compact, close to the buyer, well scored, few members, not far over the
volume, with bonuses for an existing cooperative and for pairs that already worked together.

Before solving, the pool is cut to the firms capacities alone do not rule out of every group
(``possible_members``: a firm that covers the volume alone is a single-firm match, not a
member). This pre-filter is safe: it never removes a firm of a valid group. Then two solvers
optimize the same score:

- up to ``EXACT_POOL_LIMIT`` possible members: the integer program of ``matching.group_exact``
  (HiGHS), whose groups are optimal in turn (``method="exact"``);
- larger pools, or whatever the exact program could not finish within its share of the budget:
  greedy construction and local search (``matching.group_heuristic``, ``method="heuristic"``).

A score-and-proximity shortlist in front of the exact program was measured and rejected: on the
demo needs it misses the optimum that the heuristic, run on the whole pool, finds
(scripts/bench_groups.py).

The groups shown are distinct sets, and differ by more than one member swap while such groups
exist (``group_problem.select_diverse``). Each member is given a share of the volume in proportion
to its capacity, so every member commits the same fraction of what it can supply.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from matching.group_exact import solve_exact
from matching.group_heuristic import solve_heuristic
from matching.group_problem import (
    Members,
    Problem,
    allied_pair_count,
    build_problem,
    evaluate,
    possible_sizes,
    shared_cooperative,
    spread_km,
)

DEFAULT_MAX_SIZE = 5
DEFAULT_LIMIT = 5
# Per request, for everything: a page that shows groups stays under ~500 ms at p95.
DEFAULT_BUDGET_S = 0.3
# Pools of up to this many possible members go to the exact program. HiGHS takes 15-40 ms of CPU
# per solve at 10-20 firms, so 5 groups at 15 firms take ~135 ms on average (p90 ~200 ms), inside
# the exact program's share of the default budget; the heuristic finds the same optimum far faster
# on larger pools (scripts/bench_groups.py, bench/results/groups-*.md).
EXACT_POOL_LIMIT = 15
# Share of the budget the exact program leaves for the heuristic to finish what it could not.
HEURISTIC_RESERVE = 0.3

Method = Literal["exact", "heuristic"]
Solver = Literal["auto", "exact", "heuristic"]
Status = Literal["found", "no_eligible_firms", "pool_below_volume", "needs_more_members", "no_valid_group"]


@dataclass(frozen=True)
class GroupCandidate:
    """A firm the caller offers for groups: eligible or not, with a known capacity."""

    rut: str
    name: str
    capacity_uf: float          # > 0: annual supply capacity to this buyer (``matching.capacity``)
    lat: float                  # its comuna's centroid
    lon: float
    km_to_buyer: float
    score: float                # its single-candidate ranking score, higher is better (~[0, 1])
    eligible: bool              # holds every mandatory certification (or will, before the deadline)
    is_cooperative: bool = False
    cooperatives: frozenset[str] = frozenset()  # RUTs of the cooperatives it is a member of


@dataclass(frozen=True)
class Member:
    """One firm of a group and the part of the volume it would supply."""

    rut: str
    name: str
    capacity_uf: float
    share_uf: float
    km_to_buyer: float
    is_cooperative: bool


@dataclass(frozen=True)
class Group:
    """A proposed group, with the facts and score terms its explanation quotes."""

    members: tuple[Member, ...]   # largest share first, then by RUT
    volume_uf: float
    capacity_uf: float
    coverage: float               # capacity / volume, >= 1
    spread_km: float              # largest distance between two members' centroids
    mean_km_to_buyer: float
    existing_cooperative: bool
    cooperative_rut: str | None   # the cooperative in the group, or the one all members belong to
    allied_pairs: int             # pairs of members that already worked together in an alliance
    score: float                  # the sum of ``terms``
    terms: dict[str, float] = field(hash=False)  # ``group_problem.TERMS`` -> contribution
    method: Method = "exact"

    @property
    def ruts(self) -> tuple[str, ...]:
        return tuple(m.rut for m in self.members)

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def coverage_percent(self) -> float:
        return 100.0 * self.coverage

    def as_dict(self) -> dict:
        """JSON-ready form, as an API would send it."""
        return {
            "members": [vars(m).copy() for m in self.members],
            "volume_uf": self.volume_uf, "capacity_uf": self.capacity_uf, "coverage": self.coverage,
            "coverage_percent": self.coverage_percent, "spread_km": self.spread_km,
            "mean_km_to_buyer": self.mean_km_to_buyer, "existing_cooperative": self.existing_cooperative,
            "cooperative_rut": self.cooperative_rut, "allied_pairs": self.allied_pairs, "score": self.score,
            "terms": dict(self.terms), "method": self.method,
        }


@dataclass(frozen=True)
class GroupSearch:
    """The groups found for one need, and why there are none when there are none.

    ``status`` is ``found``, or: ``no_eligible_firms``; ``pool_below_volume`` (all eligible firms
    together cover only ``pool_coverage`` of the volume); ``needs_more_members`` (together they
    cover it, but the ``max_size`` largest reach only ``reach_coverage``); ``no_valid_group`` (only
    single non-cooperative firms cover it, which the caller shows as single-firm matches, or a
    heuristic search found nothing within its budget).
    """

    groups: tuple[Group, ...]
    status: Status
    volume_uf: float
    eligible_firms: int
    pool_capacity_uf: float       # all eligible firms together
    reach_capacity_uf: float      # the ``max_size`` largest eligible capacities together
    elapsed_s: float

    @property
    def pool_coverage(self) -> float:
        return self.pool_capacity_uf / self.volume_uf

    @property
    def reach_coverage(self) -> float:
        return self.reach_capacity_uf / self.volume_uf

    def as_dict(self) -> dict:
        return {
            "groups": [g.as_dict() for g in self.groups], "status": self.status, "volume_uf": self.volume_uf,
            "eligible_firms": self.eligible_firms, "pool_capacity_uf": self.pool_capacity_uf,
            "pool_coverage": self.pool_coverage, "reach_capacity_uf": self.reach_capacity_uf,
            "reach_coverage": self.reach_coverage, "elapsed_s": self.elapsed_s,
        }


def shares_uf(volume_uf: float, capacities: Sequence[float]) -> list[float]:
    """Each member's part of the volume: ``volume * capacity / total capacity``.

    Everyone commits the same fraction of their capacity (``volume / total``), so a micro firm
    is not left with crumbs and nobody is stretched more than the rest; no share exceeds its
    capacity when the group covers the volume. The float remainder goes to the largest share.
    Shares are not rounded: round them for display.
    """
    total = float(sum(capacities))
    shares = [volume_uf * c / total for c in capacities]
    largest = max(range(len(shares)), key=lambda i: capacities[i])
    shares[largest] = min(capacities[largest], volume_uf - sum(s for i, s in enumerate(shares) if i != largest))
    return shares


def _group(problem: Problem, members: Members, method: Method) -> Group:
    firms = [problem.firms[i] for i in members]
    shares = shares_uf(problem.volume_uf, [f.capacity_uf for f in firms])
    rows = sorted(zip(firms, shares, strict=True), key=lambda fs: (-fs[1], fs[0].rut))
    terms = evaluate(problem, members)
    cooperative = shared_cooperative(problem, members)
    capacity = float(sum(f.capacity_uf for f in firms))
    return Group(
        members=tuple(Member(f.rut, f.name, f.capacity_uf, share, f.km_to_buyer, f.is_cooperative)
                      for f, share in rows),
        volume_uf=problem.volume_uf, capacity_uf=capacity, coverage=capacity / problem.volume_uf,
        spread_km=spread_km(problem, members), mean_km_to_buyer=float(np.mean([f.km_to_buyer for f in firms])),
        existing_cooperative=cooperative is not None, cooperative_rut=cooperative,
        allied_pairs=allied_pair_count(problem, members), score=sum(terms.values()), terms=terms, method=method,
    )


def eligible_pool(pool: Iterable[GroupCandidate]) -> list[GroupCandidate]:
    """The eligible firms, checked: distinct RUTs, finite positive capacity, finite place and score."""
    firms: list[GroupCandidate] = []
    seen: set[str] = set()
    for firm in pool:
        if firm.rut in seen:
            raise ValueError(f"firm {firm.rut} is in the pool twice")
        seen.add(firm.rut)
        if not (math.isfinite(firm.capacity_uf) and firm.capacity_uf > 0):
            raise ValueError(f"firm {firm.rut}: capacity_uf must be a positive number, got {firm.capacity_uf}")
        if not all(math.isfinite(v) for v in (firm.lat, firm.lon, firm.km_to_buyer, firm.score)):
            raise ValueError(f"firm {firm.rut}: lat, lon, km_to_buyer and score must be finite")
        if firm.eligible:
            firms.append(firm)
    return firms


def possible_members(firms: list[GroupCandidate], volume_uf: float, max_size: int) -> list[GroupCandidate]:
    """The firms capacities alone do not rule out of every group (``group_problem.possible_sizes``):
    a firm that covers the volume alone, for one, is a single-firm match and never a member."""
    fits = possible_sizes(np.array([f.capacity_uf for f in firms], dtype=float),
                          np.array([f.is_cooperative for f in firms], dtype=bool), volume_uf, max_size)
    return [f for f, row in zip(firms, fits, strict=True) if row.any()]


def _solve(problem: Problem, limit: int, deadline: float, solver: Solver) -> list[tuple[float, Members, Method]]:
    if solver == "heuristic" or (solver == "auto" and problem.size > EXACT_POOL_LIMIT):
        return [(v, m, "heuristic") for v, m in solve_heuristic(problem, limit, deadline)]
    now = time.perf_counter()
    exact_deadline = deadline if solver == "exact" else now + (deadline - now) * (1 - HEURISTIC_RESERVE)
    found, complete = solve_exact(problem, limit, exact_deadline)
    out: list[tuple[float, Members, Method]] = [(v, m, "exact") for v, m in found]
    if not complete and solver == "auto":
        rest = solve_heuristic(problem, limit - len(found), deadline, taken=[m for _, m in found])
        out += [(v, m, "heuristic") for v, m in rest]
    return out


def find_groups(volume_uf: float, pool: Iterable[GroupCandidate], allied_pairs: Collection[frozenset[str]] = (),
                *, max_size: int = DEFAULT_MAX_SIZE, limit: int = DEFAULT_LIMIT, budget_s: float = DEFAULT_BUDGET_S,
                solver: Solver = "auto") -> GroupSearch:
    """Up to ``limit`` groups of eligible firms covering ``volume_uf``, best first.

    Parameters
    ----------
    volume_uf : float
        The need's annual volume in UF, > 0.
    pool : iterable of GroupCandidate
        Candidate firms with a known capacity; ineligible ones are left out here.
    allied_pairs : collection of frozenset of str
        Pairs of RUTs that already worked together in an alliance.
    max_size : int, default=DEFAULT_MAX_SIZE
        Most members in a group.
    limit : int, default=DEFAULT_LIMIT
        Most groups returned.
    budget_s : float, default=DEFAULT_BUDGET_S
        Time for the whole call; the search stops starting work when it is spent.
    solver : {"auto", "exact", "heuristic"}
        ``auto`` chooses by pool size (module docstring); the others force one, for benchmarks.

    Returns
    -------
    GroupSearch
        The groups (best score first; among equal scores, fewer members first, so a cooperative
        alone comes before a group as good) and the pool's coverage when there are none.
    """
    started = time.perf_counter()
    if not (math.isfinite(volume_uf) and volume_uf > 0):
        raise ValueError(f"volume_uf must be a positive number, got {volume_uf}")
    if max_size < 1 or limit < 1 or budget_s <= 0:
        raise ValueError("max_size and limit must be >= 1 and budget_s > 0")
    firms = eligible_pool(pool)
    capacities = sorted((f.capacity_uf for f in firms), reverse=True)
    pool_capacity, reach = float(sum(capacities)), float(sum(capacities[:max_size]))
    status: Status
    groups: list[Group] = []
    if not firms:
        status = "no_eligible_firms"
    elif pool_capacity < volume_uf:
        status = "pool_below_volume"
    elif reach < volume_uf:
        status = "needs_more_members"
    else:
        problem = build_problem(possible_members(firms, volume_uf, max_size), volume_uf, allied_pairs, max_size)
        found = _solve(problem, limit, started + budget_s, solver)
        groups = [_group(problem, members, method) for _, members, method in found]
        groups.sort(key=lambda g: (-round(g.score, 9), g.size, g.ruts))
        status = "found" if groups else "no_valid_group"
    return GroupSearch(tuple(groups), status, float(volume_uf), len(firms), pool_capacity, reach,
                       time.perf_counter() - started)


def optimality_gap(pool: Iterable[GroupCandidate], volume_uf: float, allied_pairs: Collection[frozenset[str]] = (),
                   *, max_size: int = DEFAULT_MAX_SIZE, exact_budget_s: float = 30.0,
                   heuristic_budget_s: float = DEFAULT_BUDGET_S) -> float:
    """Relative gap of the heuristic's best group against the exact optimum on the same pool.

    ``(exact - heuristic) / |exact|`` over the best score each finds: 0 when the heuristic finds
    the optimum, ``inf`` when it finds no group although one exists, 0 when neither finds any.
    Raises ``RuntimeError`` when the exact program cannot finish within ``exact_budget_s``.
    """
    firms = possible_members(eligible_pool(pool), volume_uf, max_size)
    problem = build_problem(firms, volume_uf, allied_pairs, max_size)
    exact, complete = solve_exact(problem, 1, time.perf_counter() + exact_budget_s)
    if not complete:
        raise RuntimeError(f"the exact program did not finish within {exact_budget_s} s")
    heuristic = solve_heuristic(problem, 1, time.perf_counter() + heuristic_budget_s)
    if not exact:
        return 0.0
    if not heuristic:
        return math.inf
    best, found = exact[0][0], heuristic[0][0]
    return (best - found) / abs(best) if best else float(found != best)
