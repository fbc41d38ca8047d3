"""Owner gender never reaches a buyer: not in a field, a reason, an order or a share.

The strongest form of the promise: flip every seeded firm's owner gender in the graph and ask again.
Whatever a buyer sees must not change at all, while an advisor's view does.
"""

from __future__ import annotations

import random

import pytest

from tests.helpers import auth, make_rut, personal_keys
from tests.matching_seed import cleanup, firm, seed_firms, seed_need

FLIP = """
UNWIND $ruts AS rut
MATCH (f:Firm {rut: rut})
SET f.owner_gender = CASE f.owner_gender WHEN 'F' THEN 'M' WHEN 'M' THEN 'F' ELSE f.owner_gender END
"""


@pytest.fixture()
def sealed_market(driver, catalog, keys):
    """Twenty-four firms of one class around Talca, genders and the public seal drawn independently."""
    rng = random.Random(11)
    tag = f"t{rng.randrange(16 ** 8):08x}{random.randrange(16 ** 4):04x}"
    talca = catalog.resolve_comuna("Talca").cut
    nearby = catalog.comunas_within(talca, 60.0)
    firms = []
    for _ in range(24):
        certs = [{"code": "SELLO_MUJER", "status": "valid", "valid_until": None}] if rng.random() < 0.3 else []
        firms.append(firm(make_rut(rng), rng.choice(nearby), sectors=["1392"], owner_gender=rng.choice("FFMMu"),
                          annual_sales_uf=rng.choice([150.0, 900.0, 3000.0]), certifications=certs,
                          products="textiles de lana"))
    for f in firms:
        if f["owner_gender"] == "u":
            f["owner_gender"] = "unknown"
    seed_firms(driver, firms, tag)
    need = seed_need(driver, tag, keys["buyer_rut"], talca, sectors=("1392",), radius_km=60.0, prefer=("women",),
                     title="Mantas de lana", description="Mantas y textiles de lana para regalos")
    yield need, [f["rut"] for f in firms]
    cleanup(driver, tag)


def test_buyer_preferring_women_learns_nothing_about_owner_gender(client, driver, keys, sealed_market):
    need, ruts = sealed_market

    def views() -> tuple[list[dict], list[dict]]:
        buyer, advisor = [], []
        for limit in (1, 5, 6, 10, 11, 24):
            url = f"/api/v1/needs/{need}/matches?limit={limit}"
            response = client.get(url, headers=auth(keys["buyer"]))
            assert response.status_code == 200
            buyer.append(response.json)
            advisor.append(client.get(url, headers=auth(keys["advisor"])).json)
        return buyer, advisor

    before, advisor_before = views()
    driver.execute_query(FLIP, ruts=ruts)
    after, advisor_after = views()

    assert after == before, "a buyer's view changed when only owner genders changed"
    for body in before:
        assert personal_keys(body) == []
        assert body["shares"]["women_owned"] is None
        assert not any("mujeres" in r["text"].lower() for c in body["candidates"] for r in c["reasons"])
    seal_reasons = [r for body in before for c in body["candidates"] for r in c["reasons"]
                    if r["feature"] == "prefer_women"]
    assert seal_reasons and all("Sello Empresa Mujer" in r["text"] for r in seal_reasons)
    # The advisor's full view does carry the field (so the flip above was real).
    assert [b["shares"]["women_owned"] for b in advisor_before] != [b["shares"]["women_owned"]
                                                                     for b in advisor_after]
