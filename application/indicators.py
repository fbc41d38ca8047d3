"""The program's indicators for people (program staff): nationally, for a region or for a center.

The figures are ``graph_schema.indicators.program_indicators``, the same ``encadena stats`` prints and the
batch reports show; they are aggregates, so they carry no personal field, but they are staff's.
"""

from __future__ import annotations

from application.access import Viewer
from graph_schema.driver import Graph
from graph_schema.indicators import program_indicators
from matching.errors import Forbidden


def program_figures(graph: Graph, viewer: Viewer, *, region: str | None = None, center: str | None = None) -> dict:
    """The indicators of the scope (``region`` CUT, ``center`` id, or neither for the whole program)."""
    if viewer.is_buyer:
        raise Forbidden("Los indicadores del programa son para asesores y administradores.")
    return program_indicators(graph, region=region, center=center)
