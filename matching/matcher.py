"""One match request from fetched data to the response body: features, scores, order, reasons.

Pure Python: the service fetches the need context and candidates (``graph_schema.candidates``)
and hands them here with the ranker it serves.
"""

from __future__ import annotations

import math

import numpy as np

from matching.catalog import Catalog
from matching.explain import km_text, reasons, sector_text
from matching.features import CandidateBatch, CandidateFeaturizer, FeatureTable, NeedContext
from matching.ranker import Ranker, order

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Suggested radii are rounded up to this step.
RADIUS_STEP_KM = 10

_FEATURIZER = CandidateFeaturizer()


def score_candidates(ctx: NeedContext, candidates: list[dict], catalog: Catalog, tiers: dict[str, int],
                     ranker: Ranker, limit: int | None = None) -> tuple[FeatureTable, np.ndarray, np.ndarray]:
    """``(table, scores, order)`` for the whole candidate set; ``order`` is best first (top ``limit``), ties by RUT."""
    table = _FEATURIZER.extract(CandidateBatch(ctx, candidates, catalog, tiers))
    if not candidates:
        return table, np.zeros(0), np.zeros(0, dtype=np.int64)
    scores = ranker.scores(table.matrix)
    return table, scores, order(scores, [c["rut"] for c in candidates], limit)


def match_response(ctx: NeedContext, candidates: list[dict], catalog: Catalog, tiers: dict[str, int],
                   ranker: Ranker, limit: int, *, sees_personal_data: bool,
                   diagnostics: dict | None = None,
                   scored: tuple[FeatureTable, np.ndarray, np.ndarray] | None = None) -> dict:
    """The body of ``GET /needs/{id}/matches``.

    Parameters
    ----------
    ctx, candidates, catalog, tiers
        The need, its capped candidate set with raw attributes, the reference data and the
        sector tiers used to fetch them.
    ranker : Ranker
        The model this worker serves (the prior when none is promoted).
    limit : int
        How many candidates to return.
    sees_personal_data : bool
        Advisors and admins; a buyer never sees the women-owned share (owner gender is personal data,
        and a share over ``limit`` n and n+1 would give away the firm at rank n+1).
    diagnostics : dict, optional
        ``graph_schema.candidates.diagnose_pool`` output, used to explain a short list.
    scored : tuple, optional
        ``score_candidates(ctx, candidates, catalog, tiers, ranker, limit)`` when the caller has
        it already (batch reports reuse the feature matrix); computed here otherwise.
    """
    if scored is None:
        scored = score_candidates(ctx, candidates, catalog, tiers, ranker, limit)
    table, scores, top = scored
    contributions = ranker.contributions(table.matrix[top]) if len(top) else np.zeros((0, 0))
    out = []
    for rank, (index, contrib) in enumerate(zip(top.tolist(), contributions, strict=True), start=1):
        cand = candidates[index]
        raw = {name: float(values[index]) for name, values in table.raw.items()}
        out.append({
            "rut": cand["rut"],
            "name": cand["name"],
            "score": round(float(scores[index]), 4),
            "rank": rank,
            "reasons": reasons(ctx, cand, table.matrix[index], contrib, raw, catalog),
        })
    chosen = [candidates[i] for i in top.tolist()]
    return {
        "need_id": ctx.need_id,
        "model_version": ranker.version,
        "score_baseline": round(ranker.baseline, 4),
        "candidates": out,
        "candidates_considered": len(candidates),
        "message": short_list_message(ctx, len(candidates), limit, catalog, diagnostics),
        "shares": shares(chosen, sees_personal_data),
    }


def shares(chosen: list[dict], sees_personal_data: bool) -> dict:
    """Share of micro firms among the returned candidates, and of women-owned ones for advisors and admins."""
    n = len(chosen)
    micro = sum(str(c.get("size_segment") or "").startswith("micro") for c in chosen)
    women = sum(c.get("owner_gender") == "F" for c in chosen)
    show_women = n > 0 and sees_personal_data
    return {
        "top": n,
        "micro": round(micro / n, 3) if n else None,
        "women_owned": round(women / n, 3) if show_women else None,
    }


def suggested_radius(nearest_km: float) -> int:
    """A radius that reaches a firm ``nearest_km`` away, rounded up to ``RADIUS_STEP_KM``."""
    return int(math.ceil((nearest_km + 0.5) / RADIUS_STEP_KM) * RADIUS_STEP_KM)


def short_list_message(ctx: NeedContext, found: int, limit: int, catalog: Catalog,
                       diagnostics: dict | None) -> str | None:
    """Why the list is empty or short and what to widen (Spanish), or None when it is full."""
    if found >= limit:
        return None
    diag = diagnostics or {}
    comuna = catalog.comunas[ctx.comuna].name
    radius = km_text(ctx.radius_km)
    sectors = "; ".join(sector_text(catalog, code) for code in ctx.sectors)
    of_sectors = f"{'del rubro' if len(ctx.sectors) == 1 else 'de los rubros'} {sectors}"
    certs = ", ".join(catalog.certifications.get(c, c).split(" (")[0] for c in ctx.required)
    in_radius = int(diag.get("in_radius") or 0)
    nearest_km, nearest_cut = diag.get("nearest_km"), diag.get("nearest_cut")
    nearest = catalog.comunas[nearest_cut].name if nearest_cut in catalog.comunas else None
    wider = ""
    if nearest_km is not None and nearest:
        wider = (f"la empresa más cercana fuera del radio está a {km_text(nearest_km)}, en {nearest}; "
                 f"con un radio de {suggested_radius(nearest_km)} km quedaría incluida.")
    filtered = in_radius - found if ctx.mandatory and ctx.required else 0
    if found == 0:
        if filtered > 0:
            return (f"Hay {filtered} empresas {of_sectors} dentro de {radius} de {comuna}, pero "
                    f"ninguna tiene vigente {certs}. Marque las certificaciones como deseables (no obligatorias) "
                    "para verlas, o amplíe el radio" + (f": {wider}" if wider else "."))
        if nearest is None:
            return (f"No hay empresas registradas {of_sectors} ni en rubros afines. Revise el rubro o use uno "
                    "más general (su división o sección CIIU).")
        return (f"No hay proveedores {of_sectors} ni afines dentro de {radius} de {comuna}. "
                f"Amplíe el radio: {wider}")
    text = f"Solo {found} {'proveedor cumple' if found == 1 else 'proveedores cumplen'} los criterios " \
           f"dentro de {radius} de {comuna}."
    if filtered > 0:
        text += (f" Otras {filtered} empresas quedaron fuera por no tener vigente {certs}; márquelas como "
                 "deseables para verlas.")
    if wider:
        text += f" Para ver más, amplíe el radio: {wider}"
    return text
