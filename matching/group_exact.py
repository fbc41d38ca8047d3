"""The exact group search: a mixed-integer program solved by HiGHS, re-solved with cuts for top-k.

Variables (n firms, N = ``max_size``)::

    x_i      binary   firm i is a member
    y_s      binary   the group has s members (s = 1..N), exactly one y is 1
    z_is     [0, 1]   x_i and y_s, so that a mean over members is linear: sum_is a_i z_is / s
    D        >= 0     spread: D >= d_ij (x_i + x_j - 1) for every pair at distance d_ij > 0
    o        >= 0     coverage beyond the free margin: o >= sum_i c_i x_i / V - 1 - free
    w        [0, 1]   cooperative bonus: w <= sum_{cooperatives} x_i + sum_k u_k
    u_k      [0, 1]   all members belong to cooperative k: u_k + x_i <= 1 for every non-member i
    p_ij     [0, 1]   allied pair i-j is in the group: p_ij <= x_i, p_ij <= x_j
    a        [0, 2]   allied pairs counted: a <= sum p_ij

``sum_s z_is = x_i`` and ``sum_i z_is = s y_s`` make z exact for integer x and y; a one-member
group must be a cooperative because ``z_i1`` is fixed at 0 for the other firms. Coverage is
``sum_i c_i x_i >= V`` and "every member is needed" is, for each i,
``sum_{j != i} c_j x_j <= V (1 - margin) + M_i (1 - x_i)`` with M_i the most the others can reach.
Maximizing the ``group_problem`` weights of these gives the ``evaluate`` score exactly; ``D``, ``o``,
``w`` and ``a`` settle at their true values because the objective pushes each against its bound.

The pair rows make the relaxation weak (half of two far firms costs nothing), which is why the
program is kept to pools of about ``matching.groups.EXACT_POOL_LIMIT`` firms. The k best groups come
from re-solving with a cut per group found: ``|S xor T| >= DIVERSE_DIFFERENCE`` is linear in x
(``sum_i x_i - 2 sum_{i in S} x_i >= d - |S|``); once that is infeasible the cuts are relaxed to
``DISTINCT_DIFFERENCE``: the rule ``group_problem.select_diverse`` states over a ranked list.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import highspy
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
    is_valid,
    objective,
    possible_sizes,
)

# HiGHS stops when the incumbent is proven within this of the best bound, so "exact" means optimal
# to about a millionth of a point of score.
MIP_REL_GAP = 1e-6
MIP_ABS_GAP = 1e-7
# One thread (a web worker shares its cores); no restarts and no RENS/RINS sub-MIPs, which on these
# small models cost more than they save (about 40 % less time at 20 firms, same optima).
OPTIONS: dict[str, bool | int | float] = {
    "output_flag": False, "threads": 1, "mip_rel_gap": MIP_REL_GAP, "mip_abs_gap": MIP_ABS_GAP,
    "mip_allow_restart": False, "mip_heuristic_run_rens": False, "mip_heuristic_run_rins": False,
}
# Below this much time left a solve is not worth starting.
MIN_SOLVE_S = 0.005


class _Rows:
    """A sparse model assembled in Python and handed to HiGHS in one call per kind."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.cost: list[float] = []
        self.integer: list[int] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.starts: list[int] = []
        self.indices: list[int] = []
        self.values: list[float] = []

    def var(self, lower: float, upper: float, cost: float = 0.0, integer: bool = False) -> int:
        self.lower.append(lower)
        self.upper.append(upper)
        self.cost.append(cost)
        if integer:
            self.integer.append(len(self.lower) - 1)
        return len(self.lower) - 1

    def row(self, terms: Sequence[tuple[int, float]], lower: float, upper: float) -> None:
        self.starts.append(len(self.indices))
        for column, value in terms:
            self.indices.append(column)
            self.values.append(value)
        self.row_lower.append(lower)
        self.row_upper.append(upper)

    def solver(self) -> highspy.Highs:
        h = highspy.Highs()
        for option, value in OPTIONS.items():
            h.setOptionValue(option, value)

        n = len(self.lower)
        h.addVars(n, np.array(self.lower), np.array(self.upper))
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array(self.cost))
        h.changeColsIntegrality(len(self.integer), np.array(self.integer, dtype=np.int32),
                                np.full(len(self.integer), highspy.HighsVarType.kInteger, dtype=np.uint8))
        h.addRows(len(self.row_lower), np.array(self.row_lower), np.array(self.row_upper), len(self.indices),
                  np.array(self.starts, dtype=np.int32), np.array(self.indices, dtype=np.int32),
                  np.array(self.values))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        return h


def _model(problem: Problem) -> highspy.Highs:
    n, size_max, inf = problem.size, problem.max_size, highspy.kHighsInf
    cap = problem.capacity / problem.volume_uf
    m = _Rows()
    x = [m.var(0, 1, integer=True) for _ in range(n)]
    y = {s: m.var(0, 1, cost=-EXTRA_MEMBER_PENALTY * (s - 1), integer=True) for s in range(1, size_max + 1)}
    # z_is is fixed at 0 where capacities alone rule firm i out of groups of s: this keeps the
    # relaxation from taking, say, a third of a large cooperative alongside small firms.
    fits = possible_sizes(problem.capacity, problem.is_cooperative, problem.volume_uf, size_max)
    z = {(i, s): m.var(0, float(fits[i, s - 1]), cost=problem.utility[i] / s) for i in range(n) for s in y}
    m.row([(y[s], 1.0) for s in y], 1, 1)
    m.row([*((x[i], 1.0) for i in range(n)), *((y[s], -float(s)) for s in y)], 0, 0)
    for i in range(n):
        m.row([*((z[i, s], 1.0) for s in y), (x[i], -1.0)], 0, 0)
    for s in y:
        m.row([*((z[i, s], 1.0) for i in range(n)), (y[s], -float(s))], 0, 0)
    m.row([(x[i], float(cap[i])) for i in range(n)], 1, inf)
    # With x_i = 0 the row must let any N others through: the N largest capacities bound them.
    big = float(np.sort(cap)[::-1][:size_max].sum()) - (1 - MINIMALITY_MARGIN)
    if big > 0:
        for i in range(n):
            others = [(x[j], float(cap[j])) for j in range(n) if j != i]
            m.row([*others, (x[i], big)], -inf, 1 - MINIMALITY_MARGIN + big)

    # Firms share their comuna's centroid, so the spread rows run over places, not firm pairs: v_a
    # is 1 when a member sits at place a (only bounded below: the objective keeps it low).
    places: dict[tuple[float, float], list[int]] = {}
    for i, firm in enumerate(problem.firms):
        places.setdefault((firm.lat, firm.lon), []).append(i)
    at = list(places.values())
    used = [m.var(0, 1) for _ in at]
    for v, firms in zip(used, at, strict=True):
        for i in firms:
            m.row([(v, 1.0), (x[i], -1.0)], 0, inf)
    spread = m.var(0, inf, cost=-SPREAD_PENALTY_PER_KM)
    for a in range(len(at)):
        for b in range(a + 1, len(at)):
            d = float(problem.distance[at[a][0], at[b][0]])
            if d > 0:
                m.row([(spread, 1.0), (used[a], -d), (used[b], -d)], -d, inf)
    for i, j in zip(*np.nonzero(np.triu(problem.conflict, 1)), strict=True):
        m.row([(x[i], 1.0), (x[j], 1.0)], -inf, 1)

    over = m.var(0, inf, cost=-OVER_COVERAGE_PENALTY)
    m.row([(over, 1.0), *((x[i], -float(cap[i])) for i in range(n))], -1 - OVER_COVERAGE_FREE, inf)

    flag = m.var(0, 1, cost=COOPERATIVE_BONUS)
    shared = []
    for k in range(len(problem.cooperatives)):
        members = problem.membership[:, k]
        if members.sum() < 2:  # a one-member group of a non-cooperative is not allowed anyway
            continue
        u = m.var(0, 1)
        shared.append(u)
        for outsider in np.flatnonzero(~members):
            m.row([(u, 1.0), (x[outsider], 1.0)], -inf, 1)
    m.row([(flag, 1.0), *((x[i], -1.0) for i in np.flatnonzero(problem.is_cooperative)),
           *((u, -1.0) for u in shared)], -inf, 0)

    counted = m.var(0, ALLIED_PAIRS_COUNTED, cost=ALLIED_PAIR_BONUS)
    pairs = []
    for i, j in zip(*np.nonzero(np.triu(problem.allied, 1)), strict=True):
        p = m.var(0, 1)
        pairs.append(p)
        m.row([(p, 1.0), (x[i], -1.0)], -inf, 0)
        m.row([(p, 1.0), (x[j], -1.0)], -inf, 0)
    m.row([(counted, 1.0), *((p, -1.0) for p in pairs)], -inf, 0)
    return m.solver()


def solve_exact(problem: Problem, limit: int, deadline: float) -> tuple[list[Scored], bool]:
    """Up to ``limit`` groups, best first, each optimal given the cuts of those before it.

    Parameters
    ----------
    problem : Problem
        The pool and the need.
    limit : int
        How many groups.
    deadline : float
        ``time.perf_counter()`` value by which to stop; each solve gets the time left.

    Returns
    -------
    groups : list of (score, members)
        Members as sorted firm indices, score as ``group_problem.objective``.
    complete : bool
        False when time ran out before the search was finished (the groups found are still optimal
        in their turn, but fewer than could exist).
    """
    if problem.size == 0:
        return [], True
    h = _model(problem)
    n = problem.size
    found: list[Scored] = []
    cuts: list[tuple[int, int]] = []  # (row index, group size)
    needed = DIVERSE_DIFFERENCE
    while len(found) < limit:
        left = deadline - time.perf_counter()
        if left < MIN_SOLVE_S:
            return found, False
        h.setOptionValue("time_limit", left)
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            if needed == DISTINCT_DIFFERENCE:
                return found, True
            needed = DISTINCT_DIFFERENCE
            for row, size in cuts:
                h.changeRowBounds(row, needed - size, highspy.kHighsInf)
            continue
        if status != highspy.HighsModelStatus.kOptimal:
            return found, False
        values = np.asarray(h.getSolution().col_value[:n])
        members: Members = tuple(int(i) for i in np.flatnonzero(values > 0.5))
        chosen = set(members)
        cut = np.array([-1.0 if i in chosen else 1.0 for i in range(n)])
        if is_valid(problem, members):
            found.append((objective(problem, members), members))
            cuts.append((h.getNumRow(), len(members)))
            h.addRow(needed - len(members), highspy.kHighsInf, n, np.arange(n, dtype=np.int32), cut)
        else:  # rows hold to ~1e-7 and the Python rule is the reference: drop just this set
            h.addRow(DISTINCT_DIFFERENCE - len(members), highspy.kHighsInf, n, np.arange(n, dtype=np.int32), cut)
    return found, True
