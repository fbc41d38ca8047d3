"""The candidate rule against the real Neo4j: every planned query returns exactly the reference query's list."""

from __future__ import annotations

import itertools
import random
from datetime import date

import pytest

from graph_schema.candidates import fetch_candidates
from graph_schema.reference import fetch_catalog
from matching.candidates import CandidatePlan, Walk, rings_of, search_area
from tests.helpers import make_rut
from tests.matching_seed import cleanup, firm, seed_firms, tag_for

HACCP = [{"code": "HACCP", "status": "valid", "valid_until": "2030-01-01"}]


@pytest.fixture(scope="module")
def scenario(driver):
    """Firms of a class (1392), its group (1391) and its division (1311) around Valdivia, some large."""
    catalog = fetch_catalog(driver)
    tag = tag_for(random.Random())
    origin = catalog.resolve_comuna("Valdivia").cut
    area = search_area(catalog, origin, 60.0, ["1392"])
    nearby = sorted(area.cuts, key=lambda cut: area.km[cut])[:4]
    rng = random.Random(5)
    firms = []
    for i in range(16):
        sectors = [("1392", "1391", "1311")[i % 3]] + (["1311"] if i % 5 == 0 else [])
        firms.append(firm(make_rut(rng), nearby[i % len(nearby)], sectors=sectors,
                          annual_sales_uf=500_000.0 if i % 7 == 3 else 900.0,
                          certifications=HACCP if i % 4 == 0 else []))
    seed_firms(driver, firms, tag)
    yield catalog, area
    cleanup(driver, tag)


@pytest.mark.parametrize("cap", [1, 4, 7, 1000])
@pytest.mark.parametrize("mandatory", [False, True], ids=["soft", "mandatory"])
def test_every_plan_returns_the_reference_candidates(driver, scenario, cap, mandatory):
    catalog, area = scenario
    kwargs = {"codes": area.codes, "tiers": area.tiers, "cuts": area.cuts, "km": area.km, "required": ["HACCP"],
              "mandatory": mandatory, "today": date(2026, 11, 25), "cap": cap}
    reference = [c["rut"] for c in fetch_candidates(driver, **kwargs)]
    assert reference, "the scenario has candidates"
    tiers = sorted(set(area.tiers.values()))
    codes = tuple(tuple(sorted(c for c, t in area.tiers.items() if t == tier)) for tier in tiers)
    rings = tuple(tuple(r) for r in rings_of(area, dict.fromkeys(area.cuts, 1), ring_firms=1))  # a comuna per ring
    for walks in itertools.product(list(Walk), repeat=len(tiers)):
        plan = CandidatePlan(tuple(walks), codes, rings)
        planned = [c["rut"] for c in fetch_candidates(driver, plan=plan, **kwargs)]
        assert planned == reference, [w.value for w in walks]
    if mandatory:  # starting from the holders of the required certification
        plan = CandidatePlan(tuple(Walk.SECTORS for _ in tiers), codes, rings, start="HACCP")
        assert [c["rut"] for c in fetch_candidates(driver, plan=plan, **kwargs)] == reference


@pytest.mark.parametrize("mandatory", [False, True], ids=["soft", "mandatory"])
def test_candidates_split_over_records_keep_their_order(driver, scenario, mandatory):
    catalog, area = scenario
    kwargs = {"codes": area.codes, "tiers": area.tiers, "cuts": area.cuts, "km": area.km, "required": ["HACCP"],
              "mandatory": mandatory, "today": date(2026, 11, 25), "cap": 1000}
    whole = [c["rut"] for c in fetch_candidates(driver, chunk=1000, **kwargs)]
    assert len(whole) > 3
    tiers = sorted(set(area.tiers.values()))
    codes = tuple(tuple(sorted(c for c, t in area.tiers.items() if t == tier)) for tier in tiers)
    plan = CandidatePlan(tuple(Walk.JOIN for _ in tiers), codes, ())
    assert [c["rut"] for c in fetch_candidates(driver, chunk=3, **kwargs)] == whole
    assert [c["rut"] for c in fetch_candidates(driver, plan=plan, chunk=3, **kwargs)] == whole


def test_large_firms_and_buyers_never_come_back(driver, scenario):
    catalog, area = scenario
    found = fetch_candidates(driver, codes=area.codes, tiers=area.tiers, cuts=area.cuts, km=area.km, required=[],
                             mandatory=False, today=date(2026, 11, 25), cap=1000)
    assert all(c["size_segment"] != "grande" for c in found)
    assert len({c["rut"] for c in found}) == len(found)
