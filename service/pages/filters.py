"""Filter options as the pages show them: each option with how many results choosing it would leave."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def facet_options(counts: dict, chosen: str | None, label: Callable[[str], object],
                  order: Sequence[str] | None = None) -> list[tuple[str, str, int]]:
    """``(value, label, count)`` for every option with results, plus the chosen one even at zero.

    Keys come from the counting queries (booleans read ``"true"``/``"false"``, as the form sends them);
    options follow ``order`` when given, else most results first, then by label.
    """
    by_value = {str(k).lower() if isinstance(k, bool) else str(k): n for k, n in counts.items() if k is not None}
    values = set(by_value) | ({chosen} if chosen else set())
    rows = [(value, str(label(value)), by_value.get(value, 0)) for value in values]
    if order is not None:
        rows.sort(key=lambda r: order.index(r[0]) if r[0] in order else len(order))
    else:
        rows.sort(key=lambda r: (-r[2], r[1]))
    return rows
