"""The program's indicators in the report: ``graph_schema.indicators`` (the numbers of ``encadena stats``),
as table rows beside DESIGN.md's 2025 figures, and one chart of projects by kind.
"""

from __future__ import annotations

from application.reports import charts
from matching.explain import number
from matching.program import PROGRAM_FIGURES, PROJECT_KIND_LABELS


def _pct(share: float | None) -> str:
    return charts.percent(share)


def indicator_rows(ind: dict) -> list[dict]:
    """``[{"label", "value", "reference"}]``: what the graph holds and the program's 2025 figure."""
    firms, adv, ally = ind["participating_firms"], ind["advisory"], ind["alliances"]
    net, certs, props = ind["network"], ind["certifications"], ind["proposals"]
    ref = PROGRAM_FIGURES
    rows = [
        ("Proyectos de encadenamiento", number(ind["projects"]["total"]), number(ref["projects"])),
        ("Alianzas estratégicas", number(ally["total"]), f"≈ {number(ref['alliances'])}"),
        ("  de ellas, originadas en propuestas aceptadas", number(ally["from_proposals"]), ""),
        ("Empresas participantes (con al menos una alianza)", number(firms["total"]),
         f"≈ {number(ref['participating_firms'])}"),
        ("  microempresas", f"{number(firms['micro'])} ({_pct(firms['micro_share'])})",
         f"más de {_pct(ref['micro_share_min'])}"),
        ("  micro 1 entre las micro (0,01 a 200 UF)", _pct(firms["micro_1_share_of_micro"]),
         _pct(ref["micro_1_share_of_micro"])),
        ("  lideradas por mujeres (sobre el total)", f"{number(firms['women'])} ({_pct(firms['women_share'])})",
         _pct(ref["women_share"])),
        ("  lideradas por mujeres (con género informado)", _pct(firms["women_share_known"]),
         _pct(ref["women_share_known"])),
        ("  sin género informado", _pct(firms["unknown_gender_share"]), _pct(ref["unknown_gender_share"])),
        ("  cooperativas", number(firms["cooperatives"]), ""),
        ("Sesiones de asesoría en la red de Centros", number(adv["sessions"]), f"≈ {number(ref['sessions'])}"),
        ("  con clientes de los proyectos", number(adv["project_sessions"]), f"≈ {number(ref['project_sessions'])}"),
        ("  horas con clientes de los proyectos", number(adv["project_hours"]),
         f"más de {number(ref['project_hours_min'])}"),
        ("Centros de Negocios", number(net["centers"]), ""),
        ("Empresas registradas / cooperativas", f"{number(net['firms'])} / {number(net['cooperatives'])}", ""),
        ("Certificaciones vigentes / en trámite / vencidas",
         f"{number(certs['valid'])} / {number(certs['in_progress'])} / {number(certs['expired'])}", ""),
        ("Necesidades abiertas / cerradas", f"{number(ind['needs']['open'])} / {number(ind['needs']['closed'])}", ""),
        ("Propuestas aceptadas / rechazadas / pendientes",
         f"{number(props['accepted'])} / {number(props['rejected'])} / {number(props['pending'])}", ""),
    ]
    return [{"label": label.strip(), "sub": label.startswith(" "), "value": value, "reference": reference}
            for label, value, reference in rows]


def indicator_charts(ind: dict) -> dict[str, bytes]:
    """``{"proyectos_por_tipo.png": ...}``: the program's projects by kind."""
    by_kind = ind["projects"]["by_kind"]
    known = [k for k in PROJECT_KIND_LABELS if k in by_kind]
    kinds = known + sorted(k for k in by_kind if k not in PROJECT_KIND_LABELS)
    labels = [PROJECT_KIND_LABELS.get(k, str(k)) for k in kinds]
    values = [float(by_kind[k]) for k in kinds]
    return {"proyectos_por_tipo.png": charts.bars_chart(
        labels, values, f"Proyectos por tipo ({number(sum(values))} en total)", "Proyectos")}
