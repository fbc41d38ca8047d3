"""Synthetic Chilean mipyme names for benchmarks, and "the same firm written by another center".

Names follow the shapes real registries show ("Panadería Los Aromos", "Transportes Muñoz Hnos.
Ltda.", "Pérez y González SpA", "Cooperativa Campesina Valle Verde", "María Soto Rojas EIRL"),
with Chilean surnames and first names from Faker's ``es_CL`` provider. ``variant`` rewrites a
name the ways spreadsheets do: typos, dropped or changed legal forms, reordered words,
abbreviations ("Coop.", "Soc.", "Cía."), capitals and missing accents.

``firm`` draws the harder register the duplicate benchmark tunes on (``scripts.dedupe_sets``):
surnames weighted by how common they are in Chile (so "González" firms crowd every comuna),
Faker's ``es_CL`` company patterns ("Pereira Sociedad Anónima", "Comercial Torres y Tapia
Ltda."), an industry word in front of a surname or a place ("Sociedad Agrícola El Maitén Ltda.",
"Inversiones Díaz S.A."), and ``namesake`` for a different firm sharing another's surname or
place. ``spreadsheet_variant`` rewrites a name as another office would: legal form dropped,
respelt ("S.A." / "Sociedad Anónima") or changed, industry word dropped or abbreviated ("Soc.
Agric.", "Const."), typos, swapped surnames, a middle name dropped, capitals, missing accents.
"""

from __future__ import annotations

import random
import unicodedata
from itertools import accumulate

from faker import Faker
from faker.providers.person.es_CL import Provider as PersonProvider

TRADES = (
    "Panadería", "Pastelería", "Amasandería", "Ferretería", "Transportes", "Constructora", "Apícola", "Viña",
    "Lechería", "Quesería", "Taller Mecánico", "Pesquera", "Hortícola", "Frutícola", "Turismo", "Maderas",
    "Textil", "Imprenta", "Carnicería", "Botillería", "Minimarket", "Almacén", "Confecciones", "Artesanías",
    "Cerámica", "Mueblería", "Vivero", "Forestal", "Ganadera", "Avícola", "Acuícola", "Mariscos", "Conservas",
    "Cervecería", "Chocolatería", "Hostal", "Cabañas", "Restaurante", "Cafetería", "Lavandería", "Peluquería",
    "Gasfitería", "Electricidad", "Climatización", "Diseño", "Asesorías", "Consultora", "Ingeniería",
    "Topografía", "Veterinaria", "Farmacia", "Óptica", "Librería", "Jardinería", "Vulcanización", "Fletes",
    "Lácteos", "Hortalizas", "Berries", "Nueces", "Aceites", "Vinos", "Empanadas", "Frutos Secos",
    "Deshidratados", "Semillas", "Riego", "Invernaderos", "Mermeladas", "Hierbas", "Envases", "Plásticos",
    "Metalúrgica", "Soldaduras", "Estructuras", "Carpintería", "Vidriería", "Pinturas", "Aluminios",
)
GENERIC = ("Comercial", "Sociedad", "Agrícola", "Inversiones", "Servicios", "Comercializadora",
           "Distribuidora", "Empresa", "Sociedad Comercial", "Sociedad Agrícola")
PLACES = (
    "Los Robles", "El Alerce", "Las Vertientes", "Austral", "Del Sur", "Andino", "Pacífico", "La Frontera",
    "Los Aromos", "El Boldo", "Los Canelos", "Las Araucarias", "El Maitén", "Los Copihues", "El Quillay",
    "Las Lomas", "El Sauce", "Los Álamos", "Mar Azul", "Sol Naciente", "Valle Verde", "Cordillera",
    "San José", "Santa Rosa", "Santa Elena", "San Pedro", "Santa Teresa", "San Antonio", "Los Andes",
    "El Molino", "La Quebrada", "Las Palmas", "Los Peumos", "El Litre", "Los Boldos", "La Esperanza",
    "Nueva Aurora", "El Roble", "Las Acacias", "Los Cerezos", "El Manantial", "Río Claro", "Lago Azul",
    "Tierra Fértil", "Buena Cosecha", "El Arrayán", "Las Dalias", "Los Nogales", "El Trébol", "La Campiña",
    "Punta Arenas", "Mirador", "El Faro", "La Caleta", "Piedra Blanca", "Cerro Alto", "Las Nieves",
)
COOP_KINDS = ("Agrícola", "Campesina", "Lechera", "Pesquera", "Apícola", "de Trabajo", "Agrícola y Lechera",
              "Vitivinícola", "Hortícola", "de Artesanas", "de Recolectoras")
LEGAL = ("Ltda.", "Limitada", "S.A.", "SpA", "S.p.A.", "EIRL", "E.I.R.L.", "y Cía. Ltda.", "y Compañía Limitada", "")
LEGAL_WEIGHTS = (20, 8, 6, 22, 4, 6, 3, 3, 3, 25)

# Abbreviations spreadsheets use: full word -> abbreviation.
ABBREVIATE = {
    "Cooperativa": "Coop.", "Sociedad": "Soc.", "Compañía": "Cía.", "Comercial": "Com.", "Hermanos": "Hnos.",
    "Limitada": "Ltda.", "Santa": "Sta.", "Agrícola": "Agric.", "Servicios": "Serv.", "Inversiones": "Inv.",
    "Distribuidora": "Distrib.",
}
_LEGAL_TOKENS = {"Ltda.", "Limitada", "S.A.", "SpA", "S.p.A.", "EIRL", "E.I.R.L.", "Cía.", "Compañía", "y"}
_LETTERS = "abcdefghijklmnopqrstuvwxyzáéíóúñ"


class NameGenerator:
    """Firm names from a seed; every name is new to this generator (no repeats)."""

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        fake = Faker("es_CL")
        fake.seed_instance(seed)
        self.surnames = sorted({fake.last_name() for _ in range(20_000)})
        self.first_names = sorted({fake.first_name() for _ in range(20_000)})

    def _legal(self) -> str:
        return self.rng.choices(LEGAL, LEGAL_WEIGHTS)[0]

    def name(self) -> tuple[str, bool]:
        """``(name, is_cooperative)``."""
        r, c = self.rng, self.rng.choice
        shape = r.random()
        if shape < 0.06:
            return f"Cooperativa {c(COOP_KINDS)} {c(PLACES)} {c(self.surnames) if r.random() < 0.5 else ''}".strip() \
                + (" Ltda." if r.random() < 0.5 else ""), True
        if shape < 0.30:
            base = f"{c(TRADES)} {c(self.surnames)} {c(self.surnames)}"
            if r.random() < 0.4:
                base = f"{c(GENERIC)} {base}"
        elif shape < 0.50:
            base = f"{c(TRADES)} {c(PLACES)} {c(self.surnames)}"
        elif shape < 0.65:
            base = f"{c(self.surnames)} y {c(self.surnames)}"
            if r.random() < 0.5:
                base = f"{c(GENERIC)} {base}"
        elif shape < 0.78:
            base = f"{c(self.first_names)} {c(self.surnames)} {c(self.surnames)}"
        elif shape < 0.90:
            base = f"{c(GENERIC)} {c(TRADES)} {c(PLACES)}"
        else:
            base = f"{c(TRADES)} {c(self.surnames)} Hermanos"
        return f"{base} {self._legal()}".strip(), False

    # -- the same firm, written by someone else ------------------------------------------------

    def _typo(self, name: str) -> str:
        words = name.split()
        candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w not in _LEGAL_TOKENS]
        if not candidates:
            return name
        i = self.rng.choice(candidates)
        w = words[i]
        pos = self.rng.randrange(1, len(w) - 1)
        kind = self.rng.choice(("swap", "drop", "replace", "insert"))
        if kind == "swap":
            w = w[:pos] + w[pos + 1] + w[pos] + w[pos + 2:]
        elif kind == "drop":
            w = w[:pos] + w[pos + 1:]
        elif kind == "replace":
            w = w[:pos] + self.rng.choice(_LETTERS) + w[pos + 1:]
        else:
            w = w[:pos] + self.rng.choice(_LETTERS) + w[pos:]
        words[i] = w
        return " ".join(words)

    def _legal_form(self, name: str) -> str:
        words = name.split()
        while words and words[-1] in _LEGAL_TOKENS:
            words.pop()
        if len(words) == len(name.split()) or self.rng.random() < 0.3:
            words.append(self.rng.choice(("Ltda.", "SpA", "Limitada", "S.A.")))
        return " ".join(words)

    def _reorder(self, name: str) -> str:
        words = name.split()
        tail = []
        while words and words[-1] in _LEGAL_TOKENS:
            tail.insert(0, words.pop())
        if " y " in f" {' '.join(words)} ":
            left, _, right = " ".join(words).partition(" y ")
            lw, rw = left.split(), right.split()
            words = lw[:-1] + [rw[0], "y", lw[-1]] + rw[1:]
        elif len(words) >= 2:
            words = words[1:] + words[:1]
        return " ".join(words + tail)

    def _abbreviate(self, name: str) -> str:
        out = " ".join(ABBREVIATE.get(word, word) for word in name.split())
        if out == name:
            return self._legal_form(name)
        return out

    def variant(self, name: str) -> tuple[str, str]:
        """Another center's spelling of ``name`` and which change it got."""
        kind = self.rng.choice(("typo", "legal_form", "reorder", "abbreviation"))
        out = {"typo": self._typo, "legal_form": self._legal_form, "reorder": self._reorder,
               "abbreviation": self._abbreviate}[kind](name)
        if self.rng.random() < 0.2:
            out = self._typo(out)
        noise = self.rng.random()
        if noise < 0.15:
            out = out.upper()
        elif noise < 0.35:
            out = "".join(ch for ch in unicodedata.normalize("NFKD", out) if not unicodedata.combining(ch))
        return out, kind


# -- the harder register: industry words, weighted surnames, es_CL company patterns, namesakes ----

# Industry words put in front of a surname or a place, with the ISIC classes such firms register.
INDUSTRY_SECTORS: dict[str, tuple[str, ...]] = {
    "Comercial": ("4610", "4630", "4641", "4649", "4659", "4690", "4711", "4719", "4752", "4773"),
    "Sociedad Comercial": ("4630", "4649", "4659", "4690", "4711"),
    "Distribuidora": ("4630", "4641", "4649", "4659", "4690"),
    "Importadora": ("4610", "4641", "4649", "4659", "4690"),
    "Agrícola": ("0111", "0113", "0121", "0124", "0125", "0141", "0150", "0161"),
    "Sociedad Agrícola": ("0111", "0113", "0121", "0124", "0125", "0150", "0161"),
    "Inversiones": ("6420", "6430", "6499", "6810", "7010"),
    "Inmobiliaria": ("6810", "6820", "4100"),
    "Constructora": ("4100", "4210", "4220", "4290", "4330", "4390"),
    "Transportes": ("4921", "4922", "4923", "5210", "5229"),
    "Servicios": ("8110", "8121", "8129", "8211", "8299", "7490", "9609"),
    "Comercial e Industrial": ("1079", "1610", "2220", "2511", "2599", "3100", "4690"),
    "Industrias": ("1079", "1610", "2220", "2511", "2599", "3100", "3311"),
    "Ingeniería": ("7110", "7120", "7490", "3311"),
    "Asesorías": ("7020", "6920", "7490"),
    "Holding": ("6420", "6430", "7010"),
    "Grupo": ("6420", "7010", "4690"),
    "Laboratorio": ("7120", "2100", "8690"),
    "Club": ("9312", "9319", "9329"),
    "Proyectos": ("7110", "7490", "4100"),
}
# What firms without an industry word register as (shops, food, workshops, services).
OTHER_SECTORS = ("1071", "1050", "1010", "1030", "1104", "5610", "5510", "4520", "9602", "4711", "4721",
                 "4752", "0311", "0321", "0220", "0210", "8299", "9609", "4330", "4923", "2511")
# Chilean legal forms as registries write them; the kind each spelling says.
LEGAL_SPELLINGS: dict[str, tuple[str, ...]] = {
    "Ltda.": ("Ltda.", "Limitada", "LTDA", "Ltda"),
    "S.A.": ("S.A.", "Sociedad Anónima", "SA", "S. A."),
    "SpA": ("SpA", "S.p.A.", "SPA"),
    "EIRL": ("EIRL", "E.I.R.L."),
}
LEGAL_KIND_WEIGHTS = {"Ltda.": 34, "S.A.": 12, "SpA": 34, "EIRL": 8, "": 12}
# How another office abbreviates industry and form words.
SPREADSHEET_ABBREVIATIONS = {
    "Sociedad": ("Soc.",), "Agrícola": ("Agric.", "Agr."), "Comercial": ("Com.", "Cial."),
    "Distribuidora": ("Distrib.", "Dist."), "Inversiones": ("Inv.", "Invers."), "Constructora": ("Const.", "Constr."),
    "Importadora": ("Imp.",), "Transportes": ("Transp.",), "Servicios": ("Serv.",), "Industrias": ("Ind.",),
    "Industrial": ("Ind.",), "Inmobiliaria": ("Inmob.",), "Ingeniería": ("Ing.",), "Compañía": ("Cía.",),
    "Hermanos": ("Hnos.",), "Cooperativa": ("Coop.",), "Asesorías": ("Asesor.",),
}
ES_CL_PREFIXES = ("Corporación", "Compañía", "Comercial", "Grupo", "Holding", "Industrias", "Inversiones",
                  "Constructora", "Distribuidora", "Servicios", "Transportes", "Agrícola")
_ALL_LEGAL = {spelling for spellings in LEGAL_SPELLINGS.values() for spelling in spellings}


def _drop_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


class Firm:
    """What a generated firm is: its name's parts, so a namesake or another office can rewrite it."""

    __slots__ = ("core", "industry", "legal", "person", "shape")

    def __init__(self, core: str, industry: str, legal: str, person: bool = False, shape: str = "") -> None:
        self.core, self.industry, self.legal, self.person, self.shape = core, industry, legal, person, shape

    @property
    def legal_kind(self) -> str:
        return next((kind for kind, spellings in LEGAL_SPELLINGS.items() if self.legal in spellings), "")

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.industry, self.core, self.legal) if part)

    def sectors(self, rng: random.Random) -> tuple[str, ...]:
        pool = INDUSTRY_SECTORS.get(self.industry, OTHER_SECTORS)
        return tuple(rng.sample(pool, 2)) if rng.random() < 0.12 else (rng.choice(pool),)


class RegisterNames:
    """Firm names for the duplicate benchmark's register, drawn from one seed."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.legacy = NameGenerator(seed)
        table = PersonProvider.last_names
        self._surnames = list(table)
        self._surname_cum = list(accumulate(table.values()))
        self._first = list(PersonProvider.first_names_female) + list(PersonProvider.first_names_male)

    def surname(self) -> str:
        return self.rng.choices(self._surnames, cum_weights=self._surname_cum)[0]

    def legal(self) -> str:
        kind = self.rng.choices(list(LEGAL_KIND_WEIGHTS), list(LEGAL_KIND_WEIGHTS.values()))[0]
        return self.rng.choice(LEGAL_SPELLINGS[kind]) if kind else ""

    def _surnames_core(self) -> str:
        r = self.rng.random()
        if r < 0.55:
            return self.surname()
        if r < 0.9:
            return f"{self.surname()} y {self.surname()}"
        return f"{self.surname()}, {self.surname()} y {self.surname()}"

    def firm(self) -> Firm:
        """A new firm: es_CL company patterns, an industry word before a surname or place, or older shapes."""
        r, c = self.rng.random(), self.rng.choice
        if r < 0.30:  # Faker es_CL: "Pereira S.A.", "Comercial Torres y Tapia Ltda.", "Holding Reyes y Asociados SpA"
            core = self._surnames_core()
            prefix = c(ES_CL_PREFIXES) if self.rng.random() < 0.45 else ""
            if prefix and self.rng.random() < 0.2:
                core = f"{core.split(' y ')[0].split(',')[0]} y Asociados"
            return Firm(core, prefix, self.legal() or "Ltda.", shape="es_cl")
        if r < 0.55:
            return Firm(self._surnames_core(), c(list(INDUSTRY_SECTORS)), self.legal(), shape="industry_surname")
        if r < 0.70:
            return Firm(c(PLACES), c(list(INDUSTRY_SECTORS)), self.legal(), shape="industry_place")
        if r < 0.82:
            first = c(self._first) + (f" {c(self._first)}" if self.rng.random() < 0.35 else "")
            legal = c(LEGAL_SPELLINGS["EIRL"]) if self.rng.random() < 0.6 else ""
            return Firm(f"{first} {self.surname()} {self.surname()}", "", legal, person=True, shape="person")
        name, _ = self.legacy.name()
        words = name.split()
        legal = ""
        for spelling in sorted(_ALL_LEGAL, key=len, reverse=True):
            if name.endswith(" " + spelling):
                legal, words = spelling, name[: -len(spelling) - 1].split()
                break
        return Firm(" ".join(words), "", legal, shape="trade")

    def namesake(self, of: Firm) -> Firm:
        """Another firm sharing ``of``'s surname or place: another industry word, legal form or partner."""
        r = self.rng.random()
        core = of.core
        if of.person:
            core = f"{self.rng.choice(self._first)} {' '.join(core.split()[-2:])}"
        elif r < 0.25 and " y " in core:
            core = f"{core.split(' y ')[0].split(',')[0]} y {self.surname()}"
        elif r < 0.4 and " y " not in core and not of.shape == "trade":
            core = core.split(",")[0]
        industries = [w for w in INDUSTRY_SECTORS if w != of.industry] + ["", ""]
        industry = self.rng.choice(industries) if not of.person else ""
        legal = self.legal()
        if industry == of.industry and legal == of.legal:
            legal = self.rng.choice([s for s in _ALL_LEGAL if s != of.legal])
        return Firm(core, industry, legal or ("Ltda." if not industry else ""), person=of.person, shape="namesake")

    # -- another office writes the same firm -------------------------------------------------------

    def spreadsheet_variant(self, firm: Firm) -> tuple[str, list[str]]:
        """The firm's name as another office writes it, and the changes made."""
        rng = self.rng
        changes: list[str] = []
        industry, core, legal = firm.industry, firm.core, firm.legal
        r = rng.random()
        if legal and r < 0.30:
            legal, changes = "", changes + ["legal_dropped"]
        elif legal and r < 0.50:
            legal = rng.choice([s for s in LEGAL_SPELLINGS[firm.legal_kind] if s != legal] or [legal])
            changes.append("legal_respelt")
        elif r < 0.56:
            legal = rng.choice([s for k, spellings in LEGAL_SPELLINGS.items() if k != firm.legal_kind
                                for s in spellings])
            changes.append("legal_changed")
        r = rng.random()
        if industry and r < 0.15:
            industry, changes = "", changes + ["industry_dropped"]
        elif industry and r < 0.45:
            words = [rng.choice(SPREADSHEET_ABBREVIATIONS[w]) if w in SPREADSHEET_ABBREVIATIONS and rng.random() < 0.8
                     else w for w in industry.split()]
            if words != industry.split():
                industry, changes = " ".join(words), changes + ["industry_abbreviated"]
        if " y " in core and rng.random() < 0.12:
            left, _, right = core.partition(" y ")
            core, changes = f"{right} y {left}".replace(",", ""), changes + ["surnames_swapped"]
        if firm.person and len(core.split()) == 4 and rng.random() < 0.4:
            words = core.split()
            core, changes = " ".join([words[0]] + words[2:]), changes + ["middle_name_dropped"]
        if "," in core and rng.random() < 0.5:
            core = core.replace(",", "")
        name = " ".join(part for part in (industry, core, legal) if part)
        if rng.random() < 0.25:
            name, changes = self.legacy._typo(name), changes + ["typo"]
        noise = rng.random()
        if noise < 0.15:
            name, changes = name.upper(), changes + ["upper"]
        elif noise < 0.40:
            name, changes = _drop_accents(name), changes + ["no_accents"]
        return name, changes or ["same_name"]
