"""Firm-name normalization: names compare on the words that distinguish them.

"Cooperativa Agrícola y Lechera Los Andes Ltda." and "Coop. Agricola Lechera Los Andes" are the
same cooperative written by two centers. ``analyze_name`` folds case, accents, punctuation and
spacing, joins dotted abbreviations ("S.p.A." -> "spa"), expands common abbreviations
("Coop." -> "cooperativa"), sets aside trailing legal forms (Ltda., S.A., SpA, EIRL, y Cía.) and
generic words (Cooperativa, Sociedad, Comercial, Agrícola...) and keeps the rest, in order, as
the name's *key*: ``"lechera andes"`` for both names above.

What is set aside is not noise: "Comercial El Maitén Ltda." and "Sociedad Agrícola El Maitén
Ltda." share a key and are two firms. ``firm_name_parts`` takes a name apart for duplicate
detection's pair model (``matching.pair_model``): the key, the *industry words* (Comercial,
Agrícola, Constructora, Inversiones... with their abbreviations "Com.", "Agric.", "Const.",
"Inv.") and the *kind* of legal form ("S.A." for S.A., SA and Sociedad Anónima; "Ltda." for
Ltda and Limitada; "SpA"; "EIRL"), so that a pair can be weighed on each.

Pure Python; used by duplicate detection (``matching.dedupe``) and by the firm search re-ranker
(which, like the previous duplicate matcher, uses ``analyze_name``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

# Legal forms of Chilean firms, as token sequences after folding; removed only at the end of a
# name ("Spa Las Termas" is a spa, "Las Termas SpA" a sociedad por acciones). Longest first.
LEGAL_FORMS: tuple[tuple[str, ...], ...] = (
    ("empresa", "individual", "de", "responsabilidad", "limitada"),
    ("sociedad", "de", "responsabilidad", "limitada"),
    ("sociedad", "por", "acciones"),
    ("sociedad", "anonima", "cerrada"),
    ("sociedad", "anonima", "abierta"),
    ("sociedad", "anonima"),
    ("responsabilidad", "limitada"),
    ("y", "compania"),
    ("ltda",),
    ("limitada",),
    ("spa",),
    ("sa",),
    ("sac",),
    ("saic",),
    ("eirl",),
    ("srl",),
)

# Words that say what kind of firm it is rather than which one; set aside from the key.
GENERIC_WORDS: frozenset[str] = frozenset({
    "cooperativa", "sociedad", "comercial", "comercializadora", "agricola", "empresa", "empresas",
    "servicios", "servicio", "industrial", "industria", "industrias", "inversiones", "compania",
    "distribuidora", "importadora", "exportadora", "holding", "corporacion", "grupo", "asociados",
    "hermanos", "hijos",
})

# Words that carry no meaning in a name.
STOPWORDS: frozenset[str] = frozenset({"y", "e", "de", "del", "la", "las", "los", "el", "en", "para", "por"})

# Abbreviations spreadsheets use, mapped to the full word ("Coop." and "Cooperativa" compare equal).
ABBREVIATIONS: dict[str, str] = {
    "coop": "cooperativa", "coope": "cooperativa", "cooperat": "cooperativa",
    "soc": "sociedad", "socied": "sociedad",
    "com": "comercial", "comerc": "comercial", "comercializ": "comercializadora",
    "agric": "agricola", "agr": "agricola", "agri": "agricola",
    "cia": "compania", "compa": "compania",
    "emp": "empresa", "empr": "empresa",
    "serv": "servicios", "servs": "servicios", "svcs": "servicios",
    "ind": "industrial", "indust": "industrial",
    "inv": "inversiones", "invers": "inversiones",
    "dist": "distribuidora", "distrib": "distribuidora",
    "imp": "importadora", "exp": "exportadora",
    "corp": "corporacion",
    "hnos": "hermanos", "hno": "hermanos",
    "sta": "santa", "sto": "santo", "sn": "san",
    "gral": "general", "stgo": "santiago",
}

# A token this long, one edit (or swap of two neighbouring letters) away from a generic word, is
# that word misspelt ("cooperatva", "soceidad").
FUZZY_GENERIC_MIN_LENGTH = 6
FUZZY_GENERIC_MAX_EDITS = 1

# "S.p.A.", "E.I.R.L.", "S. A": single letters joined by dots, written as one token.
_DOTTED = re.compile(r"(?<![0-9a-z])[a-z](?:\s?\.\s?[a-z](?![0-9a-z]))+\.?")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_FUZZY_CHOICES = tuple(sorted(GENERIC_WORDS | {"limitada"}))
# Legal forms by their last word, longest first: the end of a name is checked against few.
_LEGAL_BY_LAST_WORD: dict[str, tuple[tuple[str, ...], ...]] = {
    last: tuple(form for form in LEGAL_FORMS if form[-1] == last) for last in {form[-1] for form in LEGAL_FORMS}
}


def _ascii_fold(name: str) -> str:
    """Lower case without accents ("Ñuñoa" -> "nunoa"); names are mostly ASCII already."""
    if name.isascii():
        return name.lower()
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()


@dataclass(frozen=True)
class NameParts:
    """A firm name taken apart; ``key`` is what duplicate detection and search compare."""

    key: str
    generic: str
    legal_form: str | None

    @property
    def full(self) -> str:
        """Generic and distinguishing words together, without the legal form."""
        return f"{self.generic} {self.key}".strip()


@lru_cache(maxsize=65536)
def _canonical_token(token: str) -> str:
    """The full, correctly spelt form of one folded token (cached: names share most words)."""
    token = ABBREVIATIONS.get(token, token)
    if len(token) >= FUZZY_GENERIC_MIN_LENGTH and token not in GENERIC_WORDS:
        hit = process.extractOne(
            token, _FUZZY_CHOICES, scorer=OSA.distance, processor=None,
            score_cutoff=FUZZY_GENERIC_MAX_EDITS,
        )
        if hit is not None:
            return hit[0]
    return token


def _strip_legal_forms(tokens: list[str]) -> tuple[list[str], list[tuple[str, ...]]]:
    """Remove legal forms from the end of ``tokens``; return (rest, the forms removed in reading order)."""
    removed: list[tuple[str, ...]] = []
    while tokens:
        for form in _LEGAL_BY_LAST_WORD.get(tokens[-1], ()):
            n = len(form)
            if len(tokens) > n and tuple(tokens[-n:]) == form:
                removed.insert(0, form)
                tokens = tokens[:-n]
                break
        else:
            break
    return tokens, removed


def _tokens(name: str) -> list[str]:
    """Folded words of a name, dotted abbreviations joined ("S.p.A." -> "spa") and "&" read as "y"."""
    text = _ascii_fold(name).replace("&", " y ")
    if "." in text:
        text = _DOTTED.sub(lambda m: _NON_WORD.sub("", m.group(0)), text)
    return _NON_WORD.sub(" ", text).split()


@lru_cache(maxsize=262144)
def analyze_name(name: str) -> NameParts:
    """Split a firm name into its distinguishing key, generic words and legal form.

    Parameters
    ----------
    name : str
        A firm name as written anywhere ("Soc. Agrícola El Roble Ltda.").

    Returns
    -------
    NameParts
        ``key`` keeps the distinguishing words in reading order ("roble"); when a name has
        none ("Comercial Agrícola Ltda."), its generic words become the key, so that no name
        normalizes to an empty string unless it has no letters or digits at all.
    """
    tokens = _tokens(name)
    # Legal forms are matched on expanded words too ("Soc. Anónima" is "sociedad anonima").
    tokens, forms = _strip_legal_forms([_canonical_token(t) if t in ABBREVIATIONS else t for t in tokens])
    legal = [word for form in forms for word in form]
    key: list[str] = []
    generic: list[str] = []
    for token in tokens:
        word = _canonical_token(token)
        if word in STOPWORDS:
            continue
        (generic if word in GENERIC_WORDS else key).append(word)
    if not key:
        key, generic = generic, []
    if not key:
        key = [t for t in tokens if t not in STOPWORDS] or tokens
    return NameParts(" ".join(key), " ".join(generic), " ".join(legal) or None)


def normalize_name(name: str) -> str:
    """The comparison key of a firm name: ``"Coop. Agrícola Lechera Los Andes"`` -> ``"lechera andes"``."""
    return analyze_name(name).key


# -- the name as evidence: key, industry words, kind of legal form --------------------------------

# Words that say the firm is a company or a family business, not what it does: set aside from the
# key and not compared ("Sociedad Agrícola X" and "Agrícola X" agree on what the firm does).
FORM_WORDS: frozenset[str] = frozenset({
    "sociedad", "empresa", "empresas", "compania", "asociados", "hermanos", "hijos",
})

# Words that say what the firm does or what kind of business it is: set aside from the key and
# compared on their own (``matching.pair_model``'s "palabras de rubro"). The generic words above
# plus the trade words firms most often put in front of a surname or a place, and the prefixes
# Chilean registries show ("Club", "Despacho", "Laboratorio", "Proyectos").
INDUSTRY_WORDS: frozenset[str] = (GENERIC_WORDS - FORM_WORDS) | frozenset({
    "comercio", "agropecuaria", "agroindustrial", "ganadera", "forestal", "pesquera", "minera",
    "constructora", "inmobiliaria", "transportes", "ingenieria", "consultora", "asesorias", "turismo",
    "producciones", "club", "despacho", "laboratorio", "proyectos",
})

# Spellings of one industry word that mean the same ("Industrias" and "Industrial").
INDUSTRY_SYNONYMS: dict[str, str] = {
    "industria": "industrial", "industrias": "industrial", "servicio": "servicios", "comercio": "comercial",
    "importaciones": "importadora", "exportaciones": "exportadora", "transporte": "transportes",
    "asesoria": "asesorias", "inversion": "inversiones", "empresas": "empresa",
}

# Abbreviations of industry and form words beyond ``ABBREVIATIONS`` ("Const." is constructora).
INDUSTRY_ABBREVIATIONS: dict[str, str] = {
    "const": "constructora", "constr": "constructora", "construc": "constructora",
    "inmob": "inmobiliaria", "inmobil": "inmobiliaria",
    "transp": "transportes", "transps": "transportes", "trans": "transportes",
    "ing": "ingenieria", "ingen": "ingenieria",
    "asesor": "asesorias", "ases": "asesorias",
    "lab": "laboratorio", "labs": "laboratorio",
    "proy": "proyectos",
    "cial": "comercial", "coml": "comercial", "comerc": "comercial",
    "distr": "distribuidora", "distrib": "distribuidora", "distribuid": "distribuidora",
    "agrop": "agropecuaria", "agroind": "agroindustrial",
    "import": "importadora", "export": "exportadora",
    "inver": "inversiones", "invs": "inversiones",
    "socs": "sociedad", "sdad": "sociedad",
}

# The kind of company each legal form says. "y Cía." says none (a partnership style, written with
# or without Ltda.); the others say which of the four kinds mipymes register as.
LEGAL_FORM_KINDS: dict[tuple[str, ...], str] = {
    ("ltda",): "Ltda.", ("limitada",): "Ltda.", ("srl",): "Ltda.",
    ("responsabilidad", "limitada"): "Ltda.", ("sociedad", "de", "responsabilidad", "limitada"): "Ltda.",
    ("sa",): "S.A.", ("sac",): "S.A.", ("saic",): "S.A.", ("sociedad", "anonima"): "S.A.",
    ("sociedad", "anonima", "cerrada"): "S.A.", ("sociedad", "anonima", "abierta"): "S.A.",
    ("spa",): "SpA", ("sociedad", "por", "acciones"): "SpA",
    ("eirl",): "EIRL", ("empresa", "individual", "de", "responsabilidad", "limitada"): "EIRL",
}

_EVIDENCE_ABBREVIATIONS = ABBREVIATIONS | INDUSTRY_ABBREVIATIONS
_EVIDENCE_FUZZY_CHOICES = tuple(sorted(GENERIC_WORDS | INDUSTRY_WORDS | FORM_WORDS | {"limitada"}))


@dataclass(frozen=True)
class FirmNameParts:
    """A firm name taken apart for comparison: what distinguishes it, what it does, its legal form."""

    key: str
    industry: tuple[str, ...]
    legal_form: str | None

    @property
    def key_words(self) -> tuple[str, ...]:
        return tuple(self.key.split())


@lru_cache(maxsize=65536)
def _evidence_token(token: str) -> str:
    """One folded token as ``firm_name_parts`` reads it: abbreviations expanded, misspelt industry words fixed."""
    token = _EVIDENCE_ABBREVIATIONS.get(token, token)
    if len(token) >= FUZZY_GENERIC_MIN_LENGTH and token not in INDUSTRY_WORDS and token not in FORM_WORDS:
        hit = process.extractOne(
            token, _EVIDENCE_FUZZY_CHOICES, scorer=OSA.distance, processor=None,
            score_cutoff=FUZZY_GENERIC_MAX_EDITS,
        )
        if hit is not None:
            token = hit[0]
    return INDUSTRY_SYNONYMS.get(token, token)


@lru_cache(maxsize=262144)
def firm_name_parts(name: str) -> FirmNameParts:
    """Split a firm name into its key, its industry words and the kind of its legal form.

    Parameters
    ----------
    name : str
        A firm name as written anywhere ("Soc. Agric. Los Alerces", "Díaz S.p.A.").

    Returns
    -------
    FirmNameParts
        ``key``: the distinguishing words in reading order ("alerces"; "diaz"); ``industry``:
        the industry words, sorted ("agricola",), without form words such as Sociedad;
        ``legal_form``: "Ltda.", "S.A.", "SpA", "EIRL" or ``None`` when the name has none. A name
        of industry words only ("Comercial Agrícola Ltda.") keeps them as its key.
    """
    tokens = _tokens(name)
    tokens, forms = _strip_legal_forms([_evidence_token(t) if t in _EVIDENCE_ABBREVIATIONS else t for t in tokens])
    kinds = [LEGAL_FORM_KINDS[form] for form in forms if form in LEGAL_FORM_KINDS]
    key: list[str] = []
    industry: list[str] = []
    for token in tokens:
        word = _evidence_token(token)
        if word in STOPWORDS or word in FORM_WORDS:
            continue
        (industry if word in INDUSTRY_WORDS else key).append(word)
    if not key:
        key, industry = industry, []
    if not key:
        key = [t for t in tokens if t not in STOPWORDS] or tokens
    return FirmNameParts(" ".join(key), tuple(sorted(set(industry))), kinds[-1] if kinds else None)
