"""Chilean-looking names, phones and emails from Faker's ``es_CL`` data, drawn with our own RNG.

Faker's Spanish-Chilean person data (first names by sex, surnames weighted by frequency) feeds
firm names such as "Agrícola Los Boldos SpA", "Comercial Hermanos Soto E.I.R.L." or
"Cooperativa Campesina de Paine Ltda.". Every draw goes through the ``random.Random`` passed in,
so a seed gives the same names in every process (and this is fast enough for 100,000 firms).
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from itertools import accumulate

from faker.providers.internet.es_CL import Provider as InternetProvider
from faker.providers.person.es_CL import Provider as PersonProvider

from matching.text import fold
from scripts.demo.calibration import AREA_CODES, MOBILE_PHONE_SHARE
from scripts.demo.industries import FANTASY_NAMES, Industry, SupplierClass

# Legal forms by size class: (suffix, weight); "" is a natural person trading under their name.
LEGAL_FORMS = {
    "small_micro": (("", 0.35), (" E.I.R.L.", 0.30), (" SpA", 0.25), (" Ltda.", 0.10)),
    "micro": (("", 0.05), (" E.I.R.L.", 0.30), (" SpA", 0.40), (" Ltda.", 0.25)),
    "pequena": ((" E.I.R.L.", 0.10), (" SpA", 0.45), (" Ltda.", 0.40), (" S.A.", 0.05)),
    "mediana": ((" SpA", 0.35), (" Ltda.", 0.30), (" S.A.", 0.35)),
}
_SLUG = re.compile(r"[^a-z0-9]+")
_LEGAL_TAIL = re.compile(r"\s+(e i r l|spa|ltda|s a)$")


class _Weighted:
    """Draw from Faker's weighted name tables with a caller's RNG."""

    def __init__(self, table) -> None:
        self.values = list(table)
        weights = list(table.values()) if hasattr(table, "values") else [1.0] * len(self.values)
        self.cumulative = list(accumulate(weights))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


class Namer:
    """Names for people, firms, cooperatives and buyers; phones and emails."""

    def __init__(self) -> None:
        self._female = _Weighted(PersonProvider.first_names_female)
        self._male = _Weighted(PersonProvider.first_names_male)
        self._surname = _Weighted(PersonProvider.last_names)
        self._free_domains = tuple(InternetProvider.free_email_domains)

    # -- people ---------------------------------------------------------------------------------

    def first_name(self, rng: random.Random, gender: str) -> str:
        if gender == "unknown":
            gender = rng.choice("FM")
        return (self._female if gender == "F" else self._male).draw(rng)

    def surname(self, rng: random.Random) -> str:
        return self._surname.draw(rng)

    def person(self, rng: random.Random, gender: str) -> str:
        """"Nombre Apellido Apellido", as Chileans write their full name."""
        return f"{self.first_name(rng, gender)} {self.surname(rng)} {self.surname(rng)}"

    # -- firms ----------------------------------------------------------------------------------

    def firm_name(self, rng: random.Random, cls: SupplierClass, comuna: str, size: str, gender: str) -> str:
        """A firm name that looks Chilean for a supplier of ``cls`` in ``comuna``."""
        suffix = _choice(rng, LEGAL_FORMS[size])
        if not suffix:
            return self.person(rng, gender)
        word = rng.choice(cls.words)
        pattern = rng.random()
        if pattern < 0.30:
            core = f"{word} {rng.choice(FANTASY_NAMES)}"
        elif pattern < 0.48:
            core = f"{word} {self.surname(rng)}"
        elif pattern < 0.60:
            core = f"{word} Hermanos {self.surname(rng)}"
        elif pattern < 0.70:
            core = f"{word} {self.surname(rng)} e Hijos"
        elif pattern < 0.80:
            core = f"{word} {self.surname(rng)} y {self.surname(rng)}"
        elif pattern < 0.88:
            title = "Doña" if gender == "F" else "Don"
            core = f"{word} {title} {self.first_name(rng, 'F' if gender == 'F' else 'M')}"
        elif pattern < 0.95:
            core = f"{word} de {comuna}"
        else:
            core = f"{word} {rng.choice(FANTASY_NAMES)} de {comuna}"
        return core + suffix

    def cooperative_name(self, rng: random.Random, cls: SupplierClass, comuna: str) -> str:
        pattern = rng.random()
        if pattern < 0.45:
            return f"Cooperativa {cls.cooperative} de {comuna} Ltda."
        if pattern < 0.85:
            return f"Cooperativa {cls.cooperative} {rng.choice(FANTASY_NAMES)} Ltda."
        return f"Cooperativa {cls.cooperative} {rng.choice(FANTASY_NAMES)} de {comuna}"

    def buyer_name(self, rng: random.Random, industry: Industry, place: str) -> str:
        word = rng.choice(industry.buyer_names)
        if rng.random() < 0.6:
            return f"{word} {rng.choice(FANTASY_NAMES)} S.A."
        return f"{word} {place} S.A."

    # -- contact data ---------------------------------------------------------------------------

    def phone(self, rng: random.Random, region_cut: str) -> str:
        """A mobile (+56 9 ...) or a landline with the region's area code."""
        if rng.random() < MOBILE_PHONE_SHARE:
            return f"+56 9 {rng.randint(2000, 9999)} {rng.randint(0, 9999):04d}"
        area = AREA_CODES[region_cut]
        if area == "2":
            return f"+56 2 2{rng.randint(100, 999)} {rng.randint(0, 9999):04d}"
        return f"+56 {area} {rng.randint(200, 299)} {rng.randint(0, 9999):04d}"

    def firm_email(self, rng: random.Random, name_key: str, natural_person: bool) -> str:
        """An email from the firm's folded name (``matching.text.fold``)."""
        if natural_person:
            parts = name_key.split()
            local = f"{parts[0]}.{parts[1]}" if len(parts) > 1 else parts[0]
            return f"{local}{rng.randint(1, 99)}@{rng.choice(self._free_domains)}"
        slug = slug_of(name_key)
        if rng.random() < 0.35:
            return f"{slug}@{rng.choice(self._free_domains)}"
        return f"{rng.choice(('contacto', 'ventas', 'administracion'))}@{slug}.cl"

    def advisor_email(self, name: str, index: int) -> str:
        first, last = fold(name).split()[:2]
        return f"{first}.{last}{index}@cdn.example.cl"


@lru_cache(maxsize=65_536)
def _fold_word(word: str) -> str:
    return fold(word)


def fold_name(name: str) -> str:
    """``matching.text.fold(name)``, word by word with a cache: names reuse a few thousand words."""
    return " ".join(w for w in map(_fold_word, name.split()) if w)


_SLUG_STOP = frozenset(("de", "del", "la", "las", "el", "los", "y", "e"))
SLUG_LENGTH = 22


def slug_of(name_key: str) -> str:
    """"agricola los boldos spa" -> "agricolaboldos": the words that tell a firm apart stay whole.

    Legal form and small words dropped; when the name is long, its leading (generic) words shrink to
    their initials first, so "servicios industriales lira e hijos" gives "silirahijos", not the
    "serviciosindustriales" every firm of that trade would share.
    """
    words = [_SLUG.sub("", w) for w in _LEGAL_TAIL.sub("", name_key).split() if w not in _SLUG_STOP]
    words = [w for w in words if w]
    if not words:
        return "empresa"
    for cut in range(len(words)):
        slug = "".join(w[0] for w in words[:cut]) + "".join(words[cut:])
        if len(slug) <= SLUG_LENGTH:
            return slug
    return "".join(w[0] for w in words[:-1]) + words[-1][:SLUG_LENGTH]


def _choice(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]
