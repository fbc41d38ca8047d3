"""Synthetic Chilean mipyme names for benchmarks, and "the same firm written by another center".

Names follow the shapes real registries show ("Panadería Los Aromos", "Transportes Muñoz Hnos.
Ltda.", "Pérez y González SpA", "Cooperativa Campesina Valle Verde", "María Soto Rojas EIRL"),
with Chilean surnames and first names from Faker's ``es_CL`` provider. ``variant`` rewrites a
name the ways spreadsheets do: typos, dropped or changed legal forms, reordered words,
abbreviations ("Coop.", "Soc.", "Cía."), capitals and missing accents.
"""

from __future__ import annotations

import random
import unicodedata

from faker import Faker

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
