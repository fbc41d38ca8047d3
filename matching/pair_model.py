"""The pair model: what each comparison level weighs, the score of a pair and why, as plain data.

A Fellegi–Sunter model in the spirit of Splink. For every level of every comparison
(``matching.comparisons``) two probabilities are stated:

- ``m``: how often a pair of records of *the same firm* shows this level;
- ``u``: how often a pair of records of *two different firms* shows it.

The level's match weight is ``log2(m / u)`` bits: positive evidence for the same firm, negative
against. A pair's weight is the prior plus the sum of its levels' weights, and its score is the
posterior probability that the two records are one firm, times 100::

    bits  = log2(PRIOR_TWINS_PER_RECORD) - log2(N - 1)      # prior odds of a random pair
            + sum of level weights
            + log2(N / records sharing the key)              # exact name only (term frequency)
    score = 100 / (1 + 2 ** -bits)

where ``N`` is the number of records compared (at least ``MIN_REGISTER_RECORDS``). For an exact
name the two ``N`` terms cancel: its evidence depends only on how many records share the key.

The prior ``m`` and ``u`` are named constants below, each with what it means; they were set by
reasoning about how registers are written and checked against the tuning set
(``scripts/dedupe_sets.py``). A model learned from advisors' decisions
(``matching.dedupe_training``) has the same shape (an intercept, a weight per level and a
term-frequency weight, all in bits), so every score is explained by the same table. Models
serialize as JSON (``to_json``/``from_json``), never pickle.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matching.comparisons import COMPARISONS, EXACT_NAME, Levels, Prepared, Register, sentence

FORMAT = "encadena-pair-model"
FORMAT_VERSION = 1

# -- prior: how often records of one firm twice, and of two firms, show each level ------------------

# Expected number of other records of the same firm per record (2 x true pairs / records): about
# one firm in twenty is written twice, a few of them more. With N records, a random pair is the
# same firm with probability PRIOR_TWINS_PER_RECORD / (N - 1).
PRIOR_TWINS_PER_RECORD = 0.12
# Registers smaller than this count as this large: a file of 200 rows is a sample of a larger
# register, where a name a typo away from another is less telling than among 200 rows.
MIN_REGISTER_RECORDS = 10_000


@dataclass(frozen=True)
class Level:
    """``m`` and ``u`` of one level, and what they stand for."""

    m: float
    u: float
    meaning: str

    @property
    def bits(self) -> float:
        return math.log2(self.m / self.u)


PRIOR_LEVELS: dict[str, dict[str, Level]] = {
    "nombre": {
        # u of the exact level is not a constant: it is the share of records with that key
        # (term frequency, added by ``tf_bits``), so only m appears here (u = 1).
        "exacto": Level(0.70, 1.0, "Another office usually writes the same key words once legal form, "
                                   "industry words, accents and case are set aside."),
        "tipeo": Level(0.15, 1e-6, "A typo in one word: about one second spelling in seven; two firms are "
                                   "a typo apart about once in a million pairs."),
        "parecido": Level(0.04, 3e-6, "Several typos, or a word split or joined: rare either way."),
        "contenido": Level(0.03, 3e-5, "A word dropped from a name of two or more words (a middle name); "
                                       "between two firms, mostly a partner's own firm."),
        "distinto": Level(0.08, 1.0, "Key words differ: a second spelling rewritten that much (abbreviated, "
                                     "reordered with typos) is rare; nearly every pair of firms."),
    },
    "rubro": {
        "igual": Level(0.50, 0.02, "Both names say the same trade (Comercial, Agrícola...): half the second "
                                   "spellings keep it; two firms share one about 2% of the time."),
        "parcial": Level(0.03, 0.006, "Trade words in part equal (Comercial e Industrial / Comercial)."),
        "uno_sin": Level(0.15, 0.45, "One name drops its trade word: common in second spellings, and the "
                                     "usual case between two firms."),
        "ninguno": Level(0.30, 0.20, "Neither name says a trade (surnames only, persons)."),
        "distinto": Level(0.02, 0.32, "Different trades (Comercial / Agrícola): rarely the same firm."),
    },
    "forma": {
        "igual": Level(0.55, 0.25, "Same kind of legal form, whatever the spelling (S.A. / Sociedad Anónima)."),
        "uno_sin": Level(0.30, 0.27, "One name drops its legal form: says little either way."),
        "ninguna": Level(0.07, 0.03, "Neither name has a legal form (persons, trade names)."),
        "distinta": Level(0.08, 0.45, "Different kinds (Ltda. / S.A.): a firm that changed its form, or, "
                                      "far more often, another firm."),
    },
    "ciiu": {
        "misma_clase": Level(0.70, 0.02, "A shared ISIC class: what one firm registers twice."),
        "misma_division": Level(0.07, 0.03, "Another class of the same division (coded differently)."),
        "distinta": Level(0.05, 0.76, "Different divisions: rarely the same firm."),
        "sin_dato": Level(0.18, 0.19, "A record without ISIC class: says nothing."),
    },
    "comuna": {
        "misma": Level(0.88, 0.04, "Same comuna: nearly every second spelling; two firms share one about "
                                   "4% of the time (firms crowd into a few comunas)."),
        "vecina": Level(0.06, 0.02, "Adjacent comunas: an office wrote the neighbouring one."),
        "otra": Level(0.06, 0.94, "Any other comuna: a firm that moved, or two firms."),
        "sin_dato": Level(1.0, 1.0, "A record without comuna: says nothing."),
    },
    "telefono": {
        "igual": Level(0.36, 2e-5, "Same number (last 8 digits): strong, though an accountant's or a "
                                   "family's phone is sometimes shared by two firms."),
        "sin_dato": Level(0.55, 0.65, "A record without phone."),
        "distinto": Level(0.09, 0.33, "Different numbers: a firm may have several; two firms always differ."),
    },
    "correo": {
        "igual": Level(0.20, 2e-5, "Same e-mail (case ignored)."),
        "sin_dato": Level(0.77, 0.90, "A record without e-mail."),
        "distinto": Level(0.03, 0.10, "Different e-mails."),
    },
    "rut": {
        "igual": Level(0.55, 1e-6, "Same valid RUT: the same legal person, short of a copying error."),
        "sin_dato": Level(0.43, 0.43, "A record without a valid RUT: says nothing."),
        "distinto": Level(0.02, 0.57, "Two different valid RUTs: two legal persons, unless one was mistyped "
                                      "into another valid RUT."),
    },
}

# A pair this many bits from even has a score within 0.1 of 0 or 100: weights are shown to 0.1 bit.
EVIDENCE_MIN_BITS = 0.5


@dataclass(frozen=True)
class Term:
    """One comparison's contribution to a pair: its level, weight in bits and sentence."""

    comparison: str
    level: str
    bits: float
    text: str


@dataclass
class PairModel:
    """Weights in bits per comparison level, an intercept and a term-frequency weight.

    ``kind`` is ``"prior"`` (the constants above) or ``"logistic"`` (learned from advisors).
    ``reference_records`` is the register size a learned intercept was fitted at.
    """

    version: str
    kind: str
    intercept: float
    weights: dict[str, dict[str, float]]
    tf_weight: float = 1.0
    reference_records: int | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    created_at: str | None = None

    def __post_init__(self) -> None:
        self._tables = [np.array([self.weights[c.name][level] for level in c.levels]) for c in COMPARISONS]

    # -- scoring --------------------------------------------------------------------------------

    def size_bits(self, records: int) -> float:
        """The prior odds' dependence on how many records are compared."""
        n = max(records, MIN_REGISTER_RECORDS)
        if self.reference_records:
            return -math.log2(n - 1) + math.log2(max(self.reference_records, MIN_REGISTER_RECORDS) - 1)
        return -math.log2(n - 1)

    def tf_bits(self, a: Prepared, register: Register) -> float:
        """How much rarer than average the pair's shared key is (exact names only)."""
        n = max(register.records, MIN_REGISTER_RECORDS)
        return math.log2(n / register.key_count(a.sorted_key))

    def bits(self, a: Prepared, levels: Levels, register: Register, size_bits: float) -> float:
        total = self.intercept + size_bits
        for table, index in zip(self._tables, levels.indices, strict=True):
            total += table[index]
        if levels.indices[0] == EXACT_NAME:
            total += self.tf_weight * self.tf_bits(a, register)
        return total

    def terms(self, a: Prepared, b: Prepared, levels: Levels, register: Register) -> list[Term]:
        """Each comparison's level, weight and sentence (the name's term frequency folded into its weight)."""
        out = []
        for comparison, table, index in zip(COMPARISONS, self._tables, levels.indices, strict=True):
            level = comparison.levels[index]
            bits = float(table[index])
            if comparison.name == "nombre" and index == EXACT_NAME:
                bits += self.tf_weight * self.tf_bits(a, register)
            out.append(Term(comparison.name, level, round(bits, 2),
                            sentence(comparison.name, level, a, b, levels, register)))
        return out

    def evidence(self, a: Prepared, b: Prepared, levels: Levels, register: Register) -> tuple[str, ...]:
        """Spanish sentences: the name first, the other terms for, then against, then the balance in bits.

        The balance starts from the prior (one pair among all those the register's records make,
        Splink's waterfall) and lists each term that weighs at least ``EVIDENCE_MIN_BITS``.
        """
        terms = self.terms(a, b, levels, register)
        name, rest = terms[0], terms[1:]
        pro = sorted((t for t in rest if t.bits >= EVIDENCE_MIN_BITS), key=lambda t: -t.bits)
        con = sorted((t for t in rest if t.bits <= -EVIDENCE_MIN_BITS), key=lambda t: t.bits)
        label = {c.name: c.label for c in COMPARISONS}

        def fmt(t: Term) -> str:
            return f"{label[t.comparison]} {_bits_text(t.bits)}"

        start = self.intercept + self.size_bits(register.records)
        total = start + sum(t.bits for t in terms)
        pros = [t for t in (name, *pro) if t.bits >= EVIDENCE_MIN_BITS]
        cons = [t for t in (name, *con) if t.bits <= -EVIDENCE_MIN_BITS]
        records = f"{max(register.records, MIN_REGISTER_RECORDS):,}".replace(",", ".")
        balance = (f"Peso de la evidencia (bits): parte en {_bits_text(start)} (un par entre {records} registros); "
                   f"a favor {', '.join(map(fmt, pros)) or 'nada'}; en contra {', '.join(map(fmt, cons)) or 'nada'}; "
                   f"total {_bits_text(total)}.")
        return (name.text, *(t.text for t in pro), *(t.text for t in con), balance)

    # -- plain data -----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "format_version": FORMAT_VERSION, "version": self.version, "kind": self.kind,
                "intercept": self.intercept, "tf_weight": self.tf_weight,
                "reference_records": self.reference_records,
                "weights": {c.name: {level: self.weights[c.name][level] for level in c.levels} for c in COMPARISONS},
                "metrics": self.metrics, "created_at": self.created_at}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PairModel:
        if data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"Not a pair model of format {FORMAT} v{FORMAT_VERSION}.")
        weights = {c.name: {level: float(data["weights"][c.name][level]) for level in c.levels} for c in COMPARISONS}
        return cls(str(data["version"]), str(data["kind"]), float(data["intercept"]), weights,
                   float(data["tf_weight"]), data.get("reference_records"), dict(data.get("metrics") or {}),
                   data.get("created_at"))

    @classmethod
    def from_json(cls, text: str) -> PairModel:
        return cls.from_dict(json.loads(text))


_BALANCE = re.compile(r"; a favor (?P<pro>.*?); en contra (?P<con>.*?); total ")
_TERM = re.compile(r"(?P<label>[^,;]+?) [+−]\d+,\d")


def split_evidence(evidence: Sequence[str]) -> dict[str, Any]:
    """A pair's stored evidence (``evidence``'s sentences) sorted for a person deciding on it:
    ``{"for": [...], "against": [...], "other": [...], "balance": str | None, "notes": [...]}``.

    The balance sentence says how many terms weighed for and against (the name among them or
    not), and the sentences come in that order, so they can be told apart without the weights.
    Evidence in another shape (older pairs) is returned whole under ``other``.
    """
    out: dict[str, Any] = {"for": [], "against": [], "other": [], "balance": None, "notes": []}
    at = next((i for i, text in enumerate(evidence) if text.startswith("Peso de la evidencia")), None)
    found = _BALANCE.search(evidence[at]) if at is not None else None
    if at is None or found is None or at == 0:
        out["other"] = list(evidence)
        return out
    pros = [m.group("label").strip() for m in _TERM.finditer(found.group("pro"))]
    cons = [m.group("label").strip() for m in _TERM.finditer(found.group("con"))]
    name_label = COMPARISONS[0].label
    name, rest = evidence[0], list(evidence[1:at])
    name_for, name_against = bool(pros) and pros[0] == name_label, bool(cons) and cons[0] == name_label
    n_for = len(pros) - name_for
    (out["for"] if name_for else out["against"] if name_against else out["other"]).append(name)
    out["for"] += rest[:n_for]
    out["against"] += rest[n_for:]
    out["balance"] = evidence[at]
    out["notes"] = list(evidence[at + 1:])
    return out


def _bits_text(bits: float) -> str:
    return f"{bits:+.1f}".replace(".", ",").replace("-", "−")


def prior_model() -> PairModel:
    """The model of the documented prior weights (``PRIOR_LEVELS``)."""
    weights = {name: {level: round(spec.bits, 4) for level, spec in levels.items()}
               for name, levels in PRIOR_LEVELS.items()}
    return PairModel("prior-1", "prior", round(math.log2(PRIOR_TWINS_PER_RECORD), 4), weights)


def probability(bits: float) -> float:
    """Posterior probability of a pair's weight in bits."""
    if bits > 60:
        return 1.0
    if bits < -60:
        return 0.0
    return 1.0 / (1.0 + 2.0 ** -bits)


def bits_for(score: float) -> float:
    """The weight in bits at which a pair reaches ``score`` (0-100)."""
    p = score / 100.0
    if p <= 0:
        return -math.inf
    if p >= 1:
        return math.inf
    return math.log2(p / (1 - p))
