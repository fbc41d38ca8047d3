"""How much a firm can supply to one buyer in a year, in UF: the one capacity rule.

The ranker's ``capacity_fit`` (``matching.features``) and the supplier groups
(``matching.groups``) both read capacity from here:

- a firm's capacity is what it declares it can supply (``supply_capacity_uf``) when it declared
  something, else ``CAPACITY_SHARE`` of its annual sales, else unknown (``None``). Sales of 0 are
  read as "not reported" (registers use 0 as a placeholder); a declared 0 is taken at its word;
- a cooperative's capacity is its own, by the same rule, plus what its members pledge to supply
  through it. Pledges are part of each member's own capacity, so a group never counts a
  cooperative and one of its members side by side (``matching.groups`` enforces that).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, TypeGuard

# One buyer may take up to half of a micro or small firm's annual sales: beyond that the firm
# would depend on a single client, which the program advises against.
CAPACITY_SHARE = 0.5


def _known(value: float | None) -> TypeGuard[float]:
    return value is not None and not math.isnan(value)


def firm_capacity_uf(supply_capacity_uf: float | None, annual_sales_uf: float | None,
                     share: float = CAPACITY_SHARE) -> float | None:
    """A firm's annual supply capacity to one buyer in UF, or ``None`` when unknown.

    Parameters
    ----------
    supply_capacity_uf : float or None
        What the firm declares it can supply to one buyer per year; used as given when present.
    annual_sales_uf : float or None
        Its annual sales; ``share`` of them when no capacity was declared. 0 counts as unknown.
    share : float, default=CAPACITY_SHARE
        Share of annual sales one buyer may take.

    Returns
    -------
    float or None
        Capacity in UF (≥ 0), or ``None`` when neither figure is known.
    """
    if _known(supply_capacity_uf):
        if supply_capacity_uf < 0:
            raise ValueError(f"supply_capacity_uf must be ≥ 0, got {supply_capacity_uf}")
        return float(supply_capacity_uf)
    if _known(annual_sales_uf) and annual_sales_uf > 0:
        return share * float(annual_sales_uf)
    return None


def cooperative_capacity_uf(supply_capacity_uf: float | None, annual_sales_uf: float | None,
                            member_pledges_uf: Iterable[float | None] = (),
                            share: float = CAPACITY_SHARE) -> float | None:
    """A cooperative's capacity: its own (``firm_capacity_uf``) plus its members' pledges.

    Parameters
    ----------
    supply_capacity_uf, annual_sales_uf, share
        The cooperative's own figures, as in ``firm_capacity_uf``.
    member_pledges_uf : iterable of float or None
        UF per year each member declares it will supply through the cooperative; ``None``
        entries (no pledge) are skipped.

    Returns
    -------
    float or None
        The sum, or ``None`` when the cooperative's own capacity is unknown and no member pledged.
    """
    pledges = [float(p) for p in member_pledges_uf if _known(p)]
    if any(p < 0 for p in pledges):
        raise ValueError(f"member pledges must be ≥ 0, got {pledges}")
    own = firm_capacity_uf(supply_capacity_uf, annual_sales_uf, share)
    if own is None and not pledges:
        return None
    return (own or 0.0) + sum(pledges)


def candidate_capacity_uf(row: Mapping[str, Any], share: float = CAPACITY_SHARE) -> float | None:
    """The capacity of a candidate as the candidate query returns it (``graph_schema.candidates``).

    A cooperative's counts what its members declare (``supply_capacity_uf`` of each member: a member
    that declares a capacity supplies through its cooperative). The ranker's ``capacity_fit`` and the
    supplier groups both read capacity through here.
    """
    if row.get("cooperative"):
        return cooperative_capacity_uf(row.get("supply_capacity_uf"), row.get("annual_sales_uf"),
                                       row.get("pledges") or (), share)
    return firm_capacity_uf(row.get("supply_capacity_uf"), row.get("annual_sales_uf"), share)
