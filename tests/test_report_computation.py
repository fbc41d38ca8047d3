"""The report's pure computation, without a database: scope validation, shares, supply and certification gaps."""

from __future__ import annotations

import random

import numpy as np
import pytest

from matching.candidates import search_area
from matching.catalog import Catalog
from matching.errors import InvalidInput
from matching.features import ALL_FEATURES, NeedContext
from matching.firm_table import passes_mandatory
from matching.matcher import score_candidates
from matching.ranker import order, prior
from matching.report_scenarios import certification_scenarios, pool_key, upgrade
from matching.reports import (
    FEW_CANDIDATES,
    GroupCounts,
    ReportParams,
    gap_level,
    group_counts,
    need_result,
    resolve_scope,
    summarize,
)

AS_OF = 1_790_000_000.0  # 2026-09-21
CODES = ("HACCP", "BPM", "ISO9001", "ISO14001")
PRODUCTS = ("quesos frescos y yogur", "leche y mantequilla", "pan amasado", "quesos maduros", "yogur natural",
            "servicio de aseo", "mermeladas")


def _firm(rng: random.Random, i: int, cuts: list[str]) -> dict:
    certs = [[code, rng.choice(["valid", "in_progress", "expired"]), None]
             for code in rng.sample(CODES, rng.randint(0, 3))]
    return {
        "rut": f"{1_000_000 + i}-{i % 10}", "name": f"Firma {i}", "comuna": rng.choice(cuts),
        "sectors": [rng.choice(["1050", "1051", "1010", "1079"])],
        "size_segment": rng.choice(["micro_1", "micro_2", "pequena_1", "mediana_1"]),
        "annual_sales_uf": rng.uniform(50, 20_000), "employees": 3,
        "owner_gender": rng.choice(["F", "M", "unknown"]), "products": rng.choice(PRODUCTS),
        "cooperative": rng.random() < 0.1, "coops": [], "certs": certs, "advisory_hours": rng.choice([0.0, 12.0]),
        "alliances": [], "proposals": [],
    }


def _need(catalog: Catalog, **overrides) -> NeedContext:
    values = {"need_id": "need_000000000001", "buyer_rut": "76000000-0",
              "comuna": catalog.resolve_comuna("Rancagua").cut, "radius_km": 60.0, "sectors": ("1050",),
              "text": "Quesos y yogur para casino", "required": ("HACCP", "BPM"), "as_of": AS_OF}
    values.update(overrides)
    return NeedContext(**values)


def _pool(catalog: Catalog, ctx: NeedContext, n: int, seed: int) -> tuple[list[dict], object]:
    area = search_area(catalog, ctx.comuna, ctx.radius_km, ctx.sectors)
    rng = random.Random(seed)
    firms = [_firm(rng, i, area.cuts) for i in range(n)]
    firms.sort(key=lambda c: pool_key(c, area.tiers, area.km))
    return firms, area


def _full_top(ctx, pool, catalog, area, k):
    _, scores, best = score_candidates(ctx, pool, catalog, area.tiers, prior())
    return {pool[i]["rut"] for i in best[:k].tolist()}


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_certification_scenario_shortcut_equals_full_recomputation(catalog, seed):
    ctx = _need(catalog)
    pool, area = _pool(catalog, ctx, 120, seed)
    base = _full_top(ctx, pool, catalog, area, 5)
    changes = certification_scenarios(ctx, pool, [], catalog, area.tiers, area.km, prior(), 5, 2000)
    assert changes, "the random pool holds certifications in progress"
    for change in changes:
        upgraded = [dict(c, certs=upgrade(c["certs"], change.code)) for c in pool]
        expected = _full_top(ctx, upgraded, catalog, area, 5)
        assert set(change.entering) == expected - base, change.code


def test_upgrading_a_mandatory_certification_lets_excluded_firms_in(catalog):
    ctx = _need(catalog, mandatory=True, required=("HACCP",))
    pool, area = _pool(catalog, ctx, 80, 7)
    today = ctx.as_of_date
    included = [c for c in pool if passes_mandatory(c, ctx.required, today)]
    excluded = [c for c in pool if not passes_mandatory(c, ctx.required, today)
                and any(x[0] == "HACCP" and x[1] == "in_progress" for x in c["certs"])]
    assert included and excluded
    changes = {c.code: c for c in certification_scenarios(ctx, included, excluded, catalog, area.tiers, area.km,
                                                          prior(), 5, 2000)}
    upgraded = sorted(included + [dict(c, certs=upgrade(c["certs"], "HACCP")) for c in excluded],
                      key=lambda c: pool_key(c, area.tiers, area.km))
    upgraded = [dict(c, certs=upgrade(c["certs"], "HACCP")) for c in upgraded]
    expected = _full_top(ctx, upgraded, catalog, area, 5) - _full_top(ctx, included, catalog, area, 5)
    assert set(changes["HACCP"].entering) == expected
    assert {c["rut"] for c in excluded} <= set(changes["HACCP"].holders)


def test_no_certification_in_progress_means_no_scenario(catalog):
    ctx = _need(catalog)
    pool, area = _pool(catalog, ctx, 30, 5)
    for c in pool:
        c["certs"] = [x for x in c["certs"] if x[1] != "in_progress"]
    assert certification_scenarios(ctx, pool, [], catalog, area.tiers, area.km, prior(), 5, 2000) == []


def test_need_result_is_the_match_response_plus_counts(catalog):
    ctx = _need(catalog)
    pool, area = _pool(catalog, ctx, 40, 11)
    result = need_result(ctx, pool, [], catalog, area.tiers, area.km, prior(), 5, 2000, None)
    _, scores, best = score_candidates(ctx, pool, catalog, area.tiers, prior())
    assert [c["rut"] for c in result.response["candidates"]] == [pool[i]["rut"] for i in best[:5].tolist()]
    assert result.considered == group_counts(pool)
    assert result.recommended.n == 5
    assert list(order(scores, [c["rut"] for c in pool])[:5]) == list(best[:5])


def test_group_counts_and_shares():
    firms = [{"size_segment": "micro_1", "owner_gender": "F", "cooperative": True},
             {"size_segment": "pequena_1", "owner_gender": "M", "cooperative": False},
             {"size_segment": "micro_3", "owner_gender": "unknown", "cooperative": False},
             {"size_segment": None, "owner_gender": "F", "cooperative": False}]
    counts = group_counts(firms)
    assert counts == GroupCounts(n=4, micro=2, women=2, cooperative=1)
    assert counts.shares() == {"micro": 0.5, "women": 0.5, "cooperative": 0.25}
    assert (counts + counts).n == 8 and GroupCounts().shares()["micro"] is None


@pytest.mark.parametrize(("considered", "level"), [
    (0, "sin_candidatos"), (1, "pocos"), (FEW_CANDIDATES - 1, "pocos"), (FEW_CANDIDATES, "suficientes"),
], ids=["none", "one", "just-below", "enough"])
def test_gap_levels(considered, level):
    assert gap_level(considered) == level


def test_summarize_groups_gaps_by_region_and_sector(catalog):
    ctx = _need(catalog)
    pool, area = _pool(catalog, ctx, 20, 3)
    full = need_result(ctx, pool, [], catalog, area.tiers, area.km, prior(), 5, 2000, None)
    empty = need_result(_need(catalog, need_id="need_000000000002"), [], [], catalog, area.tiers, area.km, prior(),
                        5, 2000, None)
    needs = [{"id": "need_000000000001", "region_cut": "06", "sectors": ["1050"]},
             {"id": "need_000000000002", "region_cut": "05", "sectors": ["0111"]}]
    summary = summarize(needs, {"need_000000000001": full, "need_000000000002": empty}, catalog)
    assert summary["needs"] == 2 and summary["needs_with_candidates"] == 1
    assert summary["supply_gaps"]["by_region"][0]["key"] == "05"
    assert summary["supply_gaps"]["by_region"][0]["sin_candidatos"] == 1
    assert summary["supply_gaps"]["by_sector"][0]["key"] == "01"
    assert [g["need"]["id"] for g in summary["supply_gaps"]["needs"]] == ["need_000000000002"]
    assert summary["recommendations"] == 5


@pytest.mark.parametrize(("values", "field"), [
    ({"region": "Atlántida"}, "region"),
    ({"center": "Centro que no existe"}, "center"),
], ids=["unknown-region", "unknown-center"])
def test_unknown_filters_name_the_field(catalog, values, field):
    with pytest.raises(InvalidInput) as info:
        resolve_scope(ReportParams(**values), catalog, [{"id": "ctr_000000000001", "name": "Centro Rancagua"}])
    assert [e.field for e in info.value.errors] == [field]


def test_filters_resolve_names_to_keys(catalog):
    scope = resolve_scope(ReportParams(region="O'Higgins", center="centro rancagua", top=3), catalog,
                          [{"id": "ctr_000000000001", "name": "Centro Rancagua"}])
    assert (scope.region, scope.center, scope.top) == ("06", "ctr_000000000001", 3)


def test_unknown_buyer_is_an_error(catalog):
    with pytest.raises(InvalidInput) as info:
        resolve_scope(ReportParams(buyer="76.086.428-5"), catalog, [], buyer_exists=False)
    assert info.value.errors[0].field == "buyer"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_top_set_matches_the_rankers_order(seed):
    from matching.report_scenarios import _top_set

    rng = np.random.default_rng(seed)
    scores = np.round(rng.random(300), 2)  # many ties
    ruts = [f"{1_000_000 + i}-{i % 10}" for i in rng.permutation(300)]
    for k in (1, 5, 20, 300, 400):
        assert _top_set(scores, ruts, k) == [ruts[i] for i in order(scores, ruts)[:k].tolist()]


def test_cert_columns_equal_the_featurizer(catalog):
    from matching.features import CandidateBatch, CandidateFeaturizer
    from matching.report_scenarios import cert_feature_rows

    ctx = _need(catalog)
    pool, area = _pool(catalog, ctx, 60, 9)
    matrix = CandidateFeaturizer().extract(CandidateBatch(ctx, pool, catalog, area.tiers)).matrix
    cols = [ALL_FEATURES.index(n) for n in ("cert_coverage", "cert_missing", "other_certifications")]
    for row, firm in zip(matrix, pool, strict=True):
        assert np.allclose(row[cols], cert_feature_rows(ctx, [firm])[0])
