"""The simulated buyer that decides on the demo's proposals: a noisy utility with its own tastes.

A buyer accepts a proposed firm when ``utility + noise > 0``, the noise drawn from a standard
logistic distribution (so ``P(accept) = 1 / (1 + exp(-utility))``). Its tastes deliberately
differ from a rule-based prior: it cares a lot about the firm's products matching the text of
the need, about valid certifications and capacity, and comparatively little about distance.
docs/demo-data.md gives the formula and the weights; everything here is pure and table-tested.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from matching.text import fold

# -- weights of the utility (documented in docs/demo-data.md) ------------------------------------

INTERCEPT = -1.95
# Required certifications: the share held in time for the deadline, and a heavy penalty when the
# need made them mandatory and one is missing.
W_CERTIFICATION = 2.0
W_MANDATORY_MISSING = 3.0
# Sector: 1 when the firm operates in what was asked (or below it in ISIC), 0.6 same group,
# 0.3 same division, 0 otherwise.
W_SECTOR = 1.6
# Distance: a mild slope inside the radius, steeper beyond it (a prior would weigh it more).
W_DISTANCE = 0.5
W_OUTSIDE_RADIUS = 1.0
# Capacity: a firm may grow to CAPACITY_HEADROOM times its sales; every doubling short of the
# volume costs W_CAPACITY, and below 1/CAPACITY_HARD_LIMIT of the volume the buyer says no.
W_CAPACITY = 1.2
CAPACITY_HEADROOM = 2.0
CAPACITY_HARD_LIMIT = 8.0
# Earlier alliances with the same buyer (capped): trust built by working together.
W_PRIOR_ALLIANCE = 0.9
PRIOR_ALLIANCE_CAP = 2
# Advisory hours received from the CDN, on a log scale saturating at ADVISORY_HOURS_FULL.
W_ADVISORY = 0.6
ADVISORY_HOURS_FULL = 40.0
# The buyer's strongest taste: how much of the firm's product vocabulary the need mentions.
W_TEXT = 3.2
# Each preference of the need the firm meets (cooperative, women-owned, micro).
W_PREFERENCE = 0.5

SECTOR_SAME_GROUP = 0.6
SECTOR_SAME_DIVISION = 0.3

# Words that carry no meaning when comparing a need with a firm's products.
STOP_WORDS = frozenset(
    "a al con de del e el en la las lo los o para por que se sus su un una y u sin sobre entre "
    "proveedor proveedores local locales buscamos busca servicio servicios suministro compra "
    "volumen estimado anual region uf ano entregas contrato".split()
)


@dataclass(frozen=True)
class Offer:
    """What the buyer weighs about one proposed firm for one need."""

    distance_km: float
    radius_km: float
    sector_closeness: float  # see ``sector_closeness``
    required: int  # how many certifications the need requires
    certified: int  # how many of those the firm holds in time (see ``certification_in_time``)
    mandatory: bool
    sales_uf: float | None
    volume_uf: float | None
    prior_alliances: int
    advisory_hours: float
    text_overlap: float  # see ``text_overlap``
    preferences_met: int = 0


@dataclass(frozen=True)
class Decision:
    accepted: bool
    utility: float
    probability: float  # of acceptance, before the noise is drawn
    contributions: dict[str, float]
    reason: str  # in Spanish, for the proposal's decision_reason


def certification_in_time(status: str, valid_until: date | None, deadline: date | None) -> bool:
    """Whether a held certification counts for a need with this deadline.

    Valid counts unless it expires before the deadline; in progress counts only when its expected
    date falls on or before the deadline; expired never counts.
    """
    if status == "valid":
        return valid_until is None or deadline is None or valid_until >= deadline
    if status == "in_progress":
        return valid_until is not None and deadline is not None and valid_until <= deadline
    return False


def sector_closeness(need_codes: list[str] | tuple[str, ...], firm_classes: list[str] | tuple[str, ...]) -> float:
    """1.0 when a firm class is the need's code or under it; 0.6 same ISIC group; 0.3 same division."""
    best = 0.0
    for code in need_codes:
        for cls in firm_classes:
            if code.isdigit() and cls.startswith(code):
                return 1.0
            if code.isdigit() and len(code) >= 3 and cls[:3] == code[:3]:
                best = max(best, SECTOR_SAME_GROUP)
            elif code.isdigit() and cls[:2] == code[:2]:
                best = max(best, SECTOR_SAME_DIVISION)
    return best


def content_tokens(text: str) -> frozenset[str]:
    """Folded words of three letters or more that are not stop words."""
    return frozenset(w for w in fold(text).split() if len(w) >= 3 and w not in STOP_WORDS)


def text_overlap(need_tokens: frozenset[str], product_tokens: frozenset[str]) -> float:
    """Share of the firm's product words that the need's title and description mention (0-1)."""
    if not product_tokens:
        return 0.0
    return len(need_tokens & product_tokens) / len(product_tokens)


def capacity_shortfall(sales_uf: float | None, volume_uf: float | None) -> float:
    """Doublings by which the volume exceeds what the firm can grow to (0 when it can cope)."""
    if volume_uf is None or volume_uf <= 0:
        return 0.0
    capacity = max(sales_uf or 0.0, 1.0) * CAPACITY_HEADROOM
    return max(0.0, math.log2(volume_uf / capacity))


def too_small(sales_uf: float | None, volume_uf: float | None) -> bool:
    """A firm whose sales are below 1/CAPACITY_HARD_LIMIT of the need's volume is rejected outright."""
    return volume_uf is not None and (sales_uf or 0.0) * CAPACITY_HARD_LIMIT < volume_uf


def contributions(offer: Offer) -> dict[str, float]:
    """Each term of the utility (the intercept included), so reasons can name the strongest one."""
    ratio = offer.distance_km / max(offer.radius_km, 1.0)
    terms = {
        "intercept": INTERCEPT,
        "certification": 0.0,
        "sector": W_SECTOR * offer.sector_closeness,
        "distance": -W_DISTANCE * min(ratio, 1.0) - W_OUTSIDE_RADIUS * max(0.0, ratio - 1.0),
        "capacity": -W_CAPACITY * capacity_shortfall(offer.sales_uf, offer.volume_uf),
        "prior_alliances": W_PRIOR_ALLIANCE * min(offer.prior_alliances, PRIOR_ALLIANCE_CAP),
        "advisory": W_ADVISORY * min(math.log1p(offer.advisory_hours) / math.log1p(ADVISORY_HOURS_FULL), 1.0),
        "text": W_TEXT * offer.text_overlap,
        "preferences": W_PREFERENCE * offer.preferences_met,
    }
    if offer.required:
        share = offer.certified / offer.required
        terms["certification"] = W_CERTIFICATION * share - (
            W_MANDATORY_MISSING if offer.mandatory and offer.certified < offer.required else 0.0
        )
    return terms


def logistic_noise(u: float) -> float:
    """A standard logistic draw from a uniform ``u`` in (0, 1) (the inverse CDF)."""
    u = min(max(u, 1e-12), 1 - 1e-12)
    return math.log(u / (1 - u))


_REJECT_REASONS = {
    "certification": "No cuenta a tiempo con las certificaciones que exigimos.",
    "sector": "Su rubro no corresponde a lo que necesitamos.",
    "distance": "Está demasiado lejos de nuestra operación.",
    "capacity": "Su capacidad es menor al volumen que necesitamos.",
    "text": "Sus productos no calzan con lo que buscamos.",
}
_FALLBACK_REJECT = "Preferimos otras propuestas para esta necesidad."
# Advisory hours from which "well prepared by its center" is a reason to accept.
_ADVISORY_HOURS_REASON = 10.0
# A term this far below its best possible value is what the buyer objects to.
_WEAKNESS = {"certification": 1.0, "sector": 0.9, "distance": 0.6, "capacity": 0.6, "text": 2.2}
_BEST = {"certification": W_CERTIFICATION, "sector": W_SECTOR, "distance": 0.0, "capacity": 0.0, "text": W_TEXT}


def _accept_reason(offer: Offer) -> str:
    """The most distinctive strength of an accepted offer, in the buyer's words."""
    if offer.prior_alliances:
        return "Ya ha trabajado bien con nosotros."
    if offer.required and offer.certified == offer.required:
        return "Cumple las certificaciones requeridas."
    if offer.text_overlap >= 0.5:
        return "Ofrece justo lo que buscamos."
    if offer.preferences_met:
        return "Cumple nuestras preferencias de compra inclusiva."
    if offer.advisory_hours >= _ADVISORY_HOURS_REASON:
        return "Viene bien preparada por su asesoría del centro."
    if offer.sector_closeness == 1.0:
        return "Su rubro calza con la necesidad."
    return "Buena propuesta; avanzamos con la alianza."


def decide(offer: Offer, noise: float) -> Decision:
    """The buyer's decision on an offer, with ``noise`` a standard logistic draw."""
    terms = contributions(offer)
    utility = sum(terms.values())
    probability = 1.0 / (1.0 + math.exp(-utility))
    if too_small(offer.sales_uf, offer.volume_uf):
        return Decision(False, utility, 0.0, terms, _REJECT_REASONS["capacity"])
    accepted = utility + noise > 0
    if accepted:
        reason = _accept_reason(offer)
    else:
        gaps = {
            k: _BEST[k] - terms[k] for k in _WEAKNESS
            if (k != "certification" or offer.required) and _BEST[k] - terms[k] >= _WEAKNESS[k]
        }
        reason = _REJECT_REASONS[max(gaps, key=gaps.__getitem__)] if gaps else _FALLBACK_REJECT
    return Decision(accepted, utility, probability, terms, reason)
