"""One Spanish sentence per feature, as a buyer reads it: «A 12 km de su planta en Rancagua».

``reasons`` turns a candidate's feature row and contributions (``matching.ranker.Ranker``) into
``[{"feature", "value", "contribution", "text"}]``, largest contribution first. Every feature
with a non-zero contribution is listed, so ``baseline + sum(contributions) == score``; the sector, the
distance and the required certifications are listed even when they add nothing.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np

from matching.catalog import Catalog
from matching.features import ALL_FEATURES, CertState, NeedContext, cert_states
from matching.text_similarity import shared_terms

# Contributions smaller than this (after rounding) say nothing and are left out of the reasons...
MIN_CONTRIBUTION = 0.0001
CONTRIBUTION_DECIMALS = 4
# ...except for what a buyer always wants to know: the sector, the distance and what is missing of
# the required certifications (or that none is).
ALWAYS_SHOWN = ("sector_similarity", "proximity", "cert_missing")

_TIER_TEXT = (
    "Opera en el rubro que usted busca (CIIU {code})",
    "Opera en el mismo grupo CIIU {parent} que usted busca (su rubro: {code})",
    "Opera en la misma división CIIU {parent} que usted busca (su rubro: {code})",
    "Opera en la misma sección CIIU {parent}, no en el rubro exacto",
    "No opera en el rubro que usted busca",
)


def number(value: float, decimals: int = 0) -> str:
    """Spanish number format: 1234.5 -> ``"1.234,5"`` (``decimals`` digits after the comma)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def km_text(km: float) -> str:
    return f"{number(km, 1)} km" if km < 10 else f"{number(km)} km"


def month(day: date | None) -> str:
    return day.strftime("%Y-%m") if day else ""


def cert_label(catalog: Catalog, code: str) -> str:
    """``"ISO 9001"`` from the catalog's ``"ISO 9001 (gestión de calidad)"``."""
    return catalog.certifications.get(code, code).split(" (")[0]


def cert_sentence(catalog: Catalog, state: CertState, has_deadline: bool) -> str:
    label = cert_label(catalog, state.code)
    if state.state == "valid":
        return f"{label} vigente hasta {month(state.until)}" if state.until else f"{label} vigente"
    if state.state == "in_progress_in_time":
        when = f", prevista para {month(state.until)}" if state.until else ""
        return f"{label} en trámite{when}" + (" (antes del plazo)" if has_deadline else "")
    if state.state == "in_progress_late":
        return f"{label} en trámite: podría no estar lista antes del plazo"
    if state.state == "expired":
        return f"{label} vencida" + (f" en {month(state.until)}" if state.until else "") + ": no cuenta"
    return f"Sin {label}"


def _place(ctx: NeedContext, catalog: Catalog) -> str:
    name = catalog.comunas[ctx.comuna].name
    if ctx.buyer_comuna == ctx.comuna:
        return f"su planta en {name}"
    return f"{name}, donde se requiere el suministro"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def sentence(feature: str, ctx: NeedContext, candidate: dict, row: dict[str, float], raw: dict[str, float],
             catalog: Catalog) -> str:
    """The sentence for one feature of one candidate (``row``: feature values; ``raw``: km, counts)."""
    value = row[feature]
    comuna = catalog.comunas.get(candidate.get("comuna") or "")
    need_comuna = catalog.comunas[ctx.comuna]
    if feature == "sector_similarity":
        tier = int(raw["tier"])
        code = _best_code(candidate, ctx, catalog)
        parent = {1: code[:3], 2: code[:2], 3: catalog.sectors[code].section if code in catalog.sectors else ""}
        return _TIER_TEXT[tier].format(code=code, parent=parent.get(tier, ""))
    if feature == "proximity":
        km = raw["distance_km"]
        if km < 0.5:
            return f"En la misma comuna: {_place(ctx, catalog)}"
        return f"A {km_text(km)} de {_place(ctx, catalog)}"
    if feature == "same_comuna":
        where = comuna.name if comuna else "otra comuna"
        return f"Ubicada en {where}, la comuna de la necesidad" if value else f"Ubicada en {where}, fuera de la comuna"
    if feature == "adjacent_comuna":
        if value:
            return f"{comuna.name if comuna else 'Su comuna'} es vecina de {need_comuna.name}"
        return f"No está en una comuna vecina de {need_comuna.name}"
    if feature == "same_province":
        name = catalog.provinces.get(need_comuna.province_cut, need_comuna.province_cut)
        return f"En la misma provincia ({name})" if value else f"Fuera de la provincia de {name}"
    if feature == "same_region":
        name = catalog.regions.get(need_comuna.region_cut, need_comuna.region_cut)
        return f"En la misma región ({name})" if value else f"Fuera de la región ({name})"
    if feature in ("cert_coverage", "cert_missing"):
        states = cert_states(ctx.required, candidate.get("certs") or [], ctx.as_of_date, ctx.deadline)
        has_deadline = ctx.deadline is not None
        if feature == "cert_coverage":
            good = [cert_sentence(catalog, s, has_deadline) for s in states if s.credit > 0]
            if good:
                return "; ".join(good)
            return "No tiene vigente ninguna certificación requerida (" + ", ".join(
                cert_label(catalog, s.code) for s in states) + ")"
        bad = [cert_sentence(catalog, s, has_deadline) for s in states if s.credit == 0]
        if not bad:
            pending = [cert_label(catalog, s.code) for s in states if s.state == "in_progress_in_time"]
            if pending:
                return (f"Tiene o tramita todas las certificaciones requeridas ({', '.join(pending)} en trámite)")
            return "Cumple todas las certificaciones requeridas"
        return "; ".join([bad[0], *(b[0].lower() + b[1:] if b.startswith("Sin ") else b for b in bad[1:])])
    if feature == "other_certifications":
        n = int(raw["other_certifications"])
        return f"Tiene otras {_plural(n, 'certificación vigente', 'certificaciones vigentes')}" if n else \
            "Sin otras certificaciones vigentes"
    if feature == "capacity_fit":
        sales = candidate.get("annual_sales_uf")
        declared = candidate.get("supply_capacity_uf")
        if not ctx.volume_uf:
            return "La necesidad no indica volumen: capacidad no evaluada"
        if declared is not None:  # matching.capacity: a declared capacity wins over sales
            if value >= 1.0:
                return (f"Declara una capacidad de {number(declared)} UF al año: el volumen de "
                        f"{number(ctx.volume_uf)} UF está a su alcance")
            return (f"El volumen pedido ({number(ctx.volume_uf)} UF al año) supera la capacidad que declara "
                    f"({number(declared)} UF)")
        if not sales:
            return "Sin ventas informadas: capacidad no evaluada"
        if value >= 1.0:
            return (f"Ventas anuales de {number(sales)} UF: el volumen de {number(ctx.volume_uf)} UF "
                    "está a su alcance")
        return (f"El volumen pedido ({number(ctx.volume_uf)} UF al año) es grande para sus ventas anuales "
                f"({number(sales)} UF)")
    if feature == "text_similarity":
        words = shared_terms(ctx.text, candidate.get("products"))
        if words:
            return "Sus productos mencionan " + ", ".join(f"«{w}»" for w in words)
        return "Sus productos se parecen a lo que describe" if value else \
            "Sus productos no coinciden con lo que describe"
    if feature == "alliances_with_buyer":
        n = int(raw["alliances_with_buyer"])
        return f"Ya trabajó con ustedes en {_plural(n, 'alianza', 'alianzas')}" if n else \
            "Sin alianzas previas con ustedes"
    if feature == "alliances_with_sector":
        n = int(raw["alliances_with_sector"])
        return f"Tiene {_plural(n, 'alianza', 'alianzas')} con otras empresas de su rubro" if n else \
            "Sin alianzas con otras empresas de su rubro"
    if feature == "cooperative":
        if candidate.get("cooperative"):
            return "Es una cooperativa"
        return "Socia de una cooperativa" if value else "No es cooperativa ni socia de una"
    if feature == "advisory_hours":
        hours = raw["advisory_hours"]
        return f"Recibió {number(hours)} horas de asesoría de un Centro de Negocios" if hours else \
            "Sin asesorías registradas en Centros de Negocios"
    if feature == "past_accepted":
        n = int(raw["past_accepted"])
        return f"{_plural(n, 'propuesta anterior aceptada', 'propuestas anteriores aceptadas')} por compradores" \
            if n else "Sin propuestas anteriores aceptadas"
    if feature == "past_rejected":
        n = int(raw["past_rejected"])
        return _plural(n, "propuesta anterior rechazada", "propuestas anteriores rechazadas") if n else \
            "Sin propuestas anteriores rechazadas"
    if feature == "supplier_closeness":
        if value >= 1.0:
            return "Comparte cooperativa con uno de sus proveedores actuales"
        if value > 0:
            return "En la misma comuna que uno de sus proveedores actuales"
        return "Sin vínculos con sus proveedores actuales"
    if feature == "prefer_cooperative":
        kind = "Cooperativa" if candidate.get("cooperative") else "Socia de una cooperativa"
        return f"{kind} (preferencia del comprador)"
    if feature == "prefer_women":
        return "Tiene el Sello Empresa Mujer vigente (preferencia del comprador)"
    if feature == "prefer_micro":
        return "Microempresa (preferencia del comprador)"
    raise KeyError(feature)


def _best_code(candidate: dict, ctx: NeedContext, catalog: Catalog) -> str:
    """The firm's class closest to the need's sectors (for the sector sentence)."""
    codes = sorted(candidate.get("sectors") or [])
    if not codes:
        return ""
    wanted = list(ctx.sectors)

    def closeness(code: str) -> int:
        best = 0
        for need_code in wanted:
            common = 0
            for a, b in zip(code, need_code, strict=False):
                if a != b:
                    break
                common += 1
            best = max(best, common)
        return best

    return max(codes, key=lambda c: (closeness(c), c == codes[0]))


def _value(feature: str, row: dict[str, float], raw: dict[str, float]) -> float:
    """The value a reason shows: the human quantity (km, count, hours) where there is one."""
    human = {
        "proximity": "distance_km",
        "other_certifications": "other_certifications",
        "alliances_with_buyer": "alliances_with_buyer",
        "alliances_with_sector": "alliances_with_sector",
        "advisory_hours": "advisory_hours",
        "past_accepted": "past_accepted",
        "past_rejected": "past_rejected",
    }.get(feature)
    value = raw[human] if human else row[feature]
    return round(float(value), 1 if feature == "proximity" else 3)


def reasons(ctx: NeedContext, candidate: dict, features: np.ndarray, contributions: np.ndarray,
            raw: dict[str, float], catalog: Catalog) -> list[dict]:
    """The candidate's reasons, largest absolute contribution first (ties in ``ALL_FEATURES`` order)."""
    row = dict(zip(ALL_FEATURES, features.tolist(), strict=True))
    out = []
    for index, (feature, contribution) in enumerate(zip(ALL_FEATURES, contributions.tolist(), strict=True)):
        rounded = round(contribution, CONTRIBUTION_DECIMALS)
        shown = feature in ALWAYS_SHOWN and (feature != "cert_missing" or bool(ctx.required))
        if math.isnan(rounded) or (abs(rounded) < MIN_CONTRIBUTION and not shown):
            continue
        out.append((-abs(rounded), index, {
            "feature": feature,
            "value": _value(feature, row, raw),
            "contribution": rounded,
            "text": sentence(feature, ctx, candidate, row, raw, catalog),
        }))
    out.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in out]
