"""The figures the demo data set is calibrated to, and the knobs that shape it.

Counts are given for the DEFAULT size (``DEFAULT_FIRMS``); any other ``--firms N`` multiplies
every activity count by ``N / DEFAULT_FIRMS`` (the CDN network's centers stay as they are).
Shares (micro firms, owner gender...) are drawn as exact quotas, so they hold at every size.
"""

from __future__ import annotations

import hashlib
from datetime import date

# DESIGN.md's program figures for 2025 (what `encadena stats` compares against) live in
# matching.program; the demo is calibrated to them.
from matching.program import PROGRAM_FIGURES  # noqa: F401  (re-exported for the demo generator)

# -- size ---------------------------------------------------------------------------------------

# 2,000 firms in projects plus the CDN network's other clients (≈5 sessions each) and firms
# registered without advice: 91,000 sessions need about 18,000 firms besides the participants.
DEFAULT_FIRMS = 20_000
MIN_FIRMS = 500

# Firms that take part in a project (alliances), at the default size. Accepted proposals to
# firms outside this pool add a few participants, so the pool is a little under 2,000.
POOL_FIRMS = 1_950

PROJECTS_BY_KIND = {
    "cadena_productiva_local": 78,
    "red_proveedores": 36,
    "red_empresarial": 21,
    "cadena_corta": 12,
}
# Share of projects run by the Cooperative CDN (the rest by the regional CDN).
COOPERATIVE_CENTER_PROJECT_SHARE = 0.05

# Advisory sessions at the default size: the whole network and the project participants.
SESSIONS_TOTAL = 91_000
SESSIONS_POOL = 8_000
HOURS_POOL = 9_300
HOURS_PER_SESSION_OTHER = (0.75, 1.5)
# Share of non-participating firms that are CDN clients (have at least one session).
ADVISED_SHARE_OTHER = 0.85

# Decision history: closed needs with proposals decided by the simulated buyer.
DECIDED_PROPOSALS = 3_100
PROPOSALS_PER_NEED = (3, 7)
OPEN_NEEDS = 150
OPEN_NEEDS_WITH_PENDING_SHARE = 0.4
# Of a pool firm's alliances, the share created when its project began (before the history);
# they make "earlier alliances with this buyer" observable at decision time.
EARLY_PROGRAM_ALLIANCE_SHARE = 0.05

BUYERS = 100
ADVISORS_PER_CENTER = 5
COOPERATIVE_CENTER_ADVISORS = 10
COOPERATIVE_SHARE_POOL = 0.04
COOPERATIVE_SHARE_OTHER = 0.015
COOPERATIVE_MEMBERS = (4, 18)

# -- firm attributes as exact quotas -----------------------------------------------------------

POOL_SEGMENTS = {
    "micro_1": 0.365, "micro_2": 0.20, "micro_3": 0.165,
    "pequena_1": 0.09, "pequena_2": 0.06, "pequena_3": 0.04,
    "mediana_1": 0.02, "mediana_2": 0.01,
    "sin_ventas": 0.05,
}
OTHER_SEGMENTS = {
    "micro_1": 0.30, "micro_2": 0.18, "micro_3": 0.17,
    "pequena_1": 0.10, "pequena_2": 0.07, "pequena_3": 0.06,
    "mediana_1": 0.03, "mediana_2": 0.02, "grande": 0.02,
    "sin_ventas": 0.05,
}
# Annual sales in UF drawn log-uniformly inside each segment (micro 1 starts at 15 UF, not
# 0.01: almost every firm the centers advise sells something).
SEGMENT_SALES_UF = {
    "micro_1": (15.0, 200.0), "micro_2": (200.01, 600.0), "micro_3": (600.01, 2_400.0),
    "pequena_1": (2_400.01, 5_000.0), "pequena_2": (5_000.01, 10_000.0), "pequena_3": (10_000.01, 25_000.0),
    "mediana_1": (25_000.01, 50_000.0), "mediana_2": (50_000.01, 100_000.0), "grande": (100_000.01, 400_000.0),
}
SEGMENT_EMPLOYEES = {
    "sin_ventas": (0, 2), "micro_1": (0, 3), "micro_2": (1, 5), "micro_3": (2, 9),
    "pequena_1": (5, 25), "pequena_2": (10, 40), "pequena_3": (15, 49),
    "mediana_1": (50, 120), "mediana_2": (80, 199), "grande": (200, 1_200),
}
POOL_GENDER = {"F": 0.48, "M": 0.31, "unknown": 0.21}
OTHER_GENDER = {"F": 0.44, "M": 0.37, "unknown": 0.19}

# Probability that a firm holds at least one certification, by size class; then the status mix
# ("Mejora Negocios" pays for certifications, so many are in progress).
CERTIFIED_SHARE = {"sin_ventas": 0.05, "micro": 0.25, "pequena": 0.5, "mediana": 0.7, "grande": 0.85}
CERT_STATUS = {"valid": 0.55, "in_progress": 0.25, "expired": 0.20}

# -- calendar -----------------------------------------------------------------------------------

# The demo's "today": every date is fixed relative to it so a re-run writes the same graph.
DATA_DATE = date(2026, 11, 1)
# Projects active in 2025 (the program year of DESIGN.md's figures).
PROJECT_START = (date(2023, 6, 1), date(2025, 6, 30))
PROJECT_MONTHS = (12, 30)
PROJECT_MIN_END = date(2025, 3, 31)
# The decision history (closed needs, proposals, decisions): time-ordered over 2024-2025.
HISTORY_START = date(2024, 1, 8)
HISTORY_END = date(2025, 11, 30)
# Program alliances made after a firm's last decision are dated up to this day.
PROGRAM_YEAR_END = date(2025, 12, 31)
# The current call: open needs posted shortly before DATA_DATE, deadlines in 2027.
OPEN_NEEDS_POSTED = (date(2026, 9, 1), date(2026, 10, 30))
OPEN_NEEDS_DEADLINE = (date(2027, 1, 15), date(2027, 8, 31))
FIRMS_REGISTERED = (date(2018, 1, 1), date(2025, 12, 31))
# Certificate dates: valid ones expire after DATA_DATE; in-progress ones expect their date over
# a wide window (procedures slip), so some count before a 2024-2025 deadline and some do not.
CERT_VALID_UNTIL = (date(2026, 12, 1), date(2029, 12, 31))
CERT_EXPECTED = (date(2024, 3, 1), date(2027, 6, 30))
CERT_EXPIRED = (date(2021, 1, 1), date(2026, 10, 15))


def at_noon(day: date) -> str:
    """A deterministic UTC timestamp for a day, in ISO 8601 (Cypher's ``datetime()`` reads it).

    Rows carry dates as strings: converting Python temporal values costs the driver far more
    than ``datetime()`` and ``date()`` cost Neo4j.
    """
    return f"{day.isoformat()}T12:00:00Z"


# -- territory ----------------------------------------------------------------------------------

# Relative weights of the regions (population, Censo 2017, thousands): where firms are.
REGION_WEIGHTS = {
    "15": 226, "01": 331, "02": 608, "03": 286, "04": 758, "05": 1_816, "13": 7_113, "06": 915,
    "07": 1_045, "16": 481, "08": 1_557, "09": 958, "14": 385, "10": 829, "11": 103, "12": 167,
}
# Inside a region every comuna weighs 1 except the cities listed here (names as in DPA 2023).
CITY_WEIGHTS: dict[str, dict[str, float]] = {
    "15": {"Arica": 12},
    "01": {"Iquique": 6, "Alto Hospicio": 4, "Pozo Almonte": 1.5},
    "02": {"Antofagasta": 8, "Calama": 6, "Tocopilla": 1.5, "Mejillones": 1.2},
    "03": {"Copiapó": 6, "Vallenar": 2.5, "Caldera": 1.5},
    "04": {"La Serena": 5, "Coquimbo": 5, "Ovalle": 3, "Illapel": 1.5},
    "05": {"Viña del Mar": 6, "Valparaíso": 5, "Quilpué": 3, "Villa Alemana": 2.5, "San Antonio": 2,
           "Quillota": 2, "Los Andes": 2, "San Felipe": 2, "Concón": 1.5, "Calera": 1.5},
    "13": {"Puente Alto": 8, "Maipú": 8, "Santiago": 7, "La Florida": 6, "Las Condes": 5, "San Bernardo": 5,
           "Peñalolén": 4, "Pudahuel": 4, "Quilicura": 4, "Providencia": 4, "Ñuñoa": 4, "Estación Central": 3,
           "Recoleta": 3, "Renca": 3, "Colina": 3, "Lampa": 2, "Melipilla": 2, "Talagante": 2, "Buin": 2,
           "Paine": 2, "Peñaflor": 2},
    "06": {"Rancagua": 6, "San Fernando": 2.5, "Rengo": 2, "Machalí": 2, "Santa Cruz": 1.5},
    "07": {"Talca": 6, "Curicó": 4, "Linares": 3, "Constitución": 1.5, "Cauquenes": 1.5, "Molina": 1.5,
           "Parral": 1.5, "San Javier": 1.5},
    "16": {"Chillán": 7, "Chillán Viejo": 2, "San Carlos": 2, "Bulnes": 1.5},
    "08": {"Concepción": 5, "Los Angeles": 5, "Talcahuano": 3.5, "Coronel": 3, "San Pedro de la Paz": 3,
           "Hualpén": 2.5, "Chiguayante": 2.5, "Tomé": 1.5, "Lota": 1.5, "Arauco": 1.5, "Cañete": 1.5},
    "09": {"Temuco": 8, "Padre Las Casas": 2.5, "Villarrica": 2.5, "Angol": 2.5, "Pucón": 1.5, "Victoria": 1.5,
           "Lautaro": 1.5, "Nueva Imperial": 1.5},
    "14": {"Valdivia": 6, "La Unión": 2, "Río Bueno": 1.5, "Panguipulli": 1.5},
    "10": {"Puerto Montt": 7, "Osorno": 5, "Castro": 2, "Ancud": 2, "Puerto Varas": 2, "Quellón": 1.5,
           "Calbuco": 1.5},
    "11": {"Coihaique": 5, "Aisén": 2},
    "12": {"Punta Arenas": 8, "Natales": 2},
}
# The CDN network: centers per region (62) plus the Cooperative CDN in Santiago.
CENTERS_PER_REGION = {
    "15": 2, "01": 2, "02": 3, "03": 3, "04": 4, "05": 5, "13": 8, "06": 5,
    "07": 5, "16": 3, "08": 5, "09": 5, "14": 3, "10": 5, "11": 2, "12": 2,
}
COOPERATIVE_CENTER_COMUNA = "Santiago"
# Fixed-line area codes by region, for landline phone numbers (mobiles are +56 9).
AREA_CODES = {
    "15": "58", "01": "57", "02": "55", "03": "52", "04": "51", "05": "32", "13": "2", "06": "72",
    "07": "71", "16": "42", "08": "41", "09": "45", "14": "63", "10": "65", "11": "67", "12": "61",
}
MOBILE_PHONE_SHARE = 0.8


# -- group supply (issue 16) ---------------------------------------------------------------------

# Needs of these project kinds are bought by several firms together: their volume is this many times
# an ordinary need's, beyond what one nearby micro firm can supply.
GROUP_SUPPLY_KINDS = frozenset({"red_proveedores", "cadena_corta"})
GROUP_SUPPLY_VOLUME_FACTOR = 6.0
# Outside those projects, this share of needs is as large (a third of the program's projects are
# supplier networks or short chains: 48 of 147).
GROUP_SUPPLY_SHARE = 0.3
# A group-supply need asks for this many times (uniform between the two) what the largest nearby
# firm of its own class can supply: no single firm covers it, a few together do.
GROUP_SUPPLY_OVER_LARGEST = (1.3, 2.6)
# Share of firms with sales that declare what they can supply one buyer in a year, and that capacity
# as a share of their annual sales (uniform between the two).
DECLARES_CAPACITY = 0.3


def unit_draw(seed: int, key: str) -> float:
    """A uniform draw in [0, 1) from ``seed`` and ``key`` alone (moves no random stream)."""
    digest = hashlib.blake2b(f"{seed}:{key}".encode(), digest_size=7).digest()
    return int.from_bytes(digest, "big") / 2 ** 56


def declared_capacity(seed: int, rut: str, sales: float | None) -> float | None:
    """What a firm declares it can supply one buyer a year: ``DECLARES_CAPACITY`` of firms with sales do."""
    if not sales or unit_draw(seed, f"{rut}:declares") >= DECLARES_CAPACITY:
        return None
    low, high = DECLARED_CAPACITY_SHARE
    return round(sales * (low + (high - low) * unit_draw(seed, f"{rut}:capacity")), 1)


def group_supply_need(seed: int, index: int, project_kind: str | None) -> bool:
    """Whether need ``index`` is bought by several firms together (drawn from its index: no rng moves)."""
    if project_kind in GROUP_SUPPLY_KINDS:
        return True
    digest = hashlib.blake2b(f"{seed}:{index}:group-supply".encode(), digest_size=2).digest()
    return int.from_bytes(digest, "big") / 65536 < GROUP_SUPPLY_SHARE
DECLARED_CAPACITY_SHARE = (0.15, 0.6)
