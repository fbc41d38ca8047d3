"""What-if scenarios of a batch report: which firms would enter a need's top-K if a certification
they hold in progress were valid (the certification gaps of the report).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from matching.catalog import Catalog
from matching.features import ALL_FEATURES, OTHER_CERTS_SATURATION, FeatureTable, NeedContext, cert_columns
from matching.firm_table import passes_mandatory
from matching.matcher import score_candidates
from matching.ranker import Ranker, order

_CERT_COLUMNS = [ALL_FEATURES.index(n) for n in ("cert_coverage", "cert_missing", "other_certifications")]


def upgrade(certs: list | None, code: str) -> list:
    """A firm's ``[code, status, valid_until]`` list with ``code`` valid instead of in progress."""
    return [[held, "valid", None] if held == code and status == "in_progress" else [held, status, until]
            for held, status, until in certs or ()]


def holds_in_progress(candidate: dict, code: str) -> bool:
    return any(held == code and status == "in_progress" for held, status, _ in candidate.get("certs") or ())


def pool_key(candidate: dict, tiers: dict[str, int], km: dict[str, float]) -> tuple:
    """The candidate query's order: sector tier, distance of the firm's comuna, RUT."""
    tier = min((tiers[s] for s in candidate.get("sectors") or () if s in tiers), default=len(tiers) + 99)
    return tier, km.get(candidate.get("comuna") or "", float("inf")), candidate["rut"]


@dataclass(frozen=True)
class CertChange:
    """What holding ``code`` valid would do to one need's top-K."""

    code: str
    holders: tuple[str, ...]     # candidates (and excluded firms) holding it in progress
    entering: tuple[str, ...]    # firms that would enter the top-K


def cert_feature_rows(ctx: NeedContext, firms: list[dict]) -> np.ndarray:
    """``(cert_coverage, cert_missing, other_certifications)`` per firm, by the featurizer's own path
    (``matching.features.cert_columns``): the only features a change of certification status touches."""
    credits, others = cert_columns(ctx.required, firms, ctx.as_of_date, ctx.deadline)
    if ctx.required:
        coverage, missing = credits.mean(axis=1), (credits == 0).mean(axis=1)
    else:
        coverage = missing = np.zeros(len(firms))
    return np.column_stack([coverage, missing, np.minimum(others, OTHER_CERTS_SATURATION) / OTHER_CERTS_SATURATION])


def _top_set(scores: np.ndarray, ruts: list[str], k: int) -> list[str]:
    """The top ``k`` RUTs in ``matching.ranker.order``'s order (ties by RUT)."""
    return [ruts[i] for i in order(scores, ruts, k).tolist()]


def certification_scenarios(ctx: NeedContext, candidates: list[dict], extras: list[dict], catalog: Catalog,
                            tiers: dict[str, int], km: dict[str, float], ranker: Ranker, top: int, cap: int,
                            base: tuple[FeatureTable, np.ndarray] | None = None) -> list[CertChange]:
    """For each certification held in progress by a candidate, the need's top-K with it valid.

    Parameters
    ----------
    candidates : list of dict
        The need's candidate set exactly as the match endpoint scores it.
    extras : list of dict
        Only for needs whose certifications are mandatory: firms of the search area left out
        because a required certification is in progress (``graph_schema.reports``). Upgrading
        that certification may let them in; the pool is then rebuilt in the query's order and cap.
    km : dict
        Comuna CUT -> distance from the need's comuna (the search area's ``km``).
    base : tuple, optional
        ``(table, scores)`` of ``candidates`` from ``matching.matcher.score_candidates``, when known.

    Returns
    -------
    list of CertChange
        One per certification held in progress, by code; ``entering`` is empty when the top-K
        would stay the same.

    Notes
    -----
    When the pool is unchanged only the certification columns of the upgraded candidates are
    recomputed (``cert_feature_rows``): no other feature reads a firm's certifications.
    ``tests/test_report_computation.py`` checks this shortcut against a full recomputation.
    """
    pending: dict[str, list[int]] = defaultdict(list)  # code -> candidates holding it in progress
    for i, cand in enumerate(candidates):
        for code in {held for held, status, _ in cand.get("certs") or () if status == "in_progress"}:
            pending[code].append(i)
    codes = sorted(set(pending) | {held for e in extras for held, status, _ in e.get("certs") or ()
                                   if status == "in_progress"})
    if not codes:
        return []
    ruts = [c["rut"] for c in candidates]
    if base is None:
        table, scores, _ = score_candidates(ctx, candidates, catalog, tiers, ranker, top)
        base = (table, scores)
    base_table, base_scores = base
    base_top = set(_top_set(base_scores, ruts, top))
    as_of_date = ctx.as_of_date
    out = []
    for code in codes:
        affected = pending.get(code, [])
        joining = []
        if ctx.mandatory and code in ctx.required:
            joining = [dict(e, certs=upgrade(e.get("certs"), code)) for e in extras if holds_in_progress(e, code)]
            joining = [e for e in joining if passes_mandatory(e, ctx.required, as_of_date)]
        holders = tuple(sorted({candidates[i]["rut"] for i in affected} | {e["rut"] for e in joining}))
        if not joining:
            if not affected:
                continue
            matrix = base_table.matrix.copy()
            upgraded = [dict(candidates[i], certs=upgrade(candidates[i].get("certs"), code)) for i in affected]
            matrix[np.ix_(affected, _CERT_COLUMNS)] = cert_feature_rows(ctx, upgraded)
            new_top = _top_set(ranker.scores(matrix), ruts, top)
        else:
            pool = [dict(c, certs=upgrade(c.get("certs"), code)) for c in candidates] + joining
            pool.sort(key=lambda c: pool_key(c, tiers, km))
            pool = pool[:cap]
            _, scores, _ = score_candidates(ctx, pool, catalog, tiers, ranker, top)
            new_top = _top_set(scores, [c["rut"] for c in pool], top)
        entering = tuple(r for r in new_top if r not in base_top)
        out.append(CertChange(code, holders, entering))
    return out
