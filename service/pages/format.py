"""How the pages write dates, times and numbers: in Spanish, in Chile's time zone.

Registered as Jinja filters: ``fecha`` (31 de marzo de 2027), ``cuando`` (5 de octubre de 2026,
14:03, Chile's time) and ``numero`` (1.234,5).
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint
from jinja2 import Undefined

from matching.explain import number
from matching.needs import CHILE_TZ

MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
          "noviembre", "diciembre")


def _parse(value) -> datetime | date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value
    text = str(value)
    try:
        if len(text) <= 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def fecha(value) -> str:
    """``"31 de marzo de 2027"`` from a date, a datetime (Chile's day) or an ISO string; '' when empty."""
    parsed = _parse(value)
    if parsed is None:
        return ""
    if isinstance(parsed, datetime):
        parsed = parsed.astimezone(CHILE_TZ).date() if parsed.tzinfo else parsed.date()
    return f"{parsed.day} de {MONTHS[parsed.month - 1]} de {parsed.year}"


def cuando(value) -> str:
    """``"5 de octubre de 2026, 14:03"`` in Chile's time from an ISO datetime ('' when empty)."""
    parsed = _parse(value)
    if not isinstance(parsed, datetime):
        return fecha(value)
    local = parsed.astimezone(CHILE_TZ) if parsed.tzinfo else parsed
    return f"{fecha(local.date())}, {local:%H:%M}"


def numero(value, decimals: int = 0) -> str:
    """``1.234,5``; '' when there is no value (None, or a key the data does not have)."""
    if value is None or value == "" or isinstance(value, Undefined):
        return ""
    return number(float(value), decimals)


def register(bp: Blueprint) -> None:
    for name, function in (("fecha", fecha), ("cuando", cuando), ("numero", numero)):
        bp.add_app_template_filter(function, name)
