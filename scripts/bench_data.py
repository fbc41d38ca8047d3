"""Synthetic firms, buyers and needs for the matching benchmark when no demo data set is available.

Deterministic: firm ``i`` of seed ``s`` is always the same firm, so the 10,000-firm set is the
prefix of the 100,000-firm one and a larger run only adds firms. Distributions follow DESIGN.md
loosely (over 70% micro firms, 48% women-owned, ~21% without gender) and put firms where people
live (region shares of Chile's population; within a region, a Zipf law over comunas).

RUT numbers 97,000,000-99,999,999 are used: above every buyer's (demo or synthetic) and apart from the
demo firms' (1-10 million), so both data sets can share a graph; 3,000,000 firms at most, each RUT with
its check digit. (The numbers 500,000-999,999 used before have seven digits, which is not a valid RUT:
``matching.rut`` refuses them. The tests draw RUTs from the whole 10-100 million range, but they run on
their own Neo4j.)
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import LiteralString

from stdnum.cl import rut as stdnum_rut

from graph_schema.driver import Graph
from graph_schema.firms import firm_row, write_firms_tx
from matching.catalog import Catalog
from matching.segments import size_segment
from matching.text import fold

SOURCE = "bench-matching"
FIRST_RUT = 97_000_000
LAST_RUT = 99_999_999  # the largest valid RUT number (eight digits)
MAX_FIRMS = LAST_RUT - FIRST_RUT + 1
BUYER_FIRST_RUT = 96_900_000
BATCH = 1000

# Approximate share of Chile's population by region (CUT), which is where mipymes are.
REGION_WEIGHTS = {"13": 40.5, "05": 10.3, "08": 8.5, "07": 6.0, "09": 5.4, "06": 5.2, "10": 4.7, "04": 4.3,
                  "02": 3.5, "16": 2.6, "14": 2.1, "01": 1.9, "03": 1.6, "15": 1.3, "12": 0.9, "11": 0.5}

# ISIC class -> (weight, products, usual certifications)
SECTORS: dict[str, tuple[float, str, tuple[str, ...]]] = {
    "4711": (9.0, "almacén, abarrotes y productos de aseo", ()),
    "5610": (8.0, "restaurante, menú del día y comida casera", ("HACCP",)),
    "4520": (5.0, "mantención de vehículos y mecánica automotriz", ()),
    "4100": (5.0, "construcción y remodelación de obras menores", ("ISO45001",)),
    "0113": (4.5, "hortalizas, lechugas, tomates y papas", ("BPA", "GLOBALGAP", "ORGANICO_SAG")),
    "0124": (3.5, "manzanas, cerezas y ciruelas de exportación", ("GLOBALGAP", "BPA")),
    "4923": (4.5, "transporte de carga, fletes y distribución", ("ISO9001",)),
    "1071": (4.0, "pan amasado, hallullas y pasteles", ("BPM",)),
    "8121": (3.5, "aseo industrial y limpieza de oficinas", ("ISO14001", "ISO9001")),
    "4330": (3.5, "pintura, terminaciones y revestimientos", ()),
    "5629": (3.0, "casino, catering y alimentación de personal", ("HACCP", "BPM")),
    "1075": (2.5, "colaciones, almuerzos y comida preparada", ("HACCP",)),
    "2511": (2.5, "estructuras metálicas, galpones y soldadura", ("ISO9001",)),
    "2592": (2.0, "maestranza, tornería y mecanizado de piezas", ("ISO9001",)),
    "3311": (2.0, "reparación de equipos y mantención industrial", ("ISO9001", "ISO45001")),
    "4321": (2.5, "instalaciones eléctricas y tableros", ("ISO45001",)),
    "1410": (2.0, "ropa de trabajo, uniformes y overoles", ()),
    "1610": (1.5, "madera aserrada, tablas y vigas", ()),
    "3100": (2.0, "muebles, escritorios y estanterías", ()),
    "1050": (1.5, "quesos, yogur y leche fresca", ("HACCP", "BPM")),
    "1010": (1.5, "cecinas, embutidos y carne envasada", ("HACCP", "BPM")),
    "1079": (1.5, "mermeladas, conservas y manjar", ("BPM",)),
    "1104": (1.0, "jugos naturales y agua purificada", ("HACCP",)),
    "0149": (1.0, "miel, propóleo y cera de abejas", ("ORGANICO_SAG",)),
    "0311": (1.0, "pescado fresco, merluza y jurel", ("HACCP",)),
    "0321": (1.0, "choritos, mejillones y ostras", ("HACCP",)),
    "4663": (2.0, "ferretería y materiales de construcción", ()),
    "6201": (1.5, "desarrollo de software y sitios web", ("ISO9001",)),
    "6920": (2.0, "contabilidad, remuneraciones y asesoría tributaria", ()),
    "7020": (1.5, "asesoría en gestión y capacitación", ()),
    "8130": (1.5, "jardinería y mantención de áreas verdes", ()),
    "9601": (1.0, "lavandería industrial y lavado de ropa de trabajo", ("ISO14001",)),
    "1811": (1.0, "imprenta, folletos y etiquetas", ()),
    "3821": (1.0, "retiro de residuos y reciclaje", ("APL", "ISO14001")),
    "8010": (1.5, "guardias de seguridad y vigilancia", ("ISO9001",)),
    "4922": (1.5, "transporte de personal en buses y furgones", ("ISO9001", "ISO45001")),
}
EXTRA_WORDS = ("artesanal", "a granel", "al por mayor", "con despacho", "de temporada", "certificado", "local",
               "familiar", "regional", "a pedido")

# SII segment -> share of firms and the sales range (UF) drawn inside it.
SIZE_SHARES = (("micro_1", 0.33, 1, 200), ("micro_2", 0.19, 200, 600), ("micro_3", 0.16, 600, 2400),
               ("pequena", 0.18, 2400, 25_000), ("mediana", 0.08, 25_000, 100_000), ("grande", 0.02, 100_000, 900_000),
               ("sin_ventas", 0.04, 0, 0))
GENDER_SHARES = (("F", 0.48), ("M", 0.31), ("unknown", 0.21))
COOPERATIVE_SHARE = 0.015
MEMBER_SHARE = 0.04
CERTIFIED_SHARE = 0.3
ADVISED_SHARE = 0.08


def rut_of(number: int) -> str:
    return f"{number}-{stdnum_rut.calc_check_digit(str(number))}"


def firm_number(index: int) -> int:
    """The RUT number of synthetic firm ``index`` (0-based; at most ``MAX_FIRMS`` firms)."""
    if not 0 <= index < MAX_FIRMS:
        raise ValueError(f"synthetic firms have RUTs for {MAX_FIRMS:,} firms at most")
    return FIRST_RUT + index


class World:
    """The territory and sector weights a seed draws from."""

    def __init__(self, catalog: Catalog, seed: int):
        self.catalog = catalog
        self.seed = seed
        rng = random.Random(seed)
        self.comunas: list[str] = []
        self.comuna_weights: list[float] = []
        for region, share in REGION_WEIGHTS.items():
            cuts = sorted(c.cut for c in catalog.comunas.values() if c.region_cut == region)
            rng.shuffle(cuts)
            zipf = [1.0 / (rank + 1) for rank in range(len(cuts))]
            total = sum(zipf)
            self.comunas += cuts
            self.comuna_weights += [share * z / total for z in zipf]
        self.sectors = list(SECTORS)
        self.sector_weights = [SECTORS[s][0] for s in self.sectors]

    def rng(self, *key: object) -> random.Random:
        digest = hashlib.sha256(repr((self.seed, *key)).encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def comuna(self, rng: random.Random) -> str:
        return rng.choices(self.comunas, self.comuna_weights)[0]

    def sector(self, rng: random.Random) -> str:
        return rng.choices(self.sectors, self.sector_weights)[0]


def _pick(rng: random.Random, shares) -> tuple:
    x, acc = rng.random(), 0.0
    for item in shares:
        acc += item[1]
        if x < acc:
            return item
    return shares[-1]


def firm(world: World, index: int) -> dict:
    """Firm ``index`` of the world (normalized values, as ``matching.records.normalize_firm`` makes them)."""
    rng = world.rng("firm", index)
    sector = world.sector(rng)
    sectors = [sector]
    if rng.random() < 0.2:
        sectors.append(world.sector(rng))
    label, _, low, high = _pick(rng, SIZE_SHARES)
    sales = None if label == "sin_ventas" else round(rng.uniform(low, high), 1)
    employees = {"micro": rng.randint(1, 9), "pequena": rng.randint(10, 49), "mediana": rng.randint(50, 199)}.get(
        label.split("_")[0], rng.randint(200, 900) if label == "grande" else rng.randint(0, 3))
    products = SECTORS[sector][1] + ", " + rng.choice(EXTRA_WORDS)
    certifications = []
    usual = SECTORS[sector][2]
    if usual and rng.random() < CERTIFIED_SHARE:
        for code in rng.sample(usual, rng.randint(1, len(usual))):
            status = rng.choices(("valid", "in_progress", "expired"), (0.65, 0.2, 0.15))[0]
            start = {"valid": date(2027, 1, 1), "in_progress": date(2026, 12, 1), "expired": date(2023, 1, 1)}[status]
            until = start + timedelta(days=rng.randint(0, 900 if status != "expired" else 1300))
            certifications.append({"code": code, "status": status, "valid_until": until.isoformat()})
    is_cooperative = rng.random() < COOPERATIVE_SHARE
    name = ("Cooperativa " if is_cooperative else "") + f"{products.split(',')[0].capitalize()} {index}"
    return {
        "rut": rut_of(firm_number(index)), "name": name[:200], "is_cooperative": is_cooperative,
        "sectors": list(dict.fromkeys(sectors)), "comuna": world.comuna(rng), "annual_sales_uf": sales,
        "size_segment": size_segment(sales), "employees": employees,
        "owner_gender": _pick(rng, GENDER_SHARES)[0], "products": products, "certifications": certifications,
        "member_of": [],
    }


COUNT_FIRMS: LiteralString = "MATCH (f:Firm) WHERE f.source = $source RETURN count(f) AS n"

ADVISE: LiteralString = """
UNWIND $rows AS row
MATCH (f:Firm {rut: row.rut})
MERGE (a:Advisor {id: row.advisor})
ON CREATE SET a.name = row.advisor_name, a.email = row.advisor + '@bench.encadena.cl'
MERGE (a)-[r:ADVISED]->(f)
SET r.sessions = row.sessions, r.hours = row.hours
"""

MEMBERSHIPS: LiteralString = """
UNWIND $rows AS row
MATCH (f:Firm {rut: row.rut}), (co:Cooperative {rut: row.coop})
MERGE (f)-[:MEMBER_OF]->(co)
"""


REMOVE_FIRMS: LiteralString = """
MATCH (f:Firm) WHERE f.source = $source
WITH f LIMIT $batch
DETACH DELETE f
RETURN count(*) AS n
"""

REMOVE_OTHERS: LiteralString = """
CALL () { MATCH (n:Need) WHERE n.id IN $need_ids DETACH DELETE n }
CALL () { MATCH (b:Buyer) WHERE b.rut IN $buyer_ruts DETACH DELETE b }
CALL () { MATCH (a:Advisor) WHERE a.id STARTS WITH 'adv_bench_' DETACH DELETE a }
"""


def remove(driver: Graph, seed: int, needs_count: int = 200) -> int:
    """Delete the synthetic firms (in batches), and the needs, buyers and advisors this module wrote."""
    removed = 0
    while True:
        records, _, _ = driver.execute_query(REMOVE_FIRMS, source=SOURCE, batch=5000)
        removed += records[0]["n"]
        if records[0]["n"] < 5000:
            break
    need_ids = ["need_" + hashlib.sha256(f"bench-{seed}-{i}".encode()).hexdigest()[:12] for i in range(needs_count)]
    buyer_ruts = [rut_of(BUYER_FIRST_RUT + i) for i in range(12)]
    driver.execute_query(REMOVE_OTHERS, need_ids=need_ids, buyer_ruts=buyer_ruts)
    return removed


def count_firms(driver: Graph) -> int:
    records, _, _ = driver.execute_query(COUNT_FIRMS, source=SOURCE)
    return records[0]["n"]


def load_firms(driver: Graph, world: World, total: int, progress: Callable[[int], None] | None = None) -> int:
    """Write firms ``count .. total-1`` (those not there yet), in batches; return how many were written."""
    start = count_firms(driver)
    now = datetime.now(UTC).isoformat()
    written = 0
    coops_by_region: dict[str, list[str]] = {}
    for batch_start in range(start, total, BATCH):
        firms = [firm(world, i) for i in range(batch_start, min(batch_start + BATCH, total))]
        with driver.session() as session:
            session.execute_write(write_firms_tx, [firm_row(f) for f in firms], now, SOURCE)
        advised, members = [], []
        for i, f in zip(range(batch_start, batch_start + len(firms)), firms, strict=True):
            rng = world.rng("links", i)
            region = world.catalog.comunas[f["comuna"]].region_cut
            if f["is_cooperative"]:
                coops_by_region.setdefault(region, []).append(f["rut"])
            elif coops_by_region.get(region) and rng.random() < MEMBER_SHARE:
                members.append({"rut": f["rut"], "coop": rng.choice(coops_by_region[region])})
            if rng.random() < ADVISED_SHARE:
                advised.append({"rut": f["rut"], "advisor": f"adv_bench_{region}", "advisor_name": f"Asesor {region}",
                                "sessions": rng.randint(1, 12), "hours": float(rng.randint(2, 60))})
        driver.execute_query(ADVISE, rows=advised)
        driver.execute_query(MEMBERSHIPS, rows=members)
        written += len(firms)
        if progress:
            progress(len(firms))
    return written


WRITE_BUYERS: LiteralString = """
UNWIND $rows AS row
MERGE (b:Buyer {rut: row.rut})
SET b.name = row.name, b.name_key = row.name_key, b.created_at = coalesce(b.created_at, datetime())
WITH b, row
MATCH (c:Comuna {cut: row.comuna})
MERGE (b)-[:LOCATED_IN]->(c)
WITH b, row
MATCH (s:Sector {code: row.sector})
MERGE (b)-[:OPERATES_IN]->(s)
"""

WRITE_NEEDS: LiteralString = """
UNWIND $rows AS row
MATCH (b:Buyer {rut: row.buyer_rut}), (c:Comuna {cut: row.comuna})
MERGE (n:Need {id: row.id})
SET n.buyer_rut = row.buyer_rut, n.title = row.title, n.description = row.description, n.radius_km = row.radius_km,
    n.deadline = date(row.deadline), n.volume_uf = row.volume_uf, n.certifications_mandatory = row.mandatory,
    n.prefer = row.prefer, n.status = 'open', n.created_at = datetime(row.created_at), n.project_id = null
MERGE (b)-[:POSTED]->(n)
MERGE (n)-[:LOCATED_IN]->(c)
WITH n, row
CALL (n, row) { UNWIND row.sectors AS code MATCH (s:Sector {code: code}) MERGE (n)-[:IN_SECTOR]->(s) }
CALL (n, row) { UNWIND row.required AS code MATCH (ce:Certification {code: code}) MERGE (n)-[:REQUIRES]->(ce) }
"""

BUYER_INDUSTRIES = ("0510", "0729", "1701", "3510", "0891", "1102", "2394", "4610")


def needs(world: World, count: int) -> Iterator[tuple[dict, dict]]:
    """``count`` (buyer, need) pairs placed and worded like the firms."""
    for i in range(count):
        rng = world.rng("need", i)
        comuna = world.comuna(rng)
        sector = world.sector(rng)
        usual = SECTORS[sector][2]
        required = [rng.choice(usual)] if usual and rng.random() < 0.4 else []
        buyer_number = BUYER_FIRST_RUT + i % 12
        name = f"Gran Compradora de Prueba {i % 12}"
        buyer = {"rut": rut_of(buyer_number), "name": name, "name_key": fold(name), "comuna": comuna,
                 "sector": BUYER_INDUSTRIES[i % len(BUYER_INDUSTRIES)]}
        need = {
            "id": "need_" + hashlib.sha256(f"bench-{world.seed}-{i}".encode()).hexdigest()[:12],
            "buyer_rut": buyer["rut"], "comuna": comuna, "sectors": [sector],
            "title": SECTORS[sector][1].split(",")[0].capitalize(),
            "description": f"Buscamos proveedores locales de {SECTORS[sector][1]} para nuestra operación",
            "radius_km": float(rng.choice((20, 30, 50, 50, 80, 100, 150))),
            "required": required, "mandatory": bool(required) and rng.random() < 0.3,
            "deadline": (date(2027, 1, 1) + timedelta(days=rng.randint(0, 360))).isoformat(),
            "volume_uf": float(rng.choice((50, 150, 400, 1000, 3000))),
            "prefer": [rng.choice(("cooperatives", "women", "micro"))] if rng.random() < 0.15 else [],
            "created_at": datetime.now(UTC).isoformat(),
        }
        yield buyer, need


def load_needs(driver: Graph, world: World, count: int) -> list[str]:
    """Write (idempotently) the benchmark's buyers and needs; return the need ids."""
    pairs = list(needs(world, count))
    buyers = {b["rut"]: b for b, _ in pairs}
    driver.execute_query(WRITE_BUYERS, rows=list(buyers.values()))
    driver.execute_query(WRITE_NEEDS, rows=[n for _, n in pairs])
    return [n["id"] for _, n in pairs]
