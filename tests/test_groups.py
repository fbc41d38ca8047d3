"""Supplier groups (``matching.groups``), pure: hand-built pools for the rules, seeded random pools
for the solvers, no database."""

from __future__ import annotations

import itertools
import json
import math
import time

import numpy as np
import pytest

from matching import group_problem
from matching.catalog import haversine_km
from matching.group_exact import solve_exact
from matching.group_heuristic import solve_heuristic
from matching.group_problem import TERMS, build_problem, is_valid, objective, select_diverse
from matching.group_reasons import group_reason, percent
from matching.groups import (
    EXACT_POOL_LIMIT,
    Group,
    GroupCandidate,
    Member,
    find_groups,
    optimality_gap,
    shares_uf,
)

BUYER = (-34.17, -70.74)  # Rancagua
KM_PER_DEGREE = 111.19


def place(east_km: float, north_km: float) -> tuple[float, float]:
    """A point ``east_km``/``north_km`` from the buyer (flat-earth offsets; fine at these distances)."""
    lat = BUYER[0] + north_km / KM_PER_DEGREE
    return lat, BUYER[1] + east_km / (KM_PER_DEGREE * math.cos(math.radians(BUYER[0])))


def firm(rut: str, capacity: float, east: float = 0.0, north: float = 0.0, score: float = 0.5,
         eligible: bool = True, cooperative: bool = False, member_of: tuple[str, ...] = ()) -> GroupCandidate:
    lat, lon = place(east, north)
    return GroupCandidate(rut=rut, name=f"Firma {rut}", capacity_uf=capacity, lat=lat, lon=lon,
                          km_to_buyer=haversine_km(lat, lon, *BUYER), score=score, eligible=eligible,
                          is_cooperative=cooperative, cooperatives=frozenset(member_of))


def random_pool(seed: int, n: int, places: int | None = None) -> tuple[list[GroupCandidate], float, set]:
    """``n`` firms in ``places`` comunas within ~70 km of the buyer; the volume needs ~3 median firms."""
    rng = np.random.default_rng(seed)
    centres = [place(*rng.uniform(-50, 50, 2)) for _ in range(places or max(3, n // 4))]
    cooperatives = [f"7{seed:03d}{k}-K" for k in range(max(1, n // 12))]
    pool = []
    for i in range(n):
        lat, lon = centres[rng.integers(len(centres))]
        is_cooperative = bool(rng.random() < 0.1)
        capacity = float(np.exp(rng.normal(math.log(400), 0.8))) * (3 if is_cooperative else 1)
        member_of = frozenset() if is_cooperative else frozenset(c for c in cooperatives if rng.random() < 0.1)
        pool.append(GroupCandidate(
            rut=f"{seed}-{i}", name=f"Firma {i}", capacity_uf=round(capacity, 1), lat=lat, lon=lon,
            km_to_buyer=haversine_km(lat, lon, *BUYER), score=float(rng.uniform(0.2, 0.9)),
            eligible=bool(rng.random() > 0.1), is_cooperative=is_cooperative, cooperatives=member_of))
    volume = float(round(3 * np.median([f.capacity_uf for f in pool])))
    ruts = [f.rut for f in pool]
    allied = {frozenset(rng.choice(ruts, 2, replace=False).tolist()) for _ in range(n // 3)}
    return pool, volume, allied


def all_groups(pool, volume, allied=(), max_size=5):
    """Every valid group with its score, best first: the rules applied by brute force."""
    problem = build_problem([f for f in pool if f.eligible], volume, allied, max_size)
    ranked = [(objective(problem, c), c) for s in range(1, max_size + 1)
              for c in itertools.combinations(range(problem.size), s) if is_valid(problem, c)]
    return problem, sorted(ranked, key=lambda vm: (-vm[0], vm[1]))


# -- what a group is -----------------------------------------------------------------------------

def test_a_volume_no_single_firm_covers_gets_groups_that_cover_it():
    pool = [firm("1-9", 400, east=2), firm("2-7", 350, east=-3), firm("3-5", 300, north=4), firm("4-3", 250, north=-2),
            firm("5-1", 200, east=6)]
    result = find_groups(1000, pool)
    assert result.status == "found" and result.groups
    for group in result.groups:
        assert group.size >= 2
        assert group.capacity_uf >= 1000 and group.coverage >= 1
        assert group.coverage_percent == pytest.approx(100 * group.coverage)


def test_no_group_contains_an_ineligible_firm():
    # The ineligible firms are the best on paper: closest, best scored, big enough to pair.
    pool = [firm("1-9", 600, score=0.95, eligible=False), firm("2-7", 600, score=0.95, eligible=False),
            firm("3-5", 500, east=10), firm("4-3", 450, east=12), firm("5-1", 400, north=15), firm("6-K", 300, east=11)]
    result = find_groups(1000, pool)
    assert result.groups
    assert result.eligible_firms == 4
    assert all({"1-9", "2-7"}.isdisjoint(g.ruts) for g in result.groups)


@pytest.mark.parametrize("solver", ["exact", "heuristic"])
def test_an_existing_cooperative_covering_the_need_ranks_above_an_equally_distant_ad_hoc_group(solver):
    # Same place, same scores: the cooperative alone against two firms that together cover the same.
    pool = [firm("70000000-1", 1100, east=8, cooperative=True), firm("1-9", 600, east=8), firm("2-7", 550, east=8)]
    result = find_groups(1000, pool, solver=solver)
    first = result.groups[0]
    assert first.ruts == ("70000000-1",)
    assert first.existing_cooperative and first.cooperative_rut == "70000000-1"
    assert result.groups[1].ruts == ("1-9", "2-7") and not result.groups[1].existing_cooperative
    assert first.score > result.groups[1].score


def test_a_cooperative_alone_is_listed_first_when_a_group_is_exactly_as_good():
    # The ad hoc pair is closer and better scored, exactly enough to make up for the cooperative bonus
    # and the extra member: equal scores, and the group of one goes first.
    coop = firm("70000000-1", 1100, east=20, cooperative=True, score=0.5)
    pair_score = 0.5 + group_problem.COOPERATIVE_BONUS + group_problem.EXTRA_MEMBER_PENALTY
    pool = [coop, firm("1-9", 600, east=20, score=pair_score), firm("2-7", 550, east=20, score=pair_score)]
    groups = find_groups(1000, pool).groups
    assert groups[0].score == pytest.approx(groups[1].score)
    assert groups[0].ruts == ("70000000-1",)


@pytest.mark.parametrize("solver", ["exact", "heuristic"])
@pytest.mark.parametrize(
    ("pool", "status"),
    [
        ([firm("1-9", 1500)], "no_valid_group"),
        ([firm("1-9", 1500, score=0.99), firm("2-7", 100)], "no_valid_group"),
        ([firm("1-9", 1500, score=0.99), firm("2-7", 600), firm("3-5", 500)], "found"),
    ],
    ids=["alone", "with-a-small-helper", "beside-a-real-group"],
)
def test_a_single_non_cooperative_firm_covering_the_volume_is_never_a_group(pool, status, solver):
    result = find_groups(1000, pool, solver=solver)
    assert result.status == status
    assert all("1-9" not in g.ruts for g in result.groups)


def test_every_member_is_needed():
    pool, volume, allied = random_pool(3, 40)
    for group in find_groups(volume, pool, allied).groups:
        smallest = min(m.capacity_uf for m in group.members)
        assert group.capacity_uf - smallest < volume


def test_a_cooperative_and_its_own_member_are_never_in_one_group():
    # The member's pledge is already in the cooperative's capacity.
    pool = [firm("70000000-1", 600, cooperative=True), firm("1-9", 500, member_of=("70000000-1",)),
            firm("2-7", 450, east=30), firm("3-5", 200, east=35)]
    groups = find_groups(1000, pool).groups
    assert groups
    assert all({"70000000-1", "1-9"} - set(g.ruts) for g in groups)


def test_members_of_one_cooperative_count_as_an_existing_cooperative():
    coop = "70000000-1"
    pool = [firm("1-9", 600, member_of=(coop,)), firm("2-7", 500, member_of=(coop, "71000000-2")),
            firm("3-5", 600), firm("4-3", 500)]
    groups = {g.ruts: g for g in find_groups(1000, pool, limit=10).groups}
    together = groups[("1-9", "2-7")]
    assert together.existing_cooperative and together.cooperative_rut == coop
    assert together.terms["cooperative"] == group_problem.COOPERATIVE_BONUS
    assert not groups[("1-9", "3-5")].existing_cooperative


def test_allied_pairs_are_counted_and_rewarded():
    pool = [firm("1-9", 400), firm("2-7", 400), firm("3-5", 400), firm("4-3", 400)]
    allied = {frozenset({"1-9", "2-7"}), frozenset({"2-7", "3-5"}), frozenset({"4-3", "9-9"})}
    groups = {g.ruts: g for g in find_groups(1000, pool, allied, limit=10).groups}
    assert groups[("1-9", "2-7", "3-5")].allied_pairs == 2
    assert groups[("1-9", "3-5", "4-3")].allied_pairs == 0
    assert next(iter(groups.values())).ruts == ("1-9", "2-7", "3-5")


def test_spread_is_the_catalog_haversine_between_the_two_farthest_members():
    # One definition of the distance: matching.catalog's.
    assert group_problem.haversine_km is haversine_km
    pool = [firm("1-9", 400), firm("2-7", 400, east=10), firm("3-5", 400, east=4, north=3)]
    group = find_groups(1000, pool).groups[0]
    a, b = pool[0], pool[1]
    assert group.spread_km == pytest.approx(haversine_km(a.lat, a.lon, b.lat, b.lon))
    assert group.mean_km_to_buyer == pytest.approx(np.mean([f.km_to_buyer for f in pool]))
    same_place = find_groups(1000, [firm("1-9", 600, east=5), firm("2-7", 500, east=5)]).groups[0]
    assert same_place.spread_km == 0


def test_score_is_the_sum_of_its_named_terms():
    pool, volume, allied = random_pool(5, 30)
    for group in find_groups(volume, pool, allied).groups:
        assert tuple(group.terms) == TERMS
        assert group.score == pytest.approx(sum(group.terms.values()))
        assert group.terms["size"] == pytest.approx(-group_problem.EXTRA_MEMBER_PENALTY * (group.size - 1))


# -- shares ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(8))
def test_shares_sum_to_the_volume_and_never_exceed_a_members_capacity(seed):
    pool, volume, allied = random_pool(seed, 25)
    for group in find_groups(volume, pool, allied).groups:
        assert sum(m.share_uf for m in group.members) == pytest.approx(volume, rel=1e-12)
        assert all(0 < m.share_uf <= m.capacity_uf for m in group.members)
        # Everyone commits the same fraction of their capacity.
        assert {round(m.share_uf / m.capacity_uf, 9) for m in group.members} == {round(1 / group.coverage, 9)}


def test_shares_fill_capacity_exactly_when_coverage_is_exactly_the_volume():
    assert shares_uf(1000.0, [600.0, 400.0]) == [600.0, 400.0]
    assert sum(shares_uf(1.0, [0.1, 0.2, 0.7])) == pytest.approx(1.0)


def test_members_come_largest_share_first_whatever_the_pool_order():
    pool, volume, allied = random_pool(11, 14)
    forward = find_groups(volume, pool, allied, solver="exact", budget_s=10)
    backward = find_groups(volume, pool[::-1], allied, solver="exact", budget_s=10)
    assert [g.ruts for g in forward.groups] == [g.ruts for g in backward.groups]
    for group in forward.groups:
        shares = [m.share_uf for m in group.members]
        assert shares == sorted(shares, reverse=True)


# -- top k ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("solver", ["exact", "heuristic"])
def test_the_k_groups_are_distinct_and_differ_by_more_than_one_swap_while_the_pool_allows(solver):
    pool, volume, allied = random_pool(2, 14)
    groups = find_groups(volume, pool, allied, solver=solver, budget_s=5).groups
    assert len(groups) == 5
    sets = [frozenset(g.ruts) for g in groups]
    assert len(set(sets)) == len(sets)
    assert all(len(a ^ b) >= group_problem.DIVERSE_DIFFERENCE for a, b in itertools.combinations(sets, 2))
    assert [g.score for g in groups] == sorted((g.score for g in groups), reverse=True)


@pytest.mark.parametrize("solver", ["exact", "heuristic"])
def test_a_tiny_pool_fills_with_merely_distinct_groups(solver):
    pool = [firm("1-9", 500), firm("2-7", 500, east=1), firm("3-5", 500, east=2)]
    groups = find_groups(1000, pool, solver=solver).groups
    assert sorted(g.ruts for g in groups) == [("1-9", "2-7"), ("1-9", "3-5"), ("2-7", "3-5")]
    assert [g.ruts for g in find_groups(1000, pool[:2], solver=solver).groups] == [("1-9", "2-7")]


def test_select_diverse_prefers_diverse_groups_then_fills_with_distinct_ones():
    ranked = [(0.9, (0, 1)), (0.8, (0, 2)), (0.7, (3, 4)), (0.6, (1, 2))]
    assert [m for _, m in select_diverse(ranked, 3)] == [(0, 1), (3, 4), (0, 2)]
    assert select_diverse(ranked, 2, taken=[(0, 1)]) == [(0.7, (3, 4)), (0.8, (0, 2))]


# -- the two solvers -----------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(12))
def test_the_exact_program_finds_the_brute_force_top_k(seed):
    pool, volume, allied = random_pool(seed, 6 + seed % 5)
    problem, ranked = all_groups(pool, volume, allied)
    expected = select_diverse(ranked, 5)
    found, complete = solve_exact(problem, 5, time.perf_counter() + 10)
    assert complete
    assert [round(v, 9) for v, _ in found] == [round(v, 9) for v, _ in expected]


@pytest.mark.parametrize("seed", range(36))
def test_heuristic_is_within_five_percent_of_the_exact_optimum_and_never_better(seed):
    pool, volume, allied = random_pool(100 + seed, 6 + seed % EXACT_POOL_LIMIT)
    gap = optimality_gap(pool, volume, allied, exact_budget_s=20)
    assert -1e-9 <= gap <= 0.05


def test_exact_and_heuristic_report_their_method():
    pool, volume, allied = random_pool(4, EXACT_POOL_LIMIT)
    assert {g.method for g in find_groups(volume, pool, allied, budget_s=5).groups} == {"exact"}
    big_pool, big_volume, big_allied = random_pool(4, 3 * EXACT_POOL_LIMIT)
    assert {g.method for g in find_groups(big_volume, big_pool, big_allied).groups} == {"heuristic"}


@pytest.mark.parametrize(("n", "budget_s"), [(200, 0.3), (200, 0.05), (40, 0.05)],
                         ids=["default", "tight", "exact-tight"])
def test_the_time_budget_is_respected(n, budget_s):
    pool, volume, allied = random_pool(9, n, places=n // 3)
    solver = "exact" if n <= 40 else "auto"
    started = time.perf_counter()
    result = find_groups(volume, pool, allied, budget_s=budget_s, solver=solver)
    assert time.perf_counter() - started <= budget_s + 0.1
    assert result.elapsed_s <= budget_s + 0.1


def test_an_exact_search_cut_short_is_finished_by_the_heuristic():
    pool, volume, allied = random_pool(4, EXACT_POOL_LIMIT)
    problem = build_problem([f for f in pool if f.eligible], volume, allied, 5)
    found, complete = solve_exact(problem, 5, time.perf_counter() + 0.001)
    assert (found, complete) == ([], False)
    rest = solve_heuristic(problem, 5, time.perf_counter() + 1)
    assert rest and all(is_valid(problem, m) for _, m in rest)


# -- when there are no groups --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("pool", "status", "pool_coverage", "reach_coverage"),
    [
        ([], "no_eligible_firms", 0.0, 0.0),
        ([firm("1-9", 800, eligible=False)], "no_eligible_firms", 0.0, 0.0),
        ([firm("1-9", 300), firm("2-7", 250)], "pool_below_volume", 0.55, 0.55),
        ([firm(f"{i}-9", 150) for i in range(8)], "needs_more_members", 1.2, 0.75),
    ],
    ids=["empty", "all-ineligible", "pool-short", "too-many-members-needed"],
)
def test_an_empty_or_insufficient_pool_returns_no_groups_and_says_how_far_it_gets(pool, status, pool_coverage,
                                                                                   reach_coverage):
    result = find_groups(1000, pool)
    assert result.groups == ()
    assert result.status == status
    assert result.pool_coverage == pytest.approx(pool_coverage)
    assert result.reach_coverage == pytest.approx(reach_coverage)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: find_groups(0, [firm("1-9", 1)]), "volume_uf"),
        (lambda: find_groups(100, [firm("1-9", 10), firm("1-9", 20)]), "twice"),
        (lambda: find_groups(100, [firm("1-9", 0)]), "capacity_uf"),
        (lambda: find_groups(100, [firm("1-9", math.nan)]), "capacity_uf"),
        (lambda: find_groups(100, [firm("1-9", 10)], limit=0), "limit"),
    ],
    ids=["zero-volume", "duplicate-rut", "zero-capacity", "nan-capacity", "no-limit"],
)
def test_invalid_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_result_serializes_to_json():
    pool, volume, allied = random_pool(6, 20)
    data = json.loads(json.dumps(find_groups(volume, pool, allied).as_dict()))
    assert data["status"] == "found"
    group = data["groups"][0]
    assert set(group["terms"]) == set(TERMS)
    assert {"rut", "name", "capacity_uf", "share_uf", "km_to_buyer", "is_cooperative"} == set(group["members"][0])


# -- the Spanish sentence ------------------------------------------------------------------------

def _group(*members: tuple[str, float, bool], spread: float = 0.0, coverage: float = 1.15, allied: int = 0,
           cooperative: str | None = None) -> Group:
    return Group(
        members=tuple(Member(f"{i}-9", name, 100.0, 100.0 / coverage, 5.0, is_coop)
                      for i, (name, _, is_coop) in enumerate(members)),
        volume_uf=100.0 * len(members) / coverage, capacity_uf=100.0 * len(members), coverage=coverage,
        spread_km=spread, mean_km_to_buyer=5.0, existing_cooperative=cooperative is not None,
        cooperative_rut=cooperative, allied_pairs=allied, score=0.5, terms={}, method="exact",
    )


FIRM = ("Quesos Doña Rosa", 0.0, False)
COOP = ("Cooperativa Campesina Valle", 0.0, True)


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        (_group(FIRM, FIRM, FIRM, spread=11.3, allied=1),
         "Tres empresas a no más de 12 km entre sí cubren el 115 % del volumen; dos ya trabajan juntas en una alianza"),
        (_group(FIRM, FIRM, spread=8.43, coverage=1.0),
         "Dos empresas a no más de 8,5 km entre sí cubren el 100 % del volumen"),
        (_group(FIRM, FIRM, coverage=1.2999, cooperative="70000000-1"),
         "Dos empresas de una misma comuna cubren el 129 % del volumen; ambas son socias de una misma cooperativa"),
        (_group(COOP, FIRM, FIRM, spread=25.0, allied=3, cooperative="70000000-1"),
         "Una cooperativa y dos empresas a no más de 25 km entre sí cubren el 115 % del volumen; entre ellas hay "
         "tres parejas que ya trabajaron juntas en alianzas"),
        (_group(COOP, coverage=12.5, cooperative="70000000-1"),
         "Cooperativa Campesina Valle, una cooperativa, cubre por sí sola el 1.250 % del volumen"),
    ],
    ids=["three-allied", "two-close", "common-cooperative", "cooperative-and-firms", "cooperative-alone"],
)
def test_group_reason(group, expected):
    assert group_reason(group) == expected


def test_percent_rounds_down_so_coverage_is_never_overstated():
    assert percent(1.159) == "115 %"
    assert percent(1.0) == "100 %"
