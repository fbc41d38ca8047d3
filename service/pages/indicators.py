"""The program's indicators (program staff: advisors and admins): the figures of ``encadena stats`` for the
whole program, a region or a center, each beside the program's published 2025 figure, with charts drawn
here as SVG (``service.pages.charts``).

The figures are ``graph_schema.indicators.program_indicators`` (what ``encadena stats`` and the batch
reports print); the table's rows are the report's own (``application.reports.indicators.indicator_rows``).
A web process keeps each scope's figures for ``CACHE_SECONDS``: they move slowly, and reading them
scans every alliance and advisory session.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from flask import Blueprint, render_template, request

from application.indicators import program_figures
from application.network import list_centers
from application.reports.charts import percent
from application.reports.indicators import indicator_rows
from matching.explain import number
from matching.program import PROGRAM_FIGURES, PROJECT_KIND_LABELS
from matching.segments import SEGMENT_LABELS
from service.auth import require
from service.db import get_driver
from service.pages.charts import Bar, bar_chart, stacked_bar
from service.pages.session import current_viewer
from service.reference import get_catalog

CACHE_SECONDS = 60.0
SEGMENT_ORDER = ("micro_1", "micro_2", "micro_3", "pequena_1", "pequena_2", "pequena_3", "mediana_1", "mediana_2",
                 "grande", "sin_ventas")
_cache: dict[tuple, tuple[float, dict, str]] = {}
_lock = threading.Lock()


def cached_figures(region: str | None, center: str | None) -> tuple[dict, str]:
    """The scope's indicators and when they were read (kept ``CACHE_SECONDS`` per scope in this process)."""
    key = (region, center)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit and now - hit[0] < CACHE_SECONDS:
        return hit[1], hit[2]
    figures = program_figures(get_driver(), current_viewer(), region=region, center=center)
    read_at = datetime.now(UTC).isoformat()
    with _lock:
        _cache[key] = (now, figures, read_at)
    return figures, read_at


def key_figures(ind: dict) -> list[dict]:
    """The figures shown first, each with the program's 2025 figure."""
    firms, adv, certs, ref = ind["participating_firms"], ind["advisory"], ind["certifications"], PROGRAM_FIGURES
    return [
        {"label": "Proyectos de encadenamiento", "value": number(ind["projects"]["total"]),
         "reference": number(ref["projects"])},
        {"label": "Alianzas estratégicas", "value": number(ind["alliances"]["total"]),
         "reference": f"≈ {number(ref['alliances'])}"},
        {"label": "Empresas participantes", "value": number(firms["total"]),
         "reference": f"≈ {number(ref['participating_firms'])}"},
        {"label": "Microempresas entre las participantes", "value": percent(firms["micro_share"]),
         "reference": f"más de {percent(ref['micro_share_min'])}"},
        {"label": "Lideradas por mujeres, con género informado", "value": percent(firms["women_share_known"]),
         "reference": percent(ref["women_share_known"])},
        {"label": "Sesiones de asesoría", "value": number(adv["sessions"]),
         "reference": f"≈ {number(ref['sessions'])}"},
        {"label": "Horas con clientes de los proyectos", "value": number(adv["project_hours"]),
         "reference": f"más de {number(ref['project_hours_min'])}"},
        {"label": "Certificaciones vigentes", "value": number(certs["valid"]), "reference": "—"},
    ]


def charts(ind: dict, scoped: bool) -> list[dict]:
    """The page's SVG charts in order, each ``{"title", "svg"}``. The program's absolute figures are
    national: a region's or a center's chart is not measured against them (its shares are)."""
    firms, adv, certs, ref = ind["participating_firms"], ind["advisory"], ind["certifications"], PROGRAM_FIGURES
    kinds = ind["projects"]["by_kind"]
    out = [bar_chart("grafico-proyectos", f"Proyectos por tipo ({number(ind['projects']['total'])} en total)",
                     [Bar(PROJECT_KIND_LABELS.get(k, k), float(kinds[k]), number(kinds[k]))
                      for k in [*PROJECT_KIND_LABELS, *sorted(set(kinds) - set(PROJECT_KIND_LABELS))] if k in kinds])]
    titles = [f"Proyectos por tipo ({number(ind['projects']['total'])} en total)"]
    segments = firms.get("by_segment") or {}
    total = firms["total"] or 1
    titles.append(f"Empresas participantes por tamaño (ventas anuales en UF); microempresas: "
                  f"{percent(firms['micro_share'])}, programa 2025: más de {percent(ref['micro_share_min'])}")
    out.append(bar_chart(
        "grafico-tamano", titles[-1],
        [Bar(SEGMENT_LABELS.get(s, s), float(segments[s]), f"{number(segments[s])} ({percent(segments[s] / total)})")
         for s in SEGMENT_ORDER if segments.get(s)]))
    titles.append("Quién dirige las empresas participantes")
    out.append(stacked_bar(
        "grafico-genero", titles[-1],
        [("Mujeres", float(firms["women"]), f"{number(firms['women'])} ({percent(firms['women_share'])})"),
         ("Hombres", float(firms["men"]), f"{number(firms['men'])} ({percent(_share(firms['men'], total))})"),
         ("Sin información", float(firms["unknown_gender"]),
          f"{number(firms['unknown_gender'])} ({percent(firms['unknown_gender_share'])})")],
        reference=(ref["women_share"], f"{percent(ref['women_share'])} mujeres sobre el total")))
    national = not scoped
    titles.append("Asesorías con clientes de los proyectos" + (", frente al programa 2025" if national else ""))
    out.append(bar_chart(
        "grafico-asesorias", titles[-1],
        [Bar("Sesiones", float(adv["project_sessions"]), number(adv["project_sessions"]),
             float(ref["project_sessions"]) if national else None,
             f"≈ {number(ref['project_sessions'])}" if national else None),
         Bar("Horas", float(adv["project_hours"]), number(adv["project_hours"]),
             float(ref["project_hours_min"]) if national else None,
             f"más de {number(ref['project_hours_min'])}" if national else None)],
        note="La marca punteada es la cifra nacional del programa." if national else ""))
    titles.append("Certificaciones de las empresas, por estado")
    out.append(bar_chart(
        "grafico-certificaciones", titles[-1],
        [Bar("Vigentes", float(certs["valid"]), number(certs["valid"])),
         Bar("En trámite", float(certs["in_progress"]), number(certs["in_progress"])),
         Bar("Vencidas", float(certs["expired"]), number(certs["expired"]))]))
    return [{"title": title, "svg": svg} for title, svg in zip(titles, out, strict=True)]


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def register(bp: Blueprint) -> None:
    @bp.get("/indicators")
    @require("advisor", "admin")
    def indicators_page():
        catalog = get_catalog()
        centers = sorted(list_centers(get_driver()), key=lambda c: c["name"])
        region = (request.args.get("region") or "").strip()[:2] or None
        region = region if region in catalog.regions else None
        center = (request.args.get("center") or "").strip()[:40] or None
        known = {c["id"]: c for c in centers}
        center = center if center in known and (region is None or known[center].get("region_cut") == region) else None
        ind, read_at = cached_figures(region, center)
        shown_centers = [c for c in centers if region is None or c.get("region_cut") == region]
        context = dict(
            ind=ind, read_at=read_at, figures=key_figures(ind), rows=indicator_rows(ind),
            charts=charts(ind, bool(region or center)),
            regions=[("", "Todo el programa"), *sorted(catalog.regions.items())],
            centers=[("", "Todos los centros"), *((c["id"], c["name"]) for c in shown_centers)],
            region=region, center=center, scoped=bool(region or center),
            scope_name=(known[center]["name"] if center else catalog.regions[region] if region else None),
            section="indicators",
        )
        if request.headers.get("HX-Request"):
            return render_template("partials/indicators.html", **context)
        return render_template("indicators.html", **context)
