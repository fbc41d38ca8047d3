"""The simulated advisor who reviews the demo's possible duplicates: merge, or mark distinct.

An advisor checks a pair (calls the firm, looks it up at the SII) and mostly decides by the truth,
but by rules of their own that deliberately differ from the pair model's prior
(``matching.pair_model``), so that weights learned from their decisions
(``matching.dedupe_training``) have something to learn:

- the same valid RUT is the same firm: merged, even across comunas (the prior already trusts it);
- the same phone is trusted more than the prior does: merged unless the RUTs differ;
- names whose legal forms conflict (Ltda. / S.A.) are marked distinct unless the RUT or the phone
  is the same, even when they are one firm (the advisor will not merge a firm that "changed" its
  legal form without proof);
- records in comunas that are neither the same nor adjacent are marked distinct unless the RUT
  is the same;
- otherwise the truth, with a mistake in ``MISTAKE_RATE`` of the decisions.

Pure functions over pairs with their truth; the demo data and the tests call them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping

from matching.comparisons import phone_digits, valid_rut
from matching.dedupe import FirmName, Match
from matching.dedupe_training import LabeledPair
from matching.names import firm_name_parts

# Share of decisions the advisor gets wrong (a hurried review, a misread RUT).
MISTAKE_RATE = 0.03
# Seconds between two decisions of the simulated review queue.
SECONDS_BETWEEN_DECISIONS = 600.0


def advisor_merges(left: FirmName, right: FirmName, same_firm: bool, rng: random.Random,
                   adjacency: Mapping[str, frozenset[str]] | None = None) -> bool:
    """Whether the simulated advisor merges the pair (``same_firm`` is the truth they can find out)."""
    rut_a, rut_b = valid_rut(left.rut), valid_rut(right.rut)
    if rut_a and rut_a == rut_b:
        decision = True
    elif rut_a and rut_b:
        decision = False
    else:
        phone_a = phone_digits(left.phone)
        same_phone = phone_a is not None and phone_a == phone_digits(right.phone)
        legal_a, legal_b = firm_name_parts(left.name).legal_form, firm_name_parts(right.name).legal_form
        near = left.comuna == right.comuna or right.comuna in (adjacency or {}).get(left.comuna or "", ())
        if same_phone:
            decision = True
        elif legal_a and legal_b and legal_a != legal_b:
            decision = False
        elif left.comuna and right.comuna and not near:
            decision = False
        else:
            decision = same_firm
    if rng.random() < MISTAKE_RATE:
        decision = not decision
    return decision


def review_queue(matches: Iterable[Match], records: Mapping[str, FirmName], entity_of: Mapping[str, str],
                 rng: random.Random, start: float = 1.7e9,
                 adjacency: Mapping[str, frozenset[str]] | None = None) -> list[LabeledPair]:
    """The advisor's decisions on ``matches`` in a random review order, one every few minutes."""
    queue = list(matches)
    rng.shuffle(queue)
    decisions = []
    for k, match in enumerate(queue):
        left, right = records[match.left], records[match.right]
        same = entity_of[match.left] == entity_of[match.right]
        decisions.append(LabeledPair(left, right, advisor_merges(left, right, same, rng, adjacency),
                                     start + k * SECONDS_BETWEEN_DECISIONS))
    return decisions
