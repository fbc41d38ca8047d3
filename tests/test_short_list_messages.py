"""A short or empty list is explained the same way on every path: the API, the pages and batch reports
all call ``application.matching.diagnose``."""

from __future__ import annotations

import random

import pytest

from application.reports.run import compute
from graph_schema.candidates import diagnose_pool
from matching.candidates import TIER_OWN, search_area
from matching.features import need_context
from matching.reports import ReportParams
from tests.helpers import auth, make_rut
from tests.matching_seed import cleanup, comuna_near_distance, firm, need_row, seed_buyer, seed_firms, seed_needs

RANCAGUA = "06101"
TOP = 5


@pytest.fixture()
def short_needs(driver, catalog):
    """Needs in Rancagua whose lists are empty or short: the nearest firm of the need's own class lies
    farther than the nearest firm of a class of the same group, so "nearest of any tier" and "nearest
    of the need's own classes" name different comunas."""
    tag = f"t{random.randrange(16 ** 8):08x}"
    near = comuna_near_distance(catalog, RANCAGUA, 60.0)
    far = comuna_near_distance(catalog, RANCAGUA, 130.0)
    seed_firms(driver, [
        firm(make_rut(), near, sectors=["3212"], products="bisutería"),
        firm(make_rut(), far, sectors=["3211"], products="joyas de plata"),
        firm(make_rut(), RANCAGUA, sectors=["3211"], products="joyas de cobre",
             certifications=[{"code": "ISO9001", "status": "in_progress", "valid_until": "2027-06-30"}]),
    ], tag)
    buyer = seed_buyer(driver, tag, RANCAGUA)
    rows = [
        need_row(tag, buyer, RANCAGUA, sectors=("3211",), radius_km=10.0, index=0, title="Joyas"),
        need_row(tag, buyer, RANCAGUA, sectors=("3211",), radius_km=10.0, required=("ISO9001",), mandatory=True,
                 index=1, title="Joyas certificadas"),
        need_row(tag, buyer, RANCAGUA, sectors=("3211", "3212"), radius_km=5.0, index=2, title="Joyas y bisutería"),
    ]
    ids = seed_needs(driver, rows)
    yield buyer, ids
    cleanup(driver, tag)


def test_short_list_message_is_the_same_in_the_api_and_in_a_report(app, client, driver, catalog, keys, settings,
                                                                   short_needs, monkeypatch):
    buyer, need_ids = short_needs
    # Fresh planner counts on every request, as a report reads them, so both see the same graph.
    monkeypatch.setitem(app.config, "PLANNER_COUNTS_SECONDS", 0)
    api = {}
    for need_id in need_ids:
        response = client.get(f"/api/v1/needs/{need_id}/matches?limit={TOP}", headers=auth(keys["advisor"]))
        assert response.status_code == 200, response.json
        api[need_id] = response.json
    data = compute(driver, settings, ReportParams(buyer=buyer, top=TOP), jobs=1)
    for need_id in need_ids:
        report = data.results[need_id].response
        assert report["candidates_considered"] == api[need_id]["candidates_considered"]
        assert api[need_id]["message"], f"{need_id}: a list shorter than {TOP} is explained"
        assert report["message"] == api[need_id]["message"]


def test_the_suggested_comuna_is_the_nearest_of_the_needs_own_classes(client, driver, catalog, keys, short_needs):
    _, need_ids = short_needs
    response = client.get(f"/api/v1/needs/{need_ids[0]}/matches?limit={TOP}", headers=auth(keys["advisor"]))
    need = {"id": need_ids[0], "buyer_rut": "x", "comuna": RANCAGUA, "radius_km": 10.0, "sectors": ["3211"]}
    ctx = need_context({"need": need, "buyer": None})
    area = search_area(catalog, ctx.comuna, ctx.radius_km, ctx.sectors)
    own = sorted(code for code, tier in area.tiers.items() if tier == TIER_OWN)
    expected = diagnose_pool(driver, origin=RANCAGUA, codes=own, cuts=area.cuts)["nearest_cut"]
    assert expected is not None
    assert catalog.comunas[expected].name in response.json["message"]
