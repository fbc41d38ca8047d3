"""Seed buyers, firms, needs, proposals and alliances for matching tests, as docs/graph-model.md stores them.

Every id carries a per-test ``tag`` so ``cleanup(driver, tag)`` removes exactly what a test wrote.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from graph_schema.firms import firm_row, write_firms_tx
from matching.catalog import Catalog
from matching.segments import size_segment
from matching.text import fold
from tests.helpers import make_rut

SEED_BUYERS = """
UNWIND $rows AS row
MERGE (b:Buyer {rut: row.rut})
SET b.name = row.name, b.name_key = row.name_key, b.created_at = datetime()
WITH b, row
MATCH (c:Comuna {cut: row.comuna})
MERGE (b)-[:LOCATED_IN]->(c)
WITH b, row
UNWIND row.sectors AS code
MATCH (s:Sector {code: code})
MERGE (b)-[:OPERATES_IN]->(s)
"""

SEED_NEEDS = """
UNWIND $rows AS row
MATCH (b:Buyer {rut: row.buyer_rut})
MATCH (c:Comuna {cut: row.comuna})
CREATE (n:Need {
  id: row.id, buyer_rut: row.buyer_rut, title: row.title, description: row.description, radius_km: row.radius_km,
  deadline: CASE WHEN row.deadline IS NULL THEN null ELSE date(row.deadline) END, volume_uf: row.volume_uf,
  certifications_mandatory: row.mandatory, prefer: row.prefer, status: 'open', created_at: datetime(row.created_at),
  project_id: row.project_id
})
CREATE (b)-[:POSTED]->(n)
CREATE (n)-[:LOCATED_IN]->(c)
WITH n, row
CALL (n, row) { UNWIND row.sectors AS code MATCH (s:Sector {code: code}) MERGE (n)-[:IN_SECTOR]->(s) }
CALL (n, row) { UNWIND row.required AS code MATCH (ce:Certification {code: code}) MERGE (n)-[:REQUIRES]->(ce) }
"""

SEED_PROPOSALS = """
UNWIND $rows AS row
MATCH (n:Need {id: row.need_id}), (f:Firm {rut: row.rut})
MERGE (a:Advisor {id: row.advisor_id})
ON CREATE SET a.name = 'Asesora de prueba', a.email = 'asesora@example.cl'
CREATE (p:Proposal {
  id: row.id, need_id: row.need_id, firm_rut: row.rut, note: '', status: row.status,
  created_at: datetime(row.created_at),
  decided_at: CASE WHEN row.decided_at IS NULL THEN null ELSE datetime(row.decided_at) END,
  decision_reason: null, score: null, rank: null, model_version: null
})
CREATE (a)-[:MADE]->(p), (p)-[:FOR]->(n), (p)-[:OF]->(f)
"""

SEED_ALLIANCES = """
UNWIND $rows AS row
MATCH (b:Buyer {rut: row.buyer_rut}), (f:Firm {rut: row.rut})
CREATE (al:Alliance {id: row.id, created_at: datetime(row.created_at), status: 'active', origin: row.origin,
                     proposal_id: row.proposal_id})
CREATE (f)-[:PARTY_TO]->(al), (b)-[:PARTY_TO]->(al)
"""

ADVISE = """
UNWIND $rows AS row
MATCH (f:Firm {rut: row.rut})
MERGE (a:Advisor {id: row.advisor_id})
ON CREATE SET a.name = 'Asesora de prueba', a.email = 'asesora@example.cl'
MERGE (a)-[r:ADVISED]->(f)
SET r.sessions = row.sessions, r.hours = row.hours
"""

CLEANUP = """
CALL () {
  MATCH (n) WHERE (n:Need OR n:Proposal OR n:Alliance OR n:Advisor) AND n.id STARTS WITH $prefix
  DETACH DELETE n
}
CALL () { MATCH (f:Firm) WHERE f.source = $tag DETACH DELETE f }
CALL () { MATCH (b:Buyer) WHERE b.name ENDS WITH $tag DETACH DELETE b }
"""


def tag_for(rng: random.Random) -> str:
    return f"t{rng.randrange(16 ** 8):08x}"


def firm(rut: str, comuna: str, **overrides) -> dict:
    """Normalized firm values (``matching.records.normalize_firm``'s shape) with test defaults."""
    values = {
        "rut": rut, "name": f"Proveedora {rut}", "is_cooperative": False, "sectors": ["1050"], "comuna": comuna,
        "annual_sales_uf": 1500.0, "employees": 6, "owner_gender": "M", "products": "quesos y yogur",
        "certifications": [], "member_of": [],
    }
    values.update(overrides)
    values["size_segment"] = size_segment(values["annual_sales_uf"])
    return values


def seed_firms(driver, firms: list[dict], tag: str) -> None:
    """Write firms in one transaction with the foundation's writer; cooperatives first."""
    rows = [firm_row(f) for f in sorted(firms, key=lambda f: not f["is_cooperative"])]
    with driver.session() as session:
        session.execute_write(write_firms_tx, rows, datetime.now(UTC).isoformat(), tag)


def seed_buyer(driver, tag: str, comuna: str, sectors=("0510",), rut: str | None = None) -> str:
    rut = rut or make_rut()
    name = f"Gran Compradora {rut} {tag}"  # the tag ends the name so cleanup() finds it
    driver.execute_query(SEED_BUYERS, rows=[{"rut": rut, "name": name, "name_key": fold(name), "comuna": comuna,
                                             "sectors": list(sectors)}])
    return rut


def need_row(tag: str, buyer_rut: str, comuna: str, *, sectors=("1050",), radius_km=50.0, required=(),
             mandatory=False, deadline: date | None = None, volume_uf: float | None = None, prefer=(),
             title="Quesos para casino", description="Quesos frescos y yogur para el casino de la planta",
             created_at: datetime | None = None, project_id: str | None = None, index: int = 0) -> dict:
    return {
        "id": f"need_{tag}{index:04d}", "buyer_rut": buyer_rut, "comuna": comuna, "sectors": list(sectors),
        "radius_km": float(radius_km), "required": list(required), "mandatory": mandatory,
        "deadline": deadline.isoformat() if deadline else None, "volume_uf": volume_uf, "prefer": list(prefer),
        "title": title, "description": description,
        "created_at": (created_at or datetime.now(UTC)).isoformat(), "project_id": project_id,
    }


def seed_needs(driver, rows: list[dict]) -> list[str]:
    driver.execute_query(SEED_NEEDS, rows=rows)
    return [r["id"] for r in rows]


def seed_need(driver, tag: str, buyer_rut: str, comuna: str, **kwargs) -> str:
    return seed_needs(driver, [need_row(tag, buyer_rut, comuna, **kwargs)])[0]


def seed_proposals(driver, rows: list[dict]) -> None:
    driver.execute_query(SEED_PROPOSALS, rows=rows)


def seed_alliances(driver, rows: list[dict]) -> None:
    driver.execute_query(SEED_ALLIANCES, rows=rows)


def seed_advice(driver, rows: list[dict]) -> None:
    driver.execute_query(ADVISE, rows=rows)


def cleanup(driver, tag: str) -> None:
    driver.execute_query(CLEANUP, prefix=f"need_{tag}", tag=tag)
    for kind in ("prop", "ally", "adv"):
        driver.execute_query(CLEANUP, prefix=f"{kind}_{tag}", tag=tag)


def comuna_near_distance(catalog: Catalog, origin: str, km: float) -> str:
    """The comuna whose centroid distance from ``origin`` is closest to ``km``."""
    return min(catalog.comunas, key=lambda cut: abs(catalog.distance_km(origin, cut) - km))


# -- a decision history with a hidden preference ------------------------------------------------

# The simulated buyer of this history cares about what the prior weighs little (cooperatives,
# advisory hours, sales capacity) and ignores what the prior weighs most (distance, certifications).
HIDDEN_UTILITY = {"cooperative": 2.2, "log_hours": 0.9, "big": 1.0}
HIDDEN_NOISE = 0.6


@dataclass
class History:
    tag: str
    buyer_rut: str
    need_ids: list[str]
    firms: list[dict]
    accepted: int = 0
    rejected: int = 0
    hours: dict[str, float] = field(default_factory=dict)


def seed_history(driver, catalog: Catalog, rng: random.Random, *, n_needs: int = 40, n_firms: int = 120,
                 sector: str = "3230", origin_name: str = "Talca", per_need: int = 10) -> History:
    """A buyer whose decisions follow ``HIDDEN_UTILITY`` (+ noise), over ``n_needs`` needs in time order.

    Sports goods (ISIC division 32) is a division the demo data set never uses, so the candidate
    sets are this history's own firms whatever else the graph holds.
    """
    tag = tag_for(rng)
    origin = catalog.resolve_comuna(origin_name).cut
    nearby = [cut for cut in catalog.comunas_within(origin, 90.0)]
    buyer = seed_buyer(driver, tag, origin, sectors=("0510",))
    firms, hours = [], {}
    for i in range(n_firms):
        rut = make_rut(rng)
        cert = rng.random() < 0.5
        firms.append(firm(
            rut, rng.choice(nearby), name=f"Deportes {i} {tag}", sectors=[sector],
            annual_sales_uf=round(rng.uniform(100, 20_000), 1), owner_gender=rng.choice("FM"),
            products=rng.choice(["balones de fútbol", "redes y arcos", "artículos deportivos", "mallas deportivas"]),
            certifications=[{"code": "HACCP", "status": "valid", "valid_until": "2030-01-01"}] if cert else [],
        ))
        hours[rut] = float(rng.choice([0, 0, 0, 4, 10, 30, 60]))
    coops = [f for f in firms[: n_firms // 5]]
    for f in coops:
        f["is_cooperative"] = True
    seed_firms(driver, firms, tag)
    seed_advice(driver, [{"rut": r, "advisor_id": f"adv_{tag}", "sessions": 1, "hours": h}
                         for r, h in hours.items() if h])
    history = History(tag, buyer, [], firms, hours=hours)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    need_rows, proposals, alliances = [], [], []
    for k in range(n_needs):
        created = start + timedelta(days=7 * k)
        need_rows.append(need_row(tag, buyer, origin, sectors=(sector,), radius_km=100.0, required=("HACCP",),
                                  title="Artículos deportivos", description="Balones y redes para el club",
                                  created_at=created, index=k))
        chosen = rng.sample(firms, per_need)
        for j, f in enumerate(chosen):
            utility = (HIDDEN_UTILITY["cooperative"] * f["is_cooperative"]
                       + HIDDEN_UTILITY["log_hours"] * math.log1p(hours[f["rut"]])
                       + HIDDEN_UTILITY["big"] * (f["annual_sales_uf"] > 5_000)
                       + rng.gauss(0, HIDDEN_NOISE))
            accepted = utility > 3.0
            proposal_id = f"prop_{tag}{k:04d}{j:02d}"
            decided = created + timedelta(days=2, hours=j)
            proposals.append({"id": proposal_id, "need_id": need_rows[-1]["id"], "rut": f["rut"],
                              "advisor_id": f"adv_{tag}", "status": "accepted" if accepted else "rejected",
                              "created_at": (created + timedelta(days=1)).isoformat(),
                              "decided_at": decided.isoformat()})
            if accepted:
                history.accepted += 1
                alliances.append({"id": f"ally_{tag}{k:04d}{j:02d}", "buyer_rut": buyer, "rut": f["rut"],
                                  "created_at": decided.isoformat(), "origin": "proposal",
                                  "proposal_id": proposal_id})
            else:
                history.rejected += 1
    history.need_ids = seed_needs(driver, need_rows)
    seed_proposals(driver, proposals)
    seed_alliances(driver, alliances)
    return history
