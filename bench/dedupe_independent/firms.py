"""Base firms: distinct legal entities with a RUT, a name, a comuna, sectors and contacts."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache

from faker import Faker

from bench.dedupe_independent import vocabulary as vocab

# Name shapes of the register and how often each is drawn for a fresh firm.
TEMPLATE_WEIGHTS: dict[str, float] = {
    "faker": 15,
    "industry_surname": 20,
    "industry_two_surnames": 7,
    "industry_place": 14,
    "surname_form": 7,
    "sociedad_agricola": 4,
    "comercial_industrial": 3,
    "hermanos": 2,
    "surname_cia": 2,
    "shop": 8,
    "cooperative": 2,
    "person": 16,
}
# Shapes that can be built around a given surname or place word (for namesakes and near-twins).
SURNAME_TEMPLATES = {
    "industry_surname": 30,
    "industry_two_surnames": 10,
    "surname_form": 15,
    "sociedad_agricola": 6,
    "comercial_industrial": 8,
    "hermanos": 6,
    "surname_cia": 5,
    "person": 20,
}
PLACE_TEMPLATES = {
    "industry_place": 45,
    "sociedad_agricola": 15,
    "comercial_industrial": 8,
    "shop": 20,
    "cooperative": 6,
}
SHARED_KEY_SHARE = 0.16  # fresh firms that take the surname or place word of an earlier firm in its comuna
TWIN_SHARE = 0.012  # firms created as a pair one letter apart (Rojas / Rosas) in one comuna
INDUSTRY_CONSISTENT = 0.9  # an industry word's firm is in that word's sector
SECOND_CLASS_SHARE = 0.1
PHONE_SHARE = 0.55
EMAIL_SHARE = 0.4
# Industry words of firms found mostly outside the big cities.
RURAL_WORDS = {"Agrícola", "Forestal", "Pesquera", "Minera", "Ganadera", "Frutícola", "Maderas", "Cooperativa"}
EMAIL_DOMAINS = ["gmail.com"] * 6 + ["hotmail.com"] * 2 + ["yahoo.es", "outlook.com"]


@dataclass
class Firm:
    """One distinct legal entity as registered."""

    name: str
    template: str
    is_person: bool
    keys: list[str]
    key_kind: str | None
    industry: str | None
    cut: str = ""
    rut: int = 0
    classes: list[str] = field(default_factory=list)
    phone: str | None = None
    email: str | None = None


@cache
def _weighted_classes(sector: tuple[str, ...]) -> tuple[list[str], list[float]]:
    """Cached classes and weights of a sector."""
    return vocab.sector_classes(list(sector))


class FirmFactory:
    """Draws base firms, namesakes and near-twins from one random generator and one Faker."""

    def __init__(self, rng: random.Random, faker: Faker) -> None:
        self.rng = rng
        self.faker = faker
        self.surnames = list(vocab.SURNAMES)
        self.surname_cum = _cumulative(vocab.SURNAMES.values())
        self.given = [list(names) for names in vocab.GIVEN_NAMES_BY_SEX]
        self.given_cum = [_cumulative(names.values()) for names in vocab.GIVEN_NAMES_BY_SEX]
        self.comunas = vocab.comunas()
        weights = [vocab.COMUNA_WEIGHTS.get(c["COMUNA"], vocab.BASE_COMUNA_WEIGHT) for c in self.comunas]
        self.comuna_cum = _cumulative(weights)
        rural = [
            w * (0.15 if c["CUT_PROV"] == "131" else 1.0) if w > vocab.BASE_COMUNA_WEIGHT else 3 * w
            for w, c in zip(weights, self.comunas, strict=True)
        ]
        self.rural_cum = _cumulative(rural)
        self.industries = [w for w in vocab.INDUSTRY_WORDS if w != "Sociedad"]
        self.industry_cum = _cumulative(vocab.INDUSTRY_WORDS[w][0] for w in self.industries)
        self.used_ruts: set[int] = set()
        self.names: set[tuple[str, str]] = set()  # (comuna, folded name) of every firm so far
        self.by_key: list[Firm] = []  # firms with a surname or place key, sources of namesakes

    def firms(self, count: int) -> list[Firm]:
        """Draw count distinct firms: fresh ones, namesakes of earlier ones and near-twin pairs."""
        firms: list[Firm] = []
        while len(firms) < count:
            roll = self.rng.random()
            if roll < TWIN_SHARE and count - len(firms) >= 2:
                batch = self.twins()
            elif roll < TWIN_SHARE + SHARED_KEY_SHARE and self.by_key:
                batch = [self.namesake(self.rng.choice(self.by_key))]
            else:
                batch = [self.fresh()]
            names = {(firm.cut, vocab.fold(firm.name)) for firm in batch}
            if len(names) < len(batch) or names & self.names:
                continue  # distinct firms of one comuna never have the very same registered name
            self.names |= names
            for firm in batch:
                self.finish(firm)
                firms.append(firm)
        return firms

    def fresh(self) -> Firm:
        """A firm of a shape drawn by the register's proportions."""
        template = self.rng.choices(list(TEMPLATE_WEIGHTS), weights=list(TEMPLATE_WEIGHTS.values()))[0]
        firm = self.faker_firm() if template == "faker" else self.build(template, None)
        firm.cut = self.comuna(rural=firm.industry in RURAL_WORDS)
        return firm

    def namesake(self, source: Firm) -> Firm:
        """A distinct firm sharing the source's surname or place word and (mostly) its comuna."""
        templates = SURNAME_TEMPLATES if source.key_kind == "surname" else PLACE_TEMPLATES
        template = self.rng.choices(list(templates), weights=list(templates.values()))[0]
        avoid = source.industry if self.rng.random() < 0.85 else None
        firm = self.build(template, source.keys[0], avoid_industry=avoid)
        firm.cut = source.cut if self.rng.random() < 0.8 else self.comuna()
        return firm

    def twins(self) -> list[Firm]:
        """Two distinct firms in one comuna whose key words are one letter apart."""
        pairs = vocab.ONE_LETTER_PAIRS
        first, second, _ = self.rng.choices(pairs, weights=[w for _, _, w in pairs])[0]
        if self.rng.random() < 0.5:
            first, second = second, first
        templates = PLACE_TEMPLATES if first.startswith("El ") else SURNAME_TEMPLATES
        template = self.rng.choices(list(templates), weights=list(templates.values()))[0]
        a = self.build(template, first)
        same_shape = self.rng.random() < 0.6
        b = self.build(
            template if same_shape else self.rng.choice(list(templates)),
            second,
            industry=a.industry if same_shape and self.rng.random() < 0.5 else None,
        )
        b.cut = a.cut = self.comuna()
        if self.rng.random() < 0.4 and a.industry == b.industry:
            a.classes = self.classes_for(a)
            b.classes = list(a.classes)
        return [a, b]

    def build(
        self, template: str, key: str | None, avoid_industry: str | None = None, industry: str | None = None
    ) -> Firm:
        """A firm of one shape around a key word (drawn when None)."""
        if template == "shop":
            shop = self.rng.choices(list(vocab.SHOPS), weights=vocab.SHOP_WEIGHTS)[0]
            key = key or self.rng.choice(vocab.FANTASY_NAMES + vocab.PLACE_WORDS[:20])
            form = self.rng.choices(["", "Ltda.", "SpA", "EIRL"], weights=[60, 15, 15, 10])[0]
            return self._firm(f"{shop} {key}", form, template, [key], "place", shop)
        if template == "industry_place":
            key = key or self.place()
            industry = industry or self.industry(avoid_industry)
            return self._company(f"{industry} {key}", template, [key], "place", industry)
        if template == "cooperative":
            key = key or self.place()
            kind = self.rng.choice(["Campesina", "Agrícola", "Campesina", "de Trabajo", "Pesquera"])
            return self._firm(f"Cooperativa {kind} {key}", "Ltda.", template, [key], "place", "Cooperativa")
        if key is None and template in ("sociedad_agricola", "comercial_industrial") and self.rng.random() < 0.6:
            key = self.place()
        key = key or self.surname()
        kind = "surname" if key in vocab.SURNAMES else "place"
        return self._surname_shape(template, key, kind, avoid_industry, industry)

    def _surname_shape(self, template: str, key: str, kind: str, avoid: str | None, industry: str | None) -> Firm:
        """Shapes built around a surname (or a place word for the two mixed shapes)."""
        if template == "industry_surname":
            industry = industry or self.industry(avoid)
            return self._company(f"{industry} {key}", template, [key], kind, industry)
        if template == "industry_two_surnames":
            industry = industry or self.industry(avoid)
            other = self.surname(avoid=key)
            return self._company(f"{industry} {key} y {other}", template, [key, other], kind, industry)
        if template == "surname_form":
            form = self.rng.choices(
                ["SpA", "S.A.", "Ltda.", "Sociedad Anónima", "Limitada"], weights=[40, 20, 25, 8, 7]
            )[0]
            return self._firm(key, form, template, [key], kind, None)
        if template == "sociedad_agricola":
            form = self.rng.choices(["Ltda.", "S.A.", "SpA"], weights=[60, 20, 20])[0]
            return self._firm(f"Sociedad Agrícola {key}", form, template, [key], kind, "Agrícola")
        if template == "comercial_industrial":
            form = self.rng.choices(["S.A.", "Ltda.", "SpA", "S.A.C."], weights=[50, 35, 10, 5])[0]
            return self._firm(f"Comercial e Industrial {key}", form, template, [key], kind, "Industrial")
        if template == "hermanos":
            form = self.rng.choices(["Ltda.", "S.A.", "SpA"], weights=[70, 10, 20])[0]
            return self._firm(f"{key} Hermanos", form, template, [key], kind, None)
        if template == "surname_cia":
            industry = industry or (self.industry(avoid) if self.rng.random() < 0.5 else None)
            name = f"{industry} {key}" if industry else key
            return self._firm(name, "y Cía. Ltda.", template, [key], kind, industry)
        return self.person(key)

    def person(self, surname: str | None) -> Firm:
        """A person's business: "Juan Pérez Soto E.I.R.L." or the bare name (empresario individual)."""
        sex = self.rng.randrange(2)
        given = [self.given_name(sex)]
        if self.rng.random() < 0.6:
            given.append(self.given_name(sex, avoid=given[0]))
        first = surname or self.surname()
        second = self.surname(avoid=first)
        form = self.rng.choices(["EIRL", "E.I.R.L.", ""], weights=[55, 15, 30])[0]
        return self._firm(
            " ".join([*given, first, second]), form, "person", [first, second], "surname", None, is_person=True
        )

    def faker_firm(self) -> Firm:
        """A firm named by Faker's es_CL company patterns, its sector read from the prefix."""
        name = self.faker.company()
        words = [w.strip(",") for w in name.split()]
        keys = [w for w in words if w in vocab.SURNAMES]
        if name.endswith(("EIRL", "E.I.R.L.")):
            return Firm(name, "faker", True, keys[-2:], "surname" if keys else None, None)
        prefix = words[0] if words[0] in vocab.FAKER_PREFIX_SECTORS else None
        return Firm(name, "faker", False, keys[:1], "surname" if keys else None, prefix)

    def _company(self, stem: str, template: str, keys: list[str], kind: str, industry: str) -> Firm:
        """A firm whose legal form is drawn from the register's proportions."""
        form = self.rng.choices([f for f, _ in vocab.LEGAL_FORMS], weights=[w for _, w in vocab.LEGAL_FORMS])[0]
        if form == "Cía. Ltda.":
            form = "y Cía. Ltda."
        return self._firm(stem, form, template, keys, kind, industry)

    def _firm(
        self,
        stem: str,
        form: str,
        template: str,
        keys: list[str],
        kind: str,
        industry: str | None,
        is_person: bool = False,
    ) -> Firm:
        """Assemble a firm's name from its stem and form."""
        name = f"{stem} {form}".strip()
        return Firm(name, template, is_person or form in ("EIRL", "E.I.R.L."), keys, kind, industry)

    def finish(self, firm: Firm) -> None:
        """Give the firm its RUT, sectors and contacts, and remember it as a namesake source."""
        firm.rut = self.rut(firm.is_person)
        if not firm.classes:
            firm.classes = self.classes_for(firm)
        if self.rng.random() < PHONE_SHARE:
            firm.phone = self.phone(firm.cut)
        if self.rng.random() < EMAIL_SHARE:
            firm.email = self.email(firm)
        if firm.keys and firm.key_kind:
            self.by_key.append(firm)

    def classes_for(self, firm: Firm) -> list[str]:
        """One ISIC class consistent with the firm's industry word (usually), sometimes two."""
        sector = vocab.GENERIC_SECTOR
        if firm.template == "shop":
            sector = vocab.SHOPS[firm.industry or ""]
        elif firm.industry == "Cooperativa":
            sector = ["01"] * 3 + ["03", "0322", "4620"]
        elif firm.industry in vocab.FAKER_PREFIX_SECTORS and firm.template == "faker":
            sector = vocab.FAKER_PREFIX_SECTORS[firm.industry]
        elif firm.industry in vocab.INDUSTRY_WORDS:
            sector = vocab.INDUSTRY_WORDS[firm.industry][1]
        if self.rng.random() > INDUSTRY_CONSISTENT:
            sector = vocab.GENERIC_SECTOR
        classes = [self.isic_class(sector)]
        if self.rng.random() < SECOND_CLASS_SHARE:
            second = self.isic_class(sector if self.rng.random() < 0.6 else vocab.GENERIC_SECTOR)
            if second != classes[0]:
                classes.append(second)
        return classes

    def isic_class(self, sector: vocab.Sector) -> str:
        """One class of a sector."""
        classes, weights = _weighted_classes(tuple(sector))
        return self.rng.choices(classes, weights=weights)[0]

    def rut(self, is_person: bool) -> int:
        """A RUT number not used before: 5-25 million for persons, mostly 76-77 million for companies."""
        while True:
            if is_person:
                number = self.rng.randint(5_000_000, 25_000_000)
            else:
                low, high = self.rng.choices(
                    [(76_000_000, 77_999_999), (78_000_000, 79_999_999), (96_000_000, 96_999_999)], weights=[82, 10, 8]
                )[0]
                number = self.rng.randint(low, high)
            if number not in self.used_ruts:
                self.used_ruts.add(number)
                return number

    def phone(self, cut: str) -> str:
        """Nine digits: a mobile 9xxxxxxxx, or a Santiago landline 22xxxxxxx for metropolitan firms."""
        if cut.startswith("13") and self.rng.random() < 0.4:
            return "22" + f"{self.rng.randrange(10**7):07d}"
        return mobile(self.rng)

    def email(self, firm: Firm) -> str:
        """A firm address (contacto@slug.cl, slug@gmail.com) or a contact person's."""
        slug = "".join(ch for ch in vocab.fold(firm.keys[0] if firm.keys else firm.name) if ch.isalnum())
        if firm.industry and self.rng.random() < 0.4:
            slug = vocab.fold(firm.industry)[:5] + slug
        roll = self.rng.random()
        if roll < 0.35:
            return f"{self.rng.choice(['contacto', 'ventas', 'administracion', 'info'])}@{slug}.cl"
        if roll < 0.55:
            return f"{slug}@{self.rng.choice(EMAIL_DOMAINS)}"
        return self.personal_email(firm)

    def personal_email(self, firm: Firm) -> str:
        """A contact person's address (maria.rojas@gmail.com)."""
        given = vocab.fold(self.given_name()).replace(" ", "")
        surname = vocab.fold(firm.keys[0] if firm.keys and self.rng.random() < 0.6 else self.surname())
        surname = "".join(ch for ch in surname if ch.isalnum())
        number = self.rng.randint(1, 99)
        local = self.rng.choice([f"{given}.{surname}", f"{given[0]}{surname}", f"{given}{surname}{number}"])
        return f"{local}@{self.rng.choice(EMAIL_DOMAINS)}"

    def comuna(self, rural: bool = False) -> str:
        """A comuna's CUT, skewed to the populous comunas (less so for farms, forests and fisheries)."""
        cum_weights = self.rural_cum if rural else self.comuna_cum
        return self.rng.choices(self.comunas, cum_weights=cum_weights)[0]["CUT_COM"]

    def surname(self, avoid: str | None = None) -> str:
        """A surname by its Chilean frequency."""
        while True:
            name = self.rng.choices(self.surnames, cum_weights=self.surname_cum)[0]
            if name != avoid:
                return name

    def given_name(self, sex: int | None = None, avoid: str | None = None) -> str:
        """A given name (of one sex: 0 male, 1 female) by its frequency."""
        sex = self.rng.randrange(2) if sex is None else sex
        while True:
            name = self.rng.choices(self.given[sex], cum_weights=self.given_cum[sex])[0]
            if name != avoid:
                return name

    def place(self) -> str:
        """A place word, the common ones more often."""
        return self.rng.choices(vocab.PLACE_WORDS, weights=vocab.PLACE_WEIGHTS)[0]

    def industry(self, avoid: str | None = None) -> str:
        """An industry word by its weight, other than avoid."""
        while True:
            word = self.rng.choices(self.industries, cum_weights=self.industry_cum)[0]
            if word != avoid:
                return word


def mobile(rng: random.Random) -> str:
    """A Chilean mobile number: 9 and eight digits, the first of them not 0 or 1."""
    return f"9{rng.randint(2, 9)}{rng.randrange(10**7):07d}"


def _cumulative(weights) -> list[float]:
    """Running sums of weights, for random.choices."""
    total, sums = 0.0, []
    for weight in weights:
        total += weight
        sums.append(total)
    return sums
