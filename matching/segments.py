"""SII firm-size segments from annual sales in UF (Servicio de Impuestos Internos)."""

from __future__ import annotations

from bisect import bisect_left
from typing import Literal

SizeSegment = Literal[
    "sin_ventas", "micro_1", "micro_2", "micro_3", "pequena_1", "pequena_2", "pequena_3",
    "mediana_1", "mediana_2", "grande",
]

# Upper bound (inclusive, in UF) of each segment, in order; above the last one is "grande".
SEGMENT_UPPER_BOUNDS_UF: tuple[tuple[SizeSegment, float], ...] = (
    ("micro_1", 200.0),
    ("micro_2", 600.0),
    ("micro_3", 2_400.0),
    ("pequena_1", 5_000.0),
    ("pequena_2", 10_000.0),
    ("pequena_3", 25_000.0),
    ("mediana_1", 50_000.0),
    ("mediana_2", 100_000.0),
)

SEGMENT_LABELS: dict[str, str] = {
    "sin_ventas": "Sin ventas informadas",
    "micro_1": "Micro 1 (0,01 a 200 UF)",
    "micro_2": "Micro 2 (200,01 a 600 UF)",
    "micro_3": "Micro 3 (600,01 a 2.400 UF)",
    "pequena_1": "Pequeña 1 (2.400,01 a 5.000 UF)",
    "pequena_2": "Pequeña 2 (5.000,01 a 10.000 UF)",
    "pequena_3": "Pequeña 3 (10.000,01 a 25.000 UF)",
    "mediana_1": "Mediana 1 (25.000,01 a 50.000 UF)",
    "mediana_2": "Mediana 2 (50.000,01 a 100.000 UF)",
    "grande": "Grande (más de 100.000 UF)",
}

SIZE_CLASSES: dict[str, tuple[str, ...]] = {
    "micro": ("micro_1", "micro_2", "micro_3"),
    "pequena": ("pequena_1", "pequena_2", "pequena_3"),
    "mediana": ("mediana_1", "mediana_2"),
    "grande": ("grande",),
    "sin_ventas": ("sin_ventas",),
}

_BOUNDS = [bound for _, bound in SEGMENT_UPPER_BOUNDS_UF]


def size_segment(annual_sales_uf: float | None) -> SizeSegment:
    """The SII segment for annual sales in UF; ``None`` or zero means no sales reported."""
    if annual_sales_uf is None or annual_sales_uf <= 0:
        return "sin_ventas"
    index = bisect_left(_BOUNDS, annual_sales_uf)
    if index == len(_BOUNDS):
        return "grande"
    return SEGMENT_UPPER_BOUNDS_UF[index][0]


def size_class(segment: str) -> str:
    """``"micro_2"`` -> ``"micro"``."""
    for name, members in SIZE_CLASSES.items():
        if segment in members:
            return name
    raise ValueError(f"unknown size segment {segment!r}")
