"""Demo data: a deterministic generator, idempotent writes, indicators calibrated to DESIGN.md,
a reset that spares everything else, reusable demo keys, and the simulated buyer's decisions.

The database tests share one small demo load (``TEST_FIRMS`` firms, a tenth of the default size)
and reload it only when a test changed it, so they pass in any order; the module removes its
demo data at the end.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from application.access import COMMAND_LINE
from graph_schema.firms import upsert_firm
from graph_schema.indicators import program_indicators
from graph_schema.keys import create_key, find_key, revoke_key
from graph_schema.reference import reference_counts
from matching.text import fold
from scripts.demo import calibration as cal
from scripts.demo import simulated_buyer as sim
from scripts.demo.generator import check_catalog, default_counts, firm_ruts, generate
from scripts.demo.keys import DEMO_BUYER, read_env
from scripts.demo.model import Territory, allocate, largest_remainder
from scripts.demo.names import fold_name
from scripts.demo.writer import demo_counts, reset_demo

TEST_FIRMS = 2_000
TEST_SEED = 20_251_125

# What demo data the graph holds now, so tests reload only when another test changed it.
_loaded: dict[str, tuple[int, int] | None] = {"demo": None}


@pytest.fixture(scope="module")
def _demo_cleanup(driver):
    """Remove this module's demo data once its database tests are done."""
    yield
    reset_demo(driver)
    _loaded["demo"] = None


@pytest.fixture()
def demo_graph(driver, runner, _demo_cleanup):
    """The graph holds exactly the test-size demo data set."""
    if _loaded["demo"] != (TEST_FIRMS, TEST_SEED):
        result = runner.invoke("demo-data", "--reset", "--firms", str(TEST_FIRMS), "--seed", str(TEST_SEED))
        assert result.exit_code == 0, result.output
        _loaded["demo"] = (TEST_FIRMS, TEST_SEED)
    return driver


def graph_counts(driver) -> dict[str, int]:
    labels, _, _ = driver.execute_query(
        "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n ORDER BY label")
    types, _, _ = driver.execute_query("MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n ORDER BY type")
    return {**{f":{r['label']}": r["n"] for r in labels}, **{f"-{r['type']}-": r["n"] for r in types}}


# -- the pure generator ----------------------------------------------------------------------------

def test_generator_is_deterministic_for_a_seed(catalog):
    first = generate(catalog, firms=800, seed=7)
    again = generate(catalog, firms=800, seed=7)
    other = generate(catalog, firms=800, seed=8)
    assert first == again
    assert first.firms != other.firms
    assert [f["rut"] for f in first.firms] == firm_ruts(800, 7)


def test_cached_name_folding_equals_the_shared_fold(catalog):
    data = generate(catalog, firms=600, seed=5)
    names = [f["props"]["name"] for f in data.firms] + ["  Ñuñoa  O'Higgins -- E.I.R.L. ", "Cía. Ltda."]
    assert [fold_name(n) for n in names] == [fold(n) for n in names]
    assert all("name_key" not in f["props"] for f in data.firms)  # firms carry no folded name (migration 80)


def test_reference_vocabulary_exists_in_the_catalog(catalog):
    check_catalog(catalog)  # every ISIC code and certification the demo uses
    territory = Territory(catalog)  # every weighted city is a real comuna of its region
    assert territory.distance.shape == (345, 345)


def test_generated_history_is_consistent(catalog):
    data = generate(catalog, firms=1_500, seed=3)
    segment = {f["rut"]: f["props"]["size_segment"] for f in data.firms}
    needs = {n["id"]: n for n in data.needs}
    proposals = {p["id"]: p for p in data.proposals}
    pairs = [(p["need"], p["firm"]) for p in data.proposals]
    assert len(pairs) == len(set(pairs)), "one proposal per (need, firm)"
    assert all(segment[p["firm"]] != "grande" for p in data.proposals), "large firms are never proposed"
    for p in data.proposals:
        props = p["props"]
        if props["status"] == "pending":
            assert needs[p["need"]]["props"]["status"] == "open" and p["decided"] is None
        else:
            assert needs[p["need"]]["props"]["status"] == "closed"
            assert cal.HISTORY_START.isoformat() <= p["decided"][:10] <= cal.HISTORY_END.isoformat()
            assert p["decided"] >= p["created"] and props["decision_reason"]
    from_proposals = [a for a in data.alliances if a["props"]["origin"] == "proposal"]
    accepted = [p for p in data.proposals if p["props"]["status"] == "accepted"]
    assert sorted(a["props"]["proposal_id"] for a in from_proposals) == sorted(p["id"] for p in accepted)
    for alliance in from_proposals:
        proposal = proposals[alliance["props"]["proposal_id"]]
        need = needs[proposal["need"]]
        assert alliance["firms"] == [proposal["firm"]] and alliance["buyer"] == need["buyer"]
        assert alliance["project"] == need["props"]["project_id"]
    years = {p["decided"][:4] for p in data.proposals if p["decided"]}
    assert years == {"2024", "2025"}


@pytest.mark.parametrize(
    ("shares", "total", "expected"),
    [
        ({"a": 0.5, "b": 0.5}, 3, {"a": 2, "b": 1}),
        ({"micro": 0.73, "other": 0.27}, 200, {"micro": 146, "other": 54}),
        ({"F": 0.48, "M": 0.31, "unknown": 0.21}, 100, {"F": 48, "M": 31, "unknown": 21}),
    ],
    ids=["tie-goes-to-first", "micro-quota", "gender-quota"],
)
def test_quotas_are_exact(shares, total, expected):
    assert largest_remainder(shares, total) == expected


def test_allocate_keeps_the_total_and_the_minimum():
    parts = allocate(91, [5.0, 1.0, 0.1, 3.0], minimum=1)
    assert sum(parts) == 91 and min(parts) >= 1 and parts[0] > parts[3] > parts[1]


# -- against the real Neo4j -------------------------------------------------------------------------

def test_demo_data_twice_leaves_identical_counts(demo_graph, runner):
    driver = demo_graph
    before = graph_counts(driver)
    result = runner.invoke("demo-data", "--firms", str(TEST_FIRMS), "--seed", str(TEST_SEED))
    assert result.exit_code == 0, result.output
    assert graph_counts(driver) == before
    assert demo_counts(driver)["firms"] == TEST_FIRMS


def test_demo_data_refuses_to_mix_with_another_run(demo_graph, runner):
    result = runner.invoke("demo-data", "--firms", str(TEST_FIRMS + 100), "--seed", "1")
    assert result.exit_code != 0
    assert "--reset" in result.output and "otra corrida" in result.output
    assert demo_counts(demo_graph)["firms"] == TEST_FIRMS


def test_stats_show_the_design_figures(demo_graph, runner):
    ind = program_indicators(demo_graph, demo_only=True)
    want = default_counts(TEST_FIRMS)
    firms, adv, props = ind["participating_firms"], ind["advisory"], ind["proposals"]

    assert ind["projects"]["total"] == want["projects"]
    by_kind = ind["projects"]["by_kind"]
    assert set(by_kind) <= set(cal.PROJECTS_BY_KIND)
    assert by_kind["cadena_productiva_local"] > ind["projects"]["total"] / 2
    assert ind["alliances"]["total"] == pytest.approx(want["alliances"], rel=0.05)
    assert firms["total"] == pytest.approx(want["participating_firms"], rel=0.05)
    assert firms["micro_share"] > 0.70
    assert firms["micro_1_share_of_micro"] == pytest.approx(0.50, abs=0.04)
    assert firms["women_share"] == pytest.approx(0.48, abs=0.03)
    assert firms["women_share_known"] == pytest.approx(0.61, abs=0.03)
    assert firms["unknown_gender_share"] == pytest.approx(0.21, abs=0.03)
    assert adv["sessions"] == pytest.approx(want["sessions"], rel=0.01)
    assert adv["project_sessions"] == pytest.approx(want["project_sessions"], rel=0.10)
    assert adv["project_hours"] > cal.PROGRAM_FIGURES["project_hours_min"] * TEST_FIRMS / cal.DEFAULT_FIRMS
    assert props["decided"] >= 0.95 * want["decided_proposals"]
    assert 0.30 <= props["acceptance_rate"] <= 0.45
    assert props["pending"] > 0
    assert all(ind["certifications"][status] > 0 for status in ("valid", "in_progress", "expired"))
    assert ind["needs"]["open"] == want["open_needs"]
    assert ind["network"]["centers"] == sum(cal.CENTERS_PER_REGION.values()) + 1
    assert ind["network"]["regions"] == 16 and ind["network"]["cooperative_centers"] == 1
    assert ind["network"]["cooperatives"] > 0 and ind["network"]["cooperative_members"] > 0

    printed = runner.invoke("stats", "--json", "--demo-only")
    assert printed.exit_code == 0
    assert json.loads(printed.output)["indicators"] == ind
    table = runner.invoke("stats", "--demo-only")
    assert "Empresas participantes" in table.output and "Referencia" in table.output


def test_reset_spares_reference_data_keys_and_other_firms(demo_graph, runner):
    driver = demo_graph
    reference = reference_counts(driver)
    key_id, _ = create_key(driver, "admin", label="pytest reset")
    keys = "MATCH (k:ApiKey) RETURN count(k) AS n"
    keys_before = driver.execute_query(keys)[0][0]["n"]
    _loaded["demo"] = None  # this test leaves no demo data behind
    removed = runner.invoke("demo-data", "--remove")
    assert removed.exit_code == 0, removed.output
    assert not any(demo_counts(driver).values())
    # A real firm whose RUT the demo also draws: the demo must neither take it over nor delete it.
    taken = firm_ruts(TEST_FIRMS, TEST_SEED)[0]
    upsert_firm(driver, {
        "rut": taken, "name": "Quesería La Vertiente SpA", "sectors": ["1050"], "comuna": "06101",
        "annual_sales_uf": 150.0, "owner_gender": "F", "products": "quesos",
        "certifications": [{"code": "HACCP", "status": "valid", "valid_until": "2027-03-31"}],
    }, now="2026-11-25T12:00:00+00:00")
    try:
        loaded = runner.invoke("demo-data", "--reset", "--firms", str(TEST_FIRMS), "--seed", str(TEST_SEED))
        assert loaded.exit_code == 0, loaded.output
        assert demo_counts(driver)["firms"] == TEST_FIRMS - 1  # that RUT stays the real firm's
        removed = runner.invoke("demo-data", "--remove")
        assert removed.exit_code == 0, removed.output

        assert not any(demo_counts(driver).values())
        assert reference_counts(driver) == reference
        assert driver.execute_query(keys)[0][0]["n"] == keys_before
        firm, _, _ = driver.execute_query(
            "MATCH (f:Firm {rut: $rut}) RETURN f.name AS name, f.demo AS demo, "
            "COUNT { (f)-[:OPERATES_IN]->(:Sector {code: '1050'}) } AS sectors, "
            "COUNT { (f)-[:LOCATED_IN]->(:Comuna {cut: '06101'}) } AS comunas, "
            "COUNT { (f)-[:HOLDS {status: 'valid'}]->(:Certification {code: 'HACCP'}) } AS certs, "
            "COUNT { (f)-[:IN_CELL]->(:Cell {key: '1050|06101'}) } AS cells, "
            "COUNT { (f)--() } AS rels", rut=taken)
        # Its own relationships only: sector, comuna, certification, and the (class, comuna) cell they make.
        assert dict(firm[0]) == {"name": "Quesería La Vertiente SpA", "demo": None, "sectors": 1, "comunas": 1,
                                 "certs": 1, "cells": 1, "rels": 4}
    finally:
        driver.execute_query("MATCH (f:Firm {rut: $rut}) DETACH DELETE f", rut=taken)
        revoke_key(driver, key_id)


def test_demo_keys_are_written_and_reused(demo_graph, runner, tmp_path):
    driver = demo_graph
    path = tmp_path / "demo-keys.env"
    first = runner.invoke("keys", "demo", "--file", str(path))
    assert first.exit_code == 0, first.output
    values = read_env(path)
    assert set(values) == {"ADMIN_KEY", "ADVISOR_KEY", "ADVISOR_ID", "BUYER_KEY", "BUYER_RUT", "NEED_ID"}
    best, _, _ = driver.execute_query(DEMO_BUYER)
    assert values["BUYER_RUT"] == best[0]["rut"]
    buyer_key = find_key(driver, values["BUYER_KEY"])
    assert (buyer_key["role"], buyer_key["buyer_rut"]) == ("buyer", values["BUYER_RUT"])
    assert find_key(driver, values["ADVISOR_KEY"])["advisor_id"] == values["ADVISOR_ID"]
    assert find_key(driver, values["ADMIN_KEY"])["role"] == "admin"
    need, _, _ = driver.execute_query("MATCH (b:Buyer)-[:POSTED]->(n:Need {id: $id}) RETURN b.rut AS rut, "
                                      "n.status AS status", id=values["NEED_ID"])
    assert dict(need[0]) == {"rut": values["BUYER_RUT"], "status": "open"}
    assert (path.stat().st_mode & 0o777) == 0o600

    count = "MATCH (k:ApiKey) RETURN count(k) AS n"
    keys_before = driver.execute_query(count)[0][0]["n"]
    again = runner.invoke("keys", "demo", "--file", str(path))
    assert again.exit_code == 0
    assert read_env(path) == values
    assert driver.execute_query(count)[0][0]["n"] == keys_before

    revoke_key(driver, find_key(driver, values["BUYER_KEY"])["id"])
    third = runner.invoke("keys", "demo", "--file", str(path))
    renewed = read_env(path)
    assert third.exit_code == 0 and renewed["BUYER_KEY"] != values["BUYER_KEY"]
    assert renewed["ADMIN_KEY"] == values["ADMIN_KEY"] and renewed["ADVISOR_KEY"] == values["ADVISOR_KEY"]
    for name in ("ADMIN_KEY", "ADVISOR_KEY", "BUYER_KEY"):
        revoke_key(driver, find_key(driver, renewed[name])["id"])


# -- the simulated buyer --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("status", "valid_until", "deadline", "counts"),
    [
        ("valid", date(2027, 1, 1), date(2026, 6, 1), True),
        ("valid", date(2026, 1, 1), date(2026, 6, 1), False),
        ("valid", None, date(2026, 6, 1), True),
        ("in_progress", date(2026, 3, 1), date(2026, 6, 1), True),
        ("in_progress", date(2026, 9, 1), date(2026, 6, 1), False),
        ("in_progress", None, date(2026, 6, 1), False),
        ("expired", date(2027, 1, 1), date(2026, 6, 1), False),
    ],
    ids=["valid-past-deadline", "valid-lapses-before", "valid-no-date", "in-progress-in-time",
         "in-progress-too-late", "in-progress-no-date", "expired-never"],
)
def test_certification_counts_only_in_time(status, valid_until, deadline, counts):
    assert sim.certification_in_time(status, valid_until, deadline) is counts


@pytest.mark.parametrize(
    ("need", "firm", "closeness"),
    [
        (["1050"], ["1050"], 1.0),
        (["105"], ["1050"], 1.0),
        (["10"], ["1071"], 1.0),
        (["1071"], ["1072", "4923"], 0.6),
        (["1050"], ["1071"], 0.3),
        (["107"], ["1050"], 0.3),
        (["1050"], ["4923"], 0.0),
    ],
    ids=["same-class", "class-in-group", "class-in-division", "same-group", "same-division",
         "group-vs-other-group", "unrelated"],
)
def test_sector_closeness_follows_the_isic_tree(need, firm, closeness):
    assert sim.sector_closeness(need, firm) == closeness


@pytest.mark.parametrize(
    ("need_text", "products", "overlap"),
    [
        ("Suministro de quesos artesanales para sus locales", "Quesos artesanales y yogur natural.", 0.5),
        ("Compra de QUESOS y yogur", "quesos, yogur", 1.0),
        ("Transporte de carga", "Quesos artesanales.", 0.0),
        ("Quesos", "", 0.0),
    ],
    ids=["half-the-products", "accents-and-case-folded", "nothing-shared", "no-products"],
)
def test_text_overlap_is_the_share_of_product_words_mentioned(need_text, products, overlap):
    assert sim.text_overlap(sim.content_tokens(need_text), sim.content_tokens(products)) == overlap


def _offer(**changes) -> sim.Offer:
    base = {
        "distance_km": 10.0, "radius_km": 50.0, "sector_closeness": 1.0, "required": 1, "certified": 1,
        "mandatory": False, "sales_uf": 500.0, "volume_uf": 400.0, "prior_alliances": 0, "advisory_hours": 12.0,
        "text_overlap": 0.6,
    }
    return sim.Offer(**{**base, **changes})


@pytest.mark.parametrize(
    ("offer", "accepted", "reason"),
    [
        (_offer(), True, "Cumple las certificaciones requeridas."),
        (_offer(prior_alliances=1), True, "Ya ha trabajado bien con nosotros."),
        (_offer(sales_uf=40.0, volume_uf=400.0), False, "Su capacidad es menor al volumen que necesitamos."),
        (_offer(certified=0, mandatory=True), False, "No cuenta a tiempo con las certificaciones que exigimos."),
        (_offer(text_overlap=0.0, required=0, certified=0, advisory_hours=0.0), False,
         "Sus productos no calzan con lo que buscamos."),
        (_offer(sector_closeness=0.0, text_overlap=0.4, required=0, certified=0), False,
         "Su rubro no corresponde a lo que necesitamos."),
    ],
    ids=["good-offer", "worked-together-before", "too-small", "mandatory-cert-missing", "products-do-not-match",
         "other-sector"],
)
def test_buyer_decisions_without_noise(offer, accepted, reason):
    decision = sim.decide(offer, noise=0.0)
    assert decision.accepted is accepted
    assert decision.reason == reason
    assert decision.utility == pytest.approx(sum(decision.contributions.values()))


def test_too_small_firm_is_rejected_whatever_the_noise():
    assert not sim.decide(_offer(sales_uf=10.0, volume_uf=500.0), noise=50.0).accepted


def test_buyer_cares_more_for_matching_products_than_for_distance():
    near_but_off = sim.decide(_offer(distance_km=2.0, text_overlap=0.1), noise=0.0)
    farther_but_exact = sim.decide(_offer(distance_km=45.0, text_overlap=0.8), noise=0.0)
    assert farther_but_exact.utility > near_but_off.utility
    assert sim.W_TEXT > 2 * sim.W_DISTANCE


def test_logistic_noise_is_the_inverse_cdf():
    assert sim.logistic_noise(0.5) == 0.0
    assert sim.logistic_noise(0.9) == pytest.approx(-sim.logistic_noise(0.1))
    assert sim.logistic_noise(0.99) > sim.logistic_noise(0.6) > 0


def test_demo_people_are_written_reused_and_can_sign_in(demo_graph, runner, tmp_path):
    from application.matching import PlannerCountsCache, match_need
    from application.users import authenticate
    from graph_schema.reference import fetch_catalog
    from matching.ranker import prior

    driver = demo_graph
    path = tmp_path / "demo-users.env"
    try:
        first = runner.invoke("users", "demo", "--file", str(path))
        assert first.exit_code == 0, first.output
        values = read_env(path)
        assert list(values) == ["ADMIN_EMAIL", "ADMIN_PASSWORD", "ADVISOR_EMAIL", "ADVISOR_PASSWORD", "BUYER_EMAIL",
                                "BUYER_PASSWORD", "BUYER_RUT", "NEED_ID"]
        assert (path.stat().st_mode & 0o777) == 0o600
        for role, prefix in (("admin", "ADMIN"), ("advisor", "ADVISOR"), ("buyer", "BUYER")):
            account = authenticate(driver, values[f"{prefix}_EMAIL"], values[f"{prefix}_PASSWORD"])
            assert account is not None and account["role"] == role
            if role == "buyer":
                assert account["buyer_rut"] == values["BUYER_RUT"]
        found = match_need(driver, fetch_catalog(driver), values["NEED_ID"], viewer=COMMAND_LINE, limit=5,
                           ranker=prior(), counts=PlannerCountsCache().get(driver))
        assert found["candidates"], "NEED_ID has candidates"
        need, _, _ = driver.execute_query("MATCH (n:Need {id: $id}) RETURN n.buyer_rut AS rut, n.status AS status",
                                          id=values["NEED_ID"])
        assert dict(need[0]) == {"rut": values["BUYER_RUT"], "status": "open"}

        again = runner.invoke("users", "demo", "--file", str(path))
        assert again.exit_code == 0 and "3 reutilizadas" in again.output
        assert read_env(path) == values
        path.unlink()  # the passwords are lost: new ones, same accounts
        third = runner.invoke("users", "demo", "--file", str(path))
        assert third.exit_code == 0 and "3 con contraseña nueva" in third.output
        assert read_env(path)["BUYER_PASSWORD"] != values["BUYER_PASSWORD"]
    finally:
        driver.execute_query("MATCH (u:User) WHERE u.email ENDS WITH '@demo.encadena.cl' DETACH DELETE u")
