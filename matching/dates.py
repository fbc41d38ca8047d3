"""Dates as the graph returns them (neo4j ``Date``), as ISO strings or as ``datetime.date``: one conversion."""

from __future__ import annotations

from datetime import date


def native_date(value) -> date | None:
    """A ``datetime.date`` from a neo4j ``Date``, a ``date`` or an ISO string."""
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.to_native()
