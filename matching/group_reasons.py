"""One Spanish sentence per supplier group, as a buyer reads it.

«Tres empresas a no más de 12 km entre sí cubren el 115 % del volumen; dos ya trabajan juntas en
una alianza». Numbers use ``matching.explain``'s Spanish format; distances are rounded up and
coverage down, so the sentence never promises more than the figures.
"""

from __future__ import annotations

import math

from matching.explain import km_text, number
from matching.groups import Group

_WORDS = {1: "una", 2: "dos", 3: "tres", 4: "cuatro", 5: "cinco", 6: "seis", 7: "siete", 8: "ocho", 9: "nueve",
          10: "diez"}


def _count(n: int) -> str:
    """A count of feminine nouns (empresas, cooperativas, parejas): ``"tres"``, ``"12"``."""
    return _WORDS.get(n, number(n))


def _nouns(n: int, one: str, many: str) -> str:
    return f"{_count(n)} {one if n == 1 else many}"


def _up_to(km: float) -> str:
    """``km`` rounded up to what ``km_text`` shows (a tenth below 10 km, a unit above)."""
    if km < 10:
        return km_text(math.ceil(round(km * 10, 6)) / 10)
    return km_text(math.ceil(round(km, 6)))


def percent(fraction: float) -> str:
    """``1.157`` -> ``"115 %"`` (rounded down, Spanish thousands separator, a space before %)."""
    return f"{number(math.floor(round(fraction * 100, 6)))} %"


def group_reason(group: Group) -> str:
    """The sentence that sums a group up: who, how close, how much it covers, what ties them."""
    coverage = f"el {percent(group.coverage)} del volumen"
    if group.size == 1:
        return f"{group.members[0].name}, una cooperativa, cubre por sí sola {coverage}"
    cooperatives = sum(m.is_cooperative for m in group.members)
    firms = group.size - cooperatives
    if cooperatives and firms:
        who = f"{_nouns(cooperatives, 'cooperativa', 'cooperativas')} y {_nouns(firms, 'empresa', 'empresas')}"
    elif cooperatives:
        who = _nouns(cooperatives, "cooperativa", "cooperativas")
    else:
        who = _nouns(firms, "empresa", "empresas")
    where = "de una misma comuna" if group.spread_km == 0 else f"a no más de {_up_to(group.spread_km)} entre sí"
    parts = [f"{who[0].upper()}{who[1:]} {where} cubren {coverage}"]
    if group.existing_cooperative and not cooperatives:
        parts.append(f"{'ambas' if group.size == 2 else 'todas'} son socias de una misma cooperativa")
    if group.allied_pairs == 1:
        parts.append("dos ya trabajan juntas en una alianza")
    elif group.allied_pairs > 1:
        parts.append(f"entre ellas hay {_count(group.allied_pairs)} parejas que ya trabajaron juntas en alianzas")
    return "; ".join(parts)
