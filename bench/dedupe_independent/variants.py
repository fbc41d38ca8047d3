"""How offices write a firm: spellings of names, RUTs, phones and comunas."""

from __future__ import annotations

import random
import re
import unicodedata

from stdnum.cl import rut as stdnum_rut

# Spellings of each legal form; "" drops it.
FORM_SPELLINGS: dict[str, list[str]] = {
    "sa": ["S.A.", "SA", "S. A.", "Sociedad Anónima", "S.A", ""],
    "ltda": ["Ltda.", "Ltda", "LTDA.", "Limitada", "Ltda .", ""],
    "spa": ["SpA", "S.p.A.", "SPA", "Spa", "S.P.A.", ""],
    "eirl": ["EIRL", "E.I.R.L.", "Eirl", "E.I.R.L", ""],
    "sac": ["S.A.C.", "SAC", "S.A.C", "S.A."],
    "cia": ["y Cía. Ltda.", "y Cia. Ltda.", "y Compañía Limitada", "y Cía Ltda", "y Cía.", "& Cía. Ltda.", "Ltda."],
}
FORM_PATTERN = re.compile(
    r"(?P<sep>,?\s*)(?P<form>y Cía\. Ltda\.|S\.A\.C\.|S\.A\.|Sociedad Anónima|Ltda\.|Limitada|SpA|S\.p\.A\.|SPA|"
    r"E\.I\.R\.L\.|EIRL)$"
)
FORM_KIND = {
    "S.A.": "sa",
    "Sociedad Anónima": "sa",
    "Ltda.": "ltda",
    "Limitada": "ltda",
    "SpA": "spa",
    "S.p.A.": "spa",
    "SPA": "spa",
    "EIRL": "eirl",
    "E.I.R.L.": "eirl",
    "S.A.C.": "sac",
    "y Cía. Ltda.": "cia",
}

# Abbreviations of industry words; "" drops the word. Longer phrases first.
WORD_SPELLINGS: list[tuple[str, list[str]]] = [
    ("Sociedad Agrícola", ["Soc. Agric.", "Soc. Agrícola", "Agrícola", "Sociedad Agricola", "Soc Agricola"]),
    ("Comercial e Industrial", ["Com. e Ind.", "Comercial e Ind.", "Comercial", "Com. e Industrial"]),
    ("Cooperativa", ["Coop.", "Cooperativa"]),
    ("Comercial", ["Com.", "Comerc.", ""]),
    ("Agrícola", ["Agric.", "Agr.", ""]),
    ("Distribuidora", ["Distrib.", "Dist.", ""]),
    ("Inversiones", ["Inv.", "Invers.", ""]),
    ("Constructora", ["Const.", "Constr.", ""]),
    ("Transportes", ["Transp.", "Transporte", "Trans.", ""]),
    ("Servicios", ["Serv.", "Servs.", ""]),
    ("Industrial", ["Ind.", ""]),
    ("Inmobiliaria", ["Inmob.", ""]),
    ("Importadora", ["Imp.", "Import.", ""]),
    ("Exportadora", ["Exp.", "Export.", ""]),
    ("Sociedad", ["Soc.", ""]),
    ("Forestal", ["Ftal.", ""]),
    ("Pesquera", ["Pesq.", ""]),
    ("Ingeniería", ["Ing.", ""]),
    ("Asesorías", ["Ases.", "Asesorias", ""]),
    ("Hermanos", ["Hnos.", "Hnos"]),
    ("Compañía", ["Cía."]),
    ("Taller Mecánico", ["Taller", "Taller Mec."]),
]
WORD_PATTERNS = [(re.compile(rf"(?<!\w){re.escape(word)}(?!\w)"), spellings) for word, spellings in WORD_SPELLINGS]
PAIR_PATTERN = re.compile(r"\b([A-ZÁÉÍÓÚÑ][a-záéíóúñü]+) (y|&) (?!Cía|Asociados)([A-ZÁÉÍÓÚÑ][a-záéíóúñü]+)\b")


def strip_accents(text: str) -> str:
    """Text without accents, keeping case (ñ becomes n)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def tidy(text: str) -> str:
    """Single spaces and no space before a comma."""
    return re.sub(r"\s+", " ", text).replace(" ,", ",").strip()


def respell_form(name: str, rng: random.Random) -> str:
    """Write the legal form another way, or drop it."""
    match = FORM_PATTERN.search(name)
    if not match:
        return name
    spellings = [s for s in FORM_SPELLINGS[FORM_KIND[match["form"]]] if s != match["form"]]
    return tidy(name[: match.start()] + " " + rng.choice(spellings))


def abbreviate_word(name: str, rng: random.Random) -> str:
    """Abbreviate or drop one industry word, never leaving the name without a distinguishing word."""
    found = [(pattern, spellings) for pattern, spellings in WORD_PATTERNS if pattern.search(name)]
    if not found:
        return name
    pattern, spellings = found[0]
    spelling = rng.choice(spellings)
    shorter = tidy(pattern.sub(spelling, name, count=1))
    core = FORM_PATTERN.sub("", shorter).strip(" ,")
    return shorter if len(core.split()) >= 1 and core else name


def typo(name: str, rng: random.Random) -> str:
    """One doubled, dropped or swapped letter inside a word of four or more letters."""
    words = name.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return name
    index = rng.choice(candidates)
    word = words[index]
    at = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("double", "drop", "swap"))
    if kind == "double":
        word = word[: at + 1] + word[at] + word[at + 1 :]
    elif kind == "drop":
        word = word[:at] + word[at + 1 :]
    else:
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    words[index] = word
    return " ".join(words)


def change_case(name: str, rng: random.Random) -> str:
    """Upper case (most often), lower case or title case."""
    return rng.choices([name.upper(), name.lower(), name.title()], weights=[6, 2, 1])[0]


def punctuate(name: str, rng: random.Random) -> str:
    """Extra spaces or punctuation: a doubled space, a comma before the form, no dots, a trailing dot."""
    kind = rng.choice(("space", "comma", "nodots", "trailing"))
    if kind == "space" and " " in name:
        at = rng.choice([i for i, c in enumerate(name) if c == " "])
        return name[:at] + "  " + name[at + 1 :]
    if kind == "comma":
        match = FORM_PATTERN.search(name)
        if match and not match["sep"].startswith(","):
            return name[: match.start()] + ", " + match["form"]
    if kind == "nodots" and "." in name:
        return tidy(name.replace(".", " "))
    return name + ("." if not name.endswith(".") else " ")


def swap_ampersand(name: str, rng: random.Random) -> str:
    """Write "y" as "&" (or back)."""
    if " y " in name:
        return name.replace(" y ", " & ", 1)
    return name.replace(" & ", " y ", 1)


def swap_pair(name: str, rng: random.Random) -> str:
    """Swap the two surnames of "Torres y Tapia"."""
    return PAIR_PATTERN.sub(lambda m: f"{m[3]} {m[2]} {m[1]}", name, count=1)


def reorder_person(name: str, rng: random.Random) -> str:
    """A person's business written surnames first, or without the second given name or surname."""
    match = FORM_PATTERN.search(name)
    form = match["form"] if match else ""
    words = (name[: match.start()] if match else name).split()
    if len(words) < 3:
        return name
    given, surnames = words[:-2], words[-2:]
    kind = rng.choice(("surnames_first", "one_surname", "one_given"))
    if kind == "surnames_first":
        words = surnames + given
    elif kind == "one_surname":
        words = given + surnames[:1]
    elif len(given) > 1:
        words = given[:1] + surnames
    return tidy(" ".join(words) + " " + form)


def spell_name(name: str, is_person: bool, rng: random.Random) -> str:
    """The name as another office writes it: one to four changes, structural ones first."""
    structural = [(respell_form, 25), (abbreviate_word, 16)]
    if " y " in name or " & " in name:
        structural.append((swap_ampersand, 5))
    if PAIR_PATTERN.search(name):
        structural.append((swap_pair, 6))
    if is_person:
        structural.append((reorder_person, 12))
    surface = [(typo, 13), (strip_accents_op, 14), (change_case, 20), (punctuate, 10)]
    count = rng.choices([1, 2, 3, 4], weights=[35, 40, 20, 5])[0]
    chosen = _sample_weighted(structural + surface, count, rng)
    order = [op for op, _ in structural + surface]
    for op in sorted(chosen, key=order.index):
        name = op(name, rng)
    return name


def strip_accents_op(name: str, rng: random.Random) -> str:
    """Drop the accents ("Nunez", "Pena")."""
    return strip_accents(name)


def _sample_weighted(options: list, count: int, rng: random.Random) -> list:
    """Up to count distinct operations drawn by weight."""
    pool = list(options)
    chosen = []
    while pool and len(chosen) < count:
        pick = rng.choices(range(len(pool)), weights=[w for _, w in pool])[0]
        chosen.append(pool.pop(pick)[0])
    return chosen


def light_style(name: str, rng: random.Random) -> str:
    """How the first office writes the name: mostly as registered, sometimes upper case or unaccented."""
    roll = rng.random()
    if roll < 0.10:
        return name.upper()
    if roll < 0.15:
        return strip_accents(name)
    return name


def format_rut(number: int, rng: random.Random, style: str | None = None) -> tuple[str, str]:
    """A RUT as offices write it ("76.123.456-7", "76123456-7", "761234567") and the style used."""
    digit = stdnum_rut.calc_check_digit(str(number))
    if digit == "K" and rng.random() < 0.3:
        digit = "k"
    style = style or rng.choices(["dotted", "dash", "compact"], weights=[50, 35, 15])[0]
    if style == "dotted":
        return f"{number:,}".replace(",", ".") + "-" + digit, style
    if style == "dash":
        return f"{number}-{digit}", style
    return f"{number}{digit}", style


def format_phone(digits: str, rng: random.Random) -> str:
    """A nine-digit Chilean number ("912345678") written with or without the country code."""
    area, rest = digits[0], digits[1:]
    return rng.choices(
        [
            f"+56 {area} {rest[:4]} {rest[4:]}",
            f"+56{digits}",
            digits,
            f"{area} {rest[:4]} {rest[4:]}",
            f"(+56) {area} {rest[:4]} {rest[4:]}",
        ],
        weights=[60, 15, 12, 10, 3],
    )[0]


def write_comuna(name: str, rng: random.Random) -> str:
    """A comuna's name as written: mostly official, sometimes unaccented or upper case."""
    roll = rng.random()
    if roll < 0.80:
        return name
    if roll < 0.90:
        return strip_accents(name)
    if roll < 0.97:
        return name.upper()
    return strip_accents(name).upper()
