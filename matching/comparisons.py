"""How two firm records compare: one level per comparison, Splink-style, and what each level says.

Every pair of records gets one level on each comparison (the level names are Spanish because the
evidence and the serialized model show them to program staff):

============  ====================================================================================
comparison    levels (first match wins)
============  ====================================================================================
nombre        ``exacto``: the same key words (``matching.names.firm_name_parts``), in any order;
              ``tipeo``: all key words equal but one, that one a typo away (one edit, two in words
              of 8+ letters; not when both spellings are words many records use, or both
              Chilean surnames or first names, like Rojas and Rosas); ``parecido``: sorted keys
              at ``SIMILAR_RATIO`` or more (several typos);
              ``contenido``: a key of two or more words inside the other ("Merino Sandoval" and
              "Javier Merino Sandoval"); ``distinto``: anything else.
rubro         industry words of the names: ``igual``, ``parcial`` (share one, not all), ``uno_sin``
              (one name has none: dropped), ``ninguno`` (neither has any), ``distinto``.
forma         kind of legal form (Ltda., S.A., SpA, EIRL, whatever the spelling): ``igual``,
              ``uno_sin``, ``ninguna``, ``distinta``.
ciiu          ISIC classes: ``misma_clase`` (one in common), ``misma_division`` (two-digit
              division in common), ``distinta``, ``sin_dato`` (a record has none).
comuna        ``misma``, ``vecina`` (adjacent, when the caller passes adjacency), ``otra``, ``sin_dato``.
telefono      last ``PHONE_DIGITS`` digits: ``igual``, ``sin_dato`` (one or both missing), ``distinto``.
correo        e-mail, case ignored: ``igual``, ``sin_dato``, ``distinto``.
rut           valid RUTs (python-stdnum): ``igual``, ``sin_dato`` (missing or invalid), ``distinto``.
============  ====================================================================================

The exact-name level also carries a term-frequency figure: how many records of the register
have that key (Splink's term-frequency adjustment: "Díaz" is shared by chance far more often
than "Bastías Baeza Castro"). ``matching.pair_model`` turns levels into weights and a score;
``evidence`` turns them into Spanish sentences. Pure Python; no database.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from matching.names import firm_name_parts
from matching.rut import InvalidRut, canonical_rut, format_rut
from matching.text import fold

if TYPE_CHECKING:
    from matching.dedupe import FirmName

# -- thresholds of the levels ------------------------------------------------------------------

# Sorted keys at least this similar (rapidfuzz ``ratio``, 0-100) are "parecido": several typos.
SIMILAR_RATIO = 88
# Keys shorter than this must match exactly or differ: one edit in "soto" or "rojas" is another name.
SHORT_KEY_LENGTH = 6
# A differing word shorter than this is another word, not a typo ("paz" / "pez").
TYPO_MIN_WORD_LENGTH = 5
# Edits allowed for a typo: one, or two in words of ``TYPO_LONG_WORD`` letters or more.
TYPO_LONG_WORD = 8
# Two spellings both used by at least this many records of the register are two words (Rojas and
# Rosas), not a typo of one another; a typo is rare by nature. So are two spellings that are both
# Chilean surnames or first names (``known_names``), which also tells them apart in a small file.
COMMON_WORD_RECORDS = 3
# Phones compare on their last digits (with or without +56, area code or spaces).
PHONE_DIGITS = 8

_NON_DIGIT = re.compile(r"[^0-9]")


@lru_cache(maxsize=1)
def known_names() -> frozenset[str]:
    """Chile's 500 most frequent surnames and 1,000 first names, folded (Registro Civil figures, as
    shipped in Faker's ``es_CL`` person provider): words that are names in their own right."""
    from faker.providers.person.es_CL import Provider

    names = [*Provider.last_names, *Provider.first_names_male, *Provider.first_names_female]
    return frozenset(word for name in names for word in fold(name).split())


@dataclass(frozen=True)
class Comparison:
    """One comparison: its name, what it compares (in Spanish) and its levels, most similar first."""

    name: str
    label: str
    levels: tuple[str, ...]


NOMBRE = Comparison("nombre", "nombre", ("exacto", "tipeo", "parecido", "contenido", "distinto"))
RUBRO = Comparison("rubro", "palabras de rubro del nombre", ("igual", "parcial", "uno_sin", "ninguno", "distinto"))
FORMA = Comparison("forma", "forma jurídica", ("igual", "uno_sin", "ninguna", "distinta"))
CIIU = Comparison("ciiu", "rubro CIIU", ("misma_clase", "misma_division", "distinta", "sin_dato"))
COMUNA = Comparison("comuna", "comuna", ("misma", "vecina", "otra", "sin_dato"))
TELEFONO = Comparison("telefono", "teléfono", ("igual", "sin_dato", "distinto"))
CORREO = Comparison("correo", "correo electrónico", ("igual", "sin_dato", "distinto"))
RUT = Comparison("rut", "RUT", ("igual", "sin_dato", "distinto"))

COMPARISONS: tuple[Comparison, ...] = (NOMBRE, RUBRO, FORMA, CIIU, COMUNA, TELEFONO, CORREO, RUT)
EXACT_NAME = NOMBRE.levels.index("exacto")
_N = {c.name: {level: i for i, level in enumerate(c.levels)} for c in COMPARISONS}


class Prepared(NamedTuple):
    """A record ready to compare (a tuple: 100,000 of them are built per scan)."""

    record: FirmName
    key: str
    sorted_key: str
    words: frozenset[str]
    industry: tuple[str, ...]
    legal: str | None
    sectors: frozenset[str]
    divisions: frozenset[str]
    phone: str | None
    email: str | None
    rut: str | None


def phone_digits(value: str | None) -> str | None:
    """The last ``PHONE_DIGITS`` digits of a phone, or ``None`` when it has fewer."""
    digits = _NON_DIGIT.sub("", value) if value else ""
    return digits[-PHONE_DIGITS:] if len(digits) >= PHONE_DIGITS else None


@lru_cache(maxsize=262144)
def valid_rut(value: str | None) -> str | None:
    """The canonical RUT (``12345678-5``) when ``value`` is a valid one, else ``None``."""
    if not value or not value.strip():
        return None
    try:
        return canonical_rut(value)
    except InvalidRut:
        return None


def sector_class(code: str) -> str:
    """The ISIC class a code names: "4630"; SII's six-digit "463000" and Excel's "111" (0111) too."""
    code = code.strip()
    if code.isdigit() and len(code) in (3, 5):
        code = "0" + code
    return code[:4]


def prepare(record: FirmName) -> Prepared:
    parts = firm_name_parts(record.name)
    words = parts.key.split()
    sectors = frozenset(sector_class(code) for code in record.sectors if code and code.strip())
    email = (record.email or "").strip().lower() or None
    return Prepared(record, parts.key, " ".join(sorted(words)), frozenset(words), parts.industry, parts.legal_form,
                    sectors, frozenset(s[:2] for s in sectors), phone_digits(record.phone), email,
                    valid_rut(record.rut))


@dataclass(frozen=True)
class Register:
    """What comparisons need to know about the whole set of records compared."""

    records: int
    key_counts: Mapping[str, int]
    word_counts: Mapping[str, int]
    adjacency: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, items: Sequence[Prepared], adjacency: Mapping[str, frozenset[str]] | None = None) -> Register:
        keys = Counter(item.sorted_key for item in items)
        words: Counter[str] = Counter()
        for item in items:
            words.update(item.words)
        return cls(len(items), keys, words, adjacency or {})

    def key_count(self, sorted_key: str) -> int:
        return max(self.key_counts.get(sorted_key, 0), 2)


class Levels(NamedTuple):
    """The level index of each comparison (``COMPARISONS`` order) and the name's similarity."""

    indices: tuple[int, ...]
    name_ratio: float


def _is_typo(x: str, y: str) -> bool:
    shortest = min(len(x), len(y))
    if shortest < TYPO_MIN_WORD_LENGTH:
        return False
    edits = 2 if shortest >= TYPO_LONG_WORD else 1
    return OSA.distance(x, y, processor=None, score_cutoff=edits) <= edits


def name_level(a: Prepared, b: Prepared, register: Register) -> tuple[int, float]:
    """The ``nombre`` level of two records and the similarity of their sorted keys (0-100)."""
    levels = _N["nombre"]
    if a.sorted_key == b.sorted_key or a.words == b.words:
        return levels["exacto"], 100.0
    ratio = fuzz.ratio(a.sorted_key, b.sorted_key, processor=None, score_cutoff=0)
    only_a, only_b = a.words - b.words, b.words - a.words
    if not only_a or not only_b:
        shorter = a.words if not only_a else b.words
        return (levels["contenido"] if len(shorter) >= 2 else levels["distinto"]), ratio
    if min(len(a.sorted_key), len(b.sorted_key)) < SHORT_KEY_LENGTH:
        return levels["distinto"], ratio
    if len(only_a) == 1 == len(only_b):
        (x,), (y,) = only_a, only_b
        if _is_typo(x, y):
            counts, known = register.word_counts, known_names()
            if (counts.get(x, 0) >= COMMON_WORD_RECORDS and counts.get(y, 0) >= COMMON_WORD_RECORDS) \
                    or (x in known and y in known):
                return levels["distinto"], ratio
            return levels["tipeo"], ratio
    if ratio >= SIMILAR_RATIO:
        return levels["parecido"], ratio
    return levels["distinto"], ratio


def _sets_level(x: tuple[str, ...], y: tuple[str, ...], levels: dict[str, int]) -> int:
    if not x and not y:
        return levels["ninguno"]
    if not x or not y:
        return levels["uno_sin"]
    if x == y:
        return levels["igual"]
    return levels["parcial"] if set(x) & set(y) else levels["distinto"]


def _same_level(x: str | None, y: str | None, levels: dict[str, int]) -> int:
    if not x or not y:
        return levels["sin_dato"]
    return levels["igual"] if x == y else levels["distinto"]


def compare(a: Prepared, b: Prepared, register: Register) -> Levels:
    """The level of every comparison for records ``a`` and ``b``."""
    name, ratio = name_level(a, b, register)
    forma = _N["forma"]
    if a.legal and b.legal:
        legal = forma["igual"] if a.legal == b.legal else forma["distinta"]
    else:
        legal = forma["uno_sin"] if a.legal or b.legal else forma["ninguna"]
    ciiu = _N["ciiu"]
    if not a.sectors or not b.sectors:
        sector = ciiu["sin_dato"]
    elif a.sectors & b.sectors:
        sector = ciiu["misma_clase"]
    else:
        sector = ciiu["misma_division"] if a.divisions & b.divisions else ciiu["distinta"]
    comunas = _N["comuna"]
    ca, cb = a.record.comuna, b.record.comuna
    if not ca or not cb:
        comuna = comunas["sin_dato"]
    elif ca == cb:
        comuna = comunas["misma"]
    else:
        comuna = comunas["vecina"] if cb in register.adjacency.get(ca, ()) else comunas["otra"]
    return Levels((name, _sets_level(a.industry, b.industry, _N["rubro"]), legal, sector, comuna,
                   _same_level(a.phone, b.phone, _N["telefono"]), _same_level(a.email, b.email, _N["correo"]),
                   _same_level(a.rut, b.rut, _N["rut"])), ratio)


# -- evidence in Spanish -------------------------------------------------------------------------

def _industry_text(words: tuple[str, ...]) -> str:
    return " ".join(word.capitalize() for word in words).replace("Agricola", "Agrícola") \
        .replace("Ingenieria", "Ingeniería").replace("Asesorias", "Asesorías").replace("Corporacion", "Corporación")


def _sectors_text(sectors: frozenset[str]) -> str:
    return ", ".join(sorted(sectors))


def sentence(comparison: str, level: str, a: Prepared, b: Prepared, levels: Levels, register: Register) -> str:
    """What one comparison level says about the pair, as a sentence for an advisor."""
    if comparison == "nombre":
        if level == "exacto":
            count = register.key_count(a.sorted_key)
            common = f" (lo llevan {count:,} registros)".replace(",", ".") if count > 2 else ""
            return f"Mismo nombre normalizado: «{a.key}»{common}."
        if level in ("tipeo", "parecido"):
            return f"Nombres normalizados parecidos: «{a.key}» y «{b.key}» ({levels.name_ratio:.0f}/100)."
        if level == "contenido":
            return f"Un nombre normalizado contiene al otro: «{a.key}» y «{b.key}»."
        return f"Nombres normalizados distintos: «{a.key}» y «{b.key}»."
    if comparison == "rubro":
        x, y = _industry_text(a.industry), _industry_text(b.industry)
        return {"igual": f"Misma palabra de rubro en el nombre ({x}).",
                "parcial": f"Palabras de rubro del nombre en parte iguales ({x} / {y}).",
                "uno_sin": f"Solo un nombre dice su rubro ({x or y}).",
                "ninguno": "Ningún nombre dice su rubro.",
                "distinto": f"Palabras de rubro del nombre distintas ({x} / {y})."}[level]
    if comparison == "forma":
        return {"igual": f"Misma forma jurídica ({a.legal}).",
                "uno_sin": f"Forma jurídica solo en un nombre ({a.legal or b.legal}).",
                "ninguna": "Ningún nombre dice su forma jurídica.",
                "distinta": f"Forma jurídica distinta ({a.legal} / {b.legal})."}[level]
    if comparison == "ciiu":
        shared = a.sectors & b.sectors
        return {"misma_clase": f"Comparten rubro CIIU {_sectors_text(shared)}.",
                "misma_division": f"Rubro CIIU de la misma división ({_sectors_text(a.sectors)} / "
                                  f"{_sectors_text(b.sectors)}).",
                "distinta": f"Rubro CIIU distinto ({_sectors_text(a.sectors)} / {_sectors_text(b.sectors)}).",
                "sin_dato": "Sin rubro CIIU en uno de los registros."}[level]
    if comparison == "comuna":
        return {"misma": "Misma comuna.", "vecina": "Comunas vecinas.", "otra": "Comunas distintas.",
                "sin_dato": "Sin comuna en uno de los registros."}[level]
    if comparison == "telefono":
        return {"igual": "Mismo teléfono.", "distinto": "Teléfonos distintos.",
                "sin_dato": "Sin teléfono para comparar."}[level]
    if comparison == "correo":
        return {"igual": "Mismo correo electrónico.", "distinto": "Correos electrónicos distintos.",
                "sin_dato": "Sin correo para comparar."}[level]
    return {"igual": f"Mismo RUT ({format_rut(a.rut)})." if a.rut else "Mismo RUT.",
            "distinto": f"RUT distintos ({format_rut(a.rut)} / {format_rut(b.rut)})." if a.rut and b.rut
            else "RUT distintos.",
            "sin_dato": "Sin RUT válido en uno de los registros."}[level]
