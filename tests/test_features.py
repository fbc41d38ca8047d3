"""Candidate features without a database: the reference catalog comes from the packages themselves."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from sklearn.base import clone

from matching.candidates import TIER_DIVISION, TIER_GROUP, TIER_OWN, Walk, sector_tiers
from matching.catalog import Catalog
from matching.features import (
    ALL_FEATURES,
    CandidateBatch,
    CandidateFeaturizer,
    NeedContext,
    Supplier,
    cert_columns,
    cert_states,
    native_date,
)

AS_OF = 1_790_000_000.0  # 2026-09-21
BUYER = "76000000-0"


def cut(catalog: Catalog, name: str) -> str:
    return catalog.resolve_comuna(name).cut


def candidate(rut: str, comuna: str, **overrides) -> dict:
    row = {"rut": rut, "name": f"Firma {rut}", "comuna": comuna, "sectors": ["1050"], "size_segment": "micro_2",
           "annual_sales_uf": 400.0, "employees": 3, "owner_gender": "unknown", "products": "",
           "cooperative": False, "coops": [], "certs": [], "advisory_hours": 0.0, "alliances": [], "proposals": []}
    row.update(overrides)
    return row


def context(catalog: Catalog, **overrides) -> NeedContext:
    values = {"need_id": "need_000000000001", "buyer_rut": BUYER, "comuna": cut(catalog, "Rancagua"),
              "radius_km": 50.0, "sectors": ("1050",), "text": "Quesos y yogur", "as_of": AS_OF}
    values.update(overrides)
    return NeedContext(**values)


def features(catalog: Catalog, ctx: NeedContext, cands: list[dict]) -> dict[str, np.ndarray]:
    batch = CandidateBatch(ctx, cands, catalog, sector_tiers(catalog, ctx.sectors))
    matrix = CandidateFeaturizer().fit(batch).transform(batch)
    assert matrix.shape == (len(cands), len(ALL_FEATURES))
    return {name: matrix[:, i] for i, name in enumerate(ALL_FEATURES)}


def test_featurizer_is_a_stateless_transformer():
    featurizer = CandidateFeaturizer(proximity_scale_km=10.0)
    twin = clone(featurizer)
    assert twin.get_params() == {"proximity_scale_km": 10.0, "capacity_share": 0.5, "in_progress_credit": 0.5}
    assert featurizer.fit(None) is featurizer
    assert list(featurizer.get_feature_names_out()) == list(ALL_FEATURES)
    assert featurizer.__sklearn_tags__().requires_fit is False


def test_every_feature_lies_in_unit_interval(catalog):
    ctx = context(catalog, required=("HACCP", "ISO9001"), volume_uf=1000.0, prefer=frozenset({"women", "micro"}))
    cands = [candidate(f"{i}-K", cut(catalog, name), advisory_hours=float(i * 50), certs=[["BPM", "valid", None]] * i)
             for i, name in enumerate(["Rancagua", "Machalí", "Santiago", "Arica"])]
    values = features(catalog, ctx, cands)
    for name, column in values.items():
        assert ((column >= 0) & (column <= 1)).all(), name


@pytest.mark.parametrize(
    ("firm_classes", "expected"),
    [(["1050"], 1.0), (["1040", "1050"], 1.0), (["1061"], 0.5), (["1200"], 0.25), (["0111"], 0.0)],
    ids=["own-class", "best-of-several", "same-division", "same-section", "other-section"],
)
def test_sector_similarity_follows_the_isic_tree(catalog, firm_classes, expected):
    values = features(catalog, context(catalog), [candidate("1-9", cut(catalog, "Rancagua"), sectors=firm_classes)])
    assert values["sector_similarity"][0] == expected


def test_sector_tiers_widen_from_class_to_group_to_division(catalog):
    tiers = sector_tiers(catalog, ["1512"])
    assert tiers["1512"] == TIER_OWN
    assert tiers["1511"] == TIER_GROUP
    assert tiers["1520"] == TIER_DIVISION
    assert "1610" not in tiers
    assert set(sector_tiers(catalog, ["15"]).values()) == {TIER_OWN}


def test_territory_features(catalog):
    rancagua = cut(catalog, "Rancagua")
    neighbour = cut(catalog, "Graneros")
    assert neighbour in catalog.adjacency[rancagua]
    cands = [candidate("1-9", rancagua), candidate("2-7", neighbour), candidate("3-5", cut(catalog, "Arica"))]
    values = features(catalog, context(catalog), cands)
    assert values["proximity"][0] == 1.0
    assert values["same_comuna"].tolist() == [1.0, 0.0, 0.0]
    assert values["adjacent_comuna"].tolist() == [0.0, 1.0, 0.0]
    assert values["same_region"].tolist() == [1.0, 1.0, 0.0]
    km = catalog.distance_km(rancagua, cut(catalog, "Arica"))
    assert values["proximity"][2] == pytest.approx(math.exp(-km / 30.0))


@pytest.mark.parametrize(
    ("status", "until", "deadline", "state", "credit"),
    [
        ("valid", "2027-03-31", None, "valid", 1.0),
        ("valid", None, None, "valid", 1.0),
        ("valid", "2025-01-31", None, "expired", 0.0),  # lapsed before the reading date
        ("in_progress", "2027-01-15", date(2027, 6, 30), "in_progress_in_time", 0.5),
        ("in_progress", "2027-09-15", date(2027, 6, 30), "in_progress_late", 0.0),
        ("in_progress", None, date(2027, 6, 30), "in_progress_late", 0.0),
        ("in_progress", None, None, "in_progress_in_time", 0.5),
        ("expired", "2024-02-29", None, "expired", 0.0),
        (None, None, None, "missing", 0.0),
    ],
    ids=["valid", "valid-no-date", "valid-but-lapsed", "in-progress-in-time", "in-progress-late",
         "in-progress-no-date", "in-progress-no-deadline", "expired", "missing"],
)
def test_certification_credit(status, until, deadline, state, credit):
    certs = [["HACCP", status, until]] if status else []
    [result] = cert_states(("HACCP",), certs, date(2026, 9, 21), deadline)
    assert (result.state, result.credit) == (state, credit)


@pytest.mark.parametrize("deadline", [None, date(2027, 6, 30)], ids=["no-deadline", "deadline"])
def test_cert_columns_agree_with_cert_states_firm_by_firm(deadline):
    import random

    rng = random.Random(7)
    codes = ["HACCP", "ISO9001", "BPA", "BPM", "APL", "???"]
    statuses = ["valid", "in_progress", "expired", "unknown", None]
    dates = [None, "2024-02-29", "2026-09-21", "2027-01-15", "2027-09-15", date(2027, 3, 1)]
    cands = [{"certs": [[rng.choice(codes), rng.choice(statuses), rng.choice(dates)]
                        for _ in range(rng.randint(0, 4))] or rng.choice([[], None])} for _ in range(400)]
    as_of = date(2026, 9, 21)
    for required in [(), ("HACCP",), ("BPA", "HACCP", "ISO9001")]:
        credits, others = cert_columns(required, cands, as_of, deadline)
        assert credits.shape == (len(cands), len(required))
        for i, cand in enumerate(cands):
            states = cert_states(required, cand["certs"], as_of, deadline)
            assert credits[i].tolist() == [s.credit for s in states]
            assert others[i] == other_valid_certs(required, cand["certs"], as_of)


def test_certification_coverage_and_missing_share(catalog):
    ctx = context(catalog, required=("HACCP", "ISO9001"), deadline=date(2027, 6, 30))
    cands = [
        candidate("1-9", ctx.comuna, certs=[["HACCP", "valid", "2027-03-31"], ["ISO9001", "valid", None]]),
        candidate("2-7", ctx.comuna,
                  certs=[["HACCP", "valid", "2027-03-31"], ["ISO9001", "in_progress", "2027-01-01"]]),
        candidate("3-5", ctx.comuna, certs=[["HACCP", "expired", "2025-03-31"]]),
        candidate("4-3", ctx.comuna, certs=[["BPM", "valid", None], ["APL", "valid", None]]),
    ]
    values = features(catalog, ctx, cands)
    assert values["cert_coverage"].tolist() == [1.0, 0.75, 0.0, 0.0]
    assert values["cert_missing"].tolist() == [0.0, 0.0, 1.0, 1.0]
    assert values["other_certifications"].tolist() == [0.0, 0.0, 0.0, pytest.approx(2 / 3)]


@pytest.mark.parametrize(
    ("volume", "sales", "expected"),
    [(100.0, 400.0, 1.0), (200.0, 400.0, 1.0), (2000.0, 400.0, 0.5), (20000.0, 400.0, 0.0), (None, 400.0, 0.5),
     (100.0, None, 0.5)],
    ids=["small-need", "half-of-sales", "ten-times-capacity", "hundred-times", "no-volume", "no-sales"],
)
def test_capacity_fit(catalog, volume, sales, expected):
    ctx = context(catalog, volume_uf=volume)
    values = features(catalog, ctx, [candidate("1-9", ctx.comuna, annual_sales_uf=sales)])
    assert values["capacity_fit"][0] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("declared", "expected"),
    [(100.0, 1.0), (1000.0, 1.0), (10.0, 0.5), (0.0, 0.0)],
    ids=["declared-equal", "declared-above-sales-share", "declared-tenth", "declared-none"],
)
def test_capacity_fit_uses_the_declared_capacity_over_sales(catalog, declared, expected):
    ctx = context(catalog, volume_uf=100.0)
    values = features(catalog, ctx, [candidate("1-9", ctx.comuna, annual_sales_uf=40.0, supply_capacity_uf=declared)])
    assert values["capacity_fit"][0] == pytest.approx(expected)


def test_graph_signals_are_read_as_of_the_need_and_never_from_its_own_decisions(catalog):
    ctx = context(catalog, peer_buyers=frozenset({"77000000-7"}))
    before, after = AS_OF - 86_400, AS_OF + 86_400
    cand = candidate(
        "1-9", ctx.comuna,
        alliances=[[BUYER, before, None], [BUYER, after, "prop_x"], ["77000000-7", before, None],
                   ["78000000-5", before, None]],
        proposals=[["p1", "need_other", "accepted", before - 10, before],
                   ["p2", "need_other", "rejected", before, before],
                   ["p3", ctx.need_id, "accepted", before, before],
                   ["p4", "need_later", "accepted", before, after]],
        advisory_hours=39.0, coops=["70000000-1"],
    )
    values = features(catalog, ctx, [cand])
    assert values["alliances_with_buyer"][0] == pytest.approx(1 / 3)
    assert values["alliances_with_sector"][0] == pytest.approx(1 / 3)
    assert values["past_accepted"][0] == pytest.approx(1 / 3)  # not p3 (this need) nor p4 (decided later)
    assert values["past_rejected"][0] == pytest.approx(1 / 3)
    assert values["cooperative"][0] == 1.0
    assert values["advisory_hours"][0] == pytest.approx(math.log1p(39) / math.log1p(40))


def test_supplier_closeness(catalog):
    here = cut(catalog, "Rancagua")
    suppliers = (
        Supplier("60000000-1", AS_OF - 10, None, cut(catalog, "Machalí"), frozenset({"70000000-1"}), False),
        Supplier("61000000-8", AS_OF - 10, None, here, frozenset(), False),
        Supplier("62000000-4", AS_OF + 10, None, cut(catalog, "Graneros"), frozenset(), False),  # later
    )
    ctx = context(catalog, suppliers=suppliers)
    cands = [
        candidate("1-9", cut(catalog, "Santiago"), coops=["70000000-1"]),   # same cooperative
        candidate("2-7", here),                                             # same comuna as a supplier
        candidate("3-5", cut(catalog, "Graneros")),                         # only a later supplier there
        candidate("70000000-1", cut(catalog, "Talca"), cooperative=True),   # the supplier's cooperative
        candidate("60000000-1", cut(catalog, "Machalí"), coops=["70000000-1"]),  # a supplier: not its own link
    ]
    assert features(catalog, ctx, cands)["supplier_closeness"].tolist() == [1.0, 0.5, 0.0, 1.0, 0.0]


def test_preferences_are_zero_unless_the_need_asks(catalog):
    cands = [candidate("1-9", cut(catalog, "Rancagua"), owner_gender="F", cooperative=True, size_segment="micro_1",
                       certs=[["SELLO_MUJER", "valid", None]])]
    plain = features(catalog, context(catalog), cands)
    asked = features(catalog, context(catalog, prefer=frozenset({"women", "cooperatives", "micro"})), cands)
    for name in ("prefer_women", "prefer_cooperative", "prefer_micro"):
        assert plain[name][0] == 0.0
        assert asked[name][0] == 1.0


@pytest.mark.parametrize("prefer", [frozenset(), frozenset({"women", "cooperatives", "micro"})])
def test_model_features_do_not_depend_on_owner_gender(catalog, prefer):
    ctx = context(catalog, prefer=prefer)
    women = features(catalog, ctx, [candidate("1-9", ctx.comuna, owner_gender="F")])
    men = features(catalog, ctx, [candidate("1-9", ctx.comuna, owner_gender="M")])
    for name in ALL_FEATURES:
        assert women[name][0] == men[name][0], name


@pytest.mark.parametrize(("certs", "expected"), [
    ([["SELLO_MUJER", "valid", None]], 1.0),
    ([["SELLO_MUJER", "valid", "2030-01-01"]], 1.0),
    ([["SELLO_MUJER", "valid", "2020-01-01"]], 0.0),  # expired by date
    ([["SELLO_MUJER", "in_progress", "2027-01-01"]], 0.0),
    ([["SELLO_MUJER", "expired", None]], 0.0),
    ([["NCH3262", "valid", None]], 0.0),
    ([], 0.0),
], ids=["valid", "valid-dated", "past-date", "in-progress", "expired", "other-seal", "none"])
def test_women_preference_reads_only_the_valid_public_seal(catalog, certs, expected):
    ctx = context(catalog, prefer=frozenset({"women"}))
    got = features(catalog, ctx, [candidate("1-9", ctx.comuna, owner_gender="M", certs=certs)])
    assert got["prefer_women"][0] == expected


def test_empty_candidate_set_gives_an_empty_matrix(catalog):
    batch = CandidateBatch(context(catalog), [], catalog, {})
    assert CandidateFeaturizer().transform(batch).shape == (0, len(ALL_FEATURES))


# -- planning the candidate query (pure) ----------------------------------------------------------

def _area(catalog, radius=50.0, sectors=("1050",)):
    from matching.candidates import search_area

    return search_area(catalog, cut(catalog, "Rancagua"), radius, list(sectors))


def test_rings_never_split_comunas_at_the_same_distance(catalog):
    from matching.candidates import rings_of

    area = _area(catalog, radius=100)
    rings = rings_of(area, dict.fromkeys(area.cuts, 1000), ring_firms=2500)
    assert [c for r in rings for c in r] == sorted(area.cuts, key=lambda c: (area.km[c], c))
    for before, after in zip(rings, rings[1:], strict=False):
        assert max(area.km[c] for c in before) < min(area.km[c] for c in after)


@pytest.mark.parametrize(
    ("own_near", "own_total", "area_firms", "expected"),
    [
        (5000, 6000, 30_000, "rings"),     # dense near the need: the first ring fills the cap
        (10, 200, 30_000, "sectors"),      # a rare class: read its few firms nationwide
        (100, 40_000, 20_000, "join"),     # common nationwide, sparse here: join both lists
    ],
    ids=["dense-near", "rare-class", "common-elsewhere"],
)
def test_plan_picks_the_cheapest_walk_for_the_own_class(catalog, own_near, own_total, area_firms, expected):
    from matching.candidates import plan_candidates

    area = _area(catalog)
    per_comuna = area_firms // len(area.cuts)
    nearest = min(area.cuts, key=lambda c: area.km[c])
    class_comuna = {"1050": {nearest: own_near, "00000": own_total - own_near}}
    # Among the three walks that check each firm (the graph as it was before cells, or a graph without them).
    plan = plan_candidates(area, class_comuna, dict.fromkeys(area.cuts, per_comuna), cap=1000,
                           walks_allowed=(Walk.SECTORS, Walk.JOIN, Walk.RINGS))
    assert plan.walks[0].value == expected
    assert plan.tier_codes[0] == ("1050",)
    assert len(plan.walks) == len(set(area.tiers.values()))  # every tier keeps a branch


@pytest.mark.parametrize(
    ("own_near", "own_total", "area_firms", "expected"),
    [
        (5000, 6000, 30_000, "cells"),     # dense near the need: read the first ring's cells, not all its firms
        (0, 4, 30_000, "sectors"),         # a rare class: its 4 firms nationwide cost less than the seeks
        (100, 40_000, 20_000, "cells"),    # common nationwide, sparse here: the area's cells hold only 100
    ],
    ids=["dense-near", "rare-class", "common-elsewhere"],
)
def test_cells_win_unless_the_class_is_rare_nationwide(catalog, own_near, own_total, area_firms, expected):
    from matching.candidates import plan_candidates

    area = _area(catalog)
    nearest = min(area.cuts, key=lambda c: area.km[c])
    class_comuna = {"1050": {nearest: own_near, "00000": own_total - own_near}}
    plan = plan_candidates(area, class_comuna, dict.fromkeys(area.cuts, area_firms // len(area.cuts)), cap=1000)
    assert plan.walks[0].value == expected


@pytest.mark.parametrize(("holders", "mandatory", "start"), [
    ({"BPA": 2_000, "ISO9001": 8_000}, True, "BPA"),   # few holders: read them, not 40,000 firms of the class
    ({"BPA": 90_000}, True, None),                     # more holders than firms of the class: walk the tiers
    ({"BPA": 2_000}, False, None),                     # a soft requirement never narrows the search
], ids=["rare-certification", "common-certification", "soft"])
def test_plan_starts_from_a_rare_mandatory_certification(catalog, holders, mandatory, start):
    from matching.candidates import plan_need

    area = _area(catalog)
    nearest = min(area.cuts, key=lambda c: area.km[c])
    # 40,000 firms of the class in the area: even read from its cells, more than the rare holders.
    counts = ({"1050": {nearest: 40_000}}, dict.fromkeys(area.cuts, 1000), holders)
    assert plan_need(area, counts, tuple(holders), mandatory, cap=1000).start == start


def test_plan_does_not_trust_counts_under_a_mandatory_certification(catalog):
    from matching.candidates import plan_candidates

    area = _area(catalog)
    nearest = min(area.cuts, key=lambda c: area.km[c])
    counts = {"1050": {nearest: 5000, "00000": 1000}}
    firms = dict.fromkeys(area.cuts, 30_000 // len(area.cuts))
    old_walks = (Walk.SECTORS, Walk.JOIN, Walk.RINGS)
    assert plan_candidates(area, counts, firms, 1000, walks_allowed=old_walks).walks[0].value == "rings"
    assert plan_candidates(area, counts, firms, 1000, certification_filter=True,
                           walks_allowed=old_walks).walks[0].value != "rings"


# A firm-by-firm reference for the count of other valid certifications (the product computes it in
# ``cert_columns`` for the whole candidate set at once).
def other_valid_certs(required: tuple[str, ...], certs: list, as_of: date) -> int:
    """Valid certifications the need did not ask for."""
    count = 0
    for code, status, until in certs or ():
        if code in required or status != "valid":
            continue
        until = native_date(until)
        if until is None or until >= as_of:
            count += 1
    return count


@pytest.mark.parametrize(("buyer_sectors", "other_sectors", "peer"), [
    (["1050"], ["1071"], True),     # same division (10)
    (["1050"], ["C"], True),        # the other buyer registered at its section
    (["C"], ["2011"], True),        # a buyer registered at section C: every buyer of section C
    (["1050"], ["4711"], False),    # another section altogether
    ([], ["1050"], False),          # a buyer without sectors has no industry
], ids=["same-division", "other-at-section", "buyer-at-section", "other-section", "no-sectors"])
def test_peers_among_candidates_follow_the_industry_rule(catalog, buyer_sectors, other_sectors, peer):
    from matching.features import peers_among

    candidates = [{"alliances": [["77000000-7", 1.0, None, other_sectors], ["76000000-0", 1.0, None, other_sectors],
                                 [None, 1.0, None, []]]}]
    found = peers_among(catalog, "76000000-0", buyer_sectors, candidates)
    assert found == ({"77000000-7"} if peer else set())  # never the buyer itself, never an alliance without buyer


def test_km_from_an_origin_is_the_distance_to_every_comuna(catalog):
    origin = cut(catalog, "Rancagua")
    row = catalog.km_from(origin)
    assert set(row) == set(catalog.comunas) and row[origin] == 0.0
    for other in ("Arica", "Punta Arenas", "Machalí", "Santiago"):
        assert row[cut(catalog, other)] == pytest.approx(catalog.distance_km(origin, cut(catalog, other)), abs=1e-9)
    assert catalog.km_from(origin) is row  # computed once per origin


def test_a_short_list_names_the_nearest_comuna_outside_the_area_with_a_firm(catalog):
    from matching.candidates import nearest_with_firms

    area = _area(catalog, radius=30)
    origin = cut(catalog, "Rancagua")
    arica, talca, inside = cut(catalog, "Arica"), cut(catalog, "Talca"), area.cuts[0]
    counts = {"1050": {arica: 3, talca: 1, inside: 9}, "1071": {talca: 0}}
    assert nearest_with_firms(catalog, area, origin, ["1050"], counts) == (
        talca, round(catalog.distance_km(origin, talca), 1))
    assert nearest_with_firms(catalog, area, origin, ["1071"], counts) == (None, None)
