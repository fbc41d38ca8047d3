"""Batch recommendation reports: the pure part (what each need's matching yields, and the totals).

The report runs exactly the matching of ``GET /needs/{id}/matches`` (``matching.matcher``) over
every open need in scope, then adds what program staff plan with:

- **supply gaps**: needs whose search area holds fewer than ``FEW_CANDIDATES`` candidates, by
  ISIC division and by region;
- **certification gaps**: for each certification, the needs whose top-K would change if every
  candidate holding it *in progress* held it valid (the ranking is recomputed with that change:
  ``certification_scenarios``);
- **shares** of micro, women-owned and cooperative firms among the recommendations against their
  share among every candidate considered (need-firm pairs in both cases).

Nothing here opens a session: ``graph_schema.reports`` fetches, ``scripts.report`` renders.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from matching.candidates import SearchArea
from matching.catalog import Catalog
from matching.errors import FieldError, InvalidInput
from matching.features import (
    ALL_FEATURES,
    IN_PROGRESS_CREDIT,
    OTHER_CERTS_SATURATION,
    FeatureTable,
    NeedContext,
    cert_states,
    native_date,
    other_valid_certs,
)
from matching.matcher import match_response, score_candidates
from matching.program import REPORT_DEFAULT_TOP, REPORT_MAX_TOP, ProjectKind
from matching.ranker import Ranker
from matching.records import Rut
from matching.text import fold

# A need with fewer candidates than this in its search area is a supply gap ("pocos candidatos");
# with none, a hard gap ("sin candidatos"). Five lets a buyer compare a few offers.
FEW_CANDIDATES = 5
DEFAULT_TOP = REPORT_DEFAULT_TOP
MAX_TOP = REPORT_MAX_TOP
# Reasons quoted per recommendation in the CSV and the report (the largest contributions).
MAIN_REASONS = 3

_CERT_COLUMNS = [ALL_FEATURES.index(n) for n in ("cert_coverage", "cert_missing", "other_certifications")]


class ReportParams(BaseModel):
    """The scope and size of a report, as ``encadena report`` and ``POST /reports`` take them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    region: str | None = Field(None, min_length=1, max_length=80,
                               description="Región de la necesidad: código CUT (p. ej. 06) o nombre.")
    center: str | None = Field(None, min_length=1, max_length=120,
                               description="Centro de Negocios que ejecuta el proyecto: id (ctr_...) o nombre.")
    project_type: ProjectKind | None = Field(None, description="Tipo de proyecto de encadenamiento.")
    buyer: Rut | None = Field(None, description="RUT del comprador.")
    top: int = Field(DEFAULT_TOP, ge=1, le=MAX_TOP, description=f"Candidatos por necesidad (1 a {MAX_TOP}).")


@dataclass(frozen=True)
class Scope:
    """Resolved filters: graph keys, ready for ``graph_schema.reports.scope_needs``."""

    region: str | None = None
    center: str | None = None
    project_type: str | None = None
    buyer: str | None = None
    top: int = DEFAULT_TOP

    def as_params(self) -> dict[str, Any]:
        return {"region": self.region, "center": self.center, "project_kind": self.project_type,
                "buyer": self.buyer}


def resolve_scope(params: ReportParams, catalog: Catalog, centers: list[dict],
                  buyer_exists: bool | None = None) -> Scope:
    """Turn names into keys, or ``InvalidInput`` naming every bad filter (Spanish).

    Parameters
    ----------
    centers : list of dict
        Every ``{"id", "name"}`` center; a center is matched by id or by name (accents ignored).
    buyer_exists : bool, optional
        Whether ``params.buyer`` is a registered buyer (None when no buyer was given).
    """
    errors: list[FieldError] = []
    region = None
    if params.region:
        try:
            region = catalog.resolve_region(params.region, "region")
        except InvalidInput as exc:
            errors.extend(exc.errors)
    center = None
    if params.center:
        key = fold(params.center)
        found = [c["id"] for c in centers if c["id"] == params.center or fold(c["name"] or "") == key]
        if len(found) == 1:
            center = found[0]
        else:
            errors.append(FieldError("center", f"No existe un Centro de Negocios con id o nombre «{params.center}»."))
    if params.buyer and buyer_exists is False:
        errors.append(FieldError("buyer", f"No hay un comprador registrado con RUT {params.buyer}."))
    if errors:
        raise InvalidInput(errors)
    return Scope(region=region, center=center, project_type=params.project_type, buyer=params.buyer,
                 top=params.top)


# -- one need ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupCounts:
    """How many of ``n`` need-firm pairs are micro, women-owned and cooperative firms."""

    n: int = 0
    micro: int = 0
    women: int = 0
    cooperative: int = 0

    def __add__(self, other: GroupCounts) -> GroupCounts:
        return GroupCounts(self.n + other.n, self.micro + other.micro, self.women + other.women,
                           self.cooperative + other.cooperative)

    def shares(self) -> dict[str, float | None]:
        return {k: (getattr(self, k) / self.n if self.n else None) for k in ("micro", "women", "cooperative")}


def is_micro(firm: dict) -> bool:
    return str(firm.get("size_segment") or "").startswith("micro")


def group_counts(firms: list[dict]) -> GroupCounts:
    """Micro, women-owned (``owner_gender == "F"``) and cooperative firms among ``firms``."""
    return GroupCounts(
        n=len(firms),
        micro=sum(is_micro(f) for f in firms),
        women=sum(f.get("owner_gender") == "F" for f in firms),
        cooperative=sum(bool(f.get("cooperative")) for f in firms),
    )


def upgrade(certs: list | None, code: str) -> list:
    """A firm's ``[code, status, valid_until]`` list with ``code`` valid instead of in progress."""
    return [[c[0], "valid", None] if c[0] == code and c[1] == "in_progress" else list(c) for c in certs or ()]


def holds_in_progress(candidate: dict, code: str) -> bool:
    return any(c[0] == code and c[1] == "in_progress" for c in candidate.get("certs") or ())


def passes_mandatory(candidate: dict, required: tuple[str, ...], as_of_date) -> bool:
    """The candidate query's mandatory filter: every required certification valid and unexpired."""
    held = {c[0]: (c[1], native_date(c[2])) for c in candidate.get("certs") or ()}
    for code in required:
        status, until = held.get(code, (None, None))
        if status != "valid" or (until is not None and until < as_of_date):
            return False
    return True


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


def cert_columns(ctx: NeedContext, certs: list) -> tuple[float, float, float]:
    """``(cert_coverage, cert_missing, other_certifications)`` of one firm, as ``CandidateFeaturizer`` computes them.

    The only features a change of certification status touches; ``certification_scenarios``
    recomputes just these for upgraded candidates (a test checks them against the featurizer).
    """
    as_of_date = ctx.as_of_date
    if ctx.required:
        credits = [s.credit for s in cert_states(ctx.required, certs, as_of_date, ctx.deadline, IN_PROGRESS_CREDIT)]
        coverage, missing = float(np.mean(credits)), float(np.mean([c == 0 for c in credits]))
    else:
        coverage = missing = 0.0
    others = other_valid_certs(ctx.required, certs, as_of_date)
    return coverage, missing, min(others, OTHER_CERTS_SATURATION) / OTHER_CERTS_SATURATION


def _top_set(scores: np.ndarray, ruts: list[str], k: int) -> list[str]:
    """``[ruts[i] for i in order(scores, ruts)[:k]]`` without sorting the whole pool."""
    if not ruts:
        return []
    rounded = np.round(np.asarray(scores, dtype=float), 9)  # ``matching.ranker.order``'s tie rule
    chosen = np.arange(len(ruts))
    if k < len(ruts):
        chosen = np.flatnonzero(rounded >= np.partition(rounded, len(ruts) - k)[len(ruts) - k])
    best = sorted(chosen.tolist(), key=lambda i: (-rounded[i], ruts[i]))[:k]
    return [ruts[i] for i in best]


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
    recomputed (``cert_columns``): no other feature reads a firm's certifications.
    ``tests/test_report_computation.py`` checks this shortcut against a full recomputation.
    """
    pending: dict[str, list[int]] = defaultdict(list)  # code -> candidates holding it in progress
    for i, cand in enumerate(candidates):
        for code in {c[0] for c in cand.get("certs") or () if c[1] == "in_progress"}:
            pending[code].append(i)
    codes = sorted(set(pending) | {c[0] for e in extras for c in e.get("certs") or () if c[1] == "in_progress"})
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
            matrix[np.ix_(affected, _CERT_COLUMNS)] = [
                cert_columns(ctx, upgrade(candidates[i].get("certs"), code)) for i in affected]
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


# -- candidate pools from one preloaded table ---------------------------------------------------

_NO_TIER = 1_000_000


class FirmTable:
    """Every firm a report's needs may draw on, with the candidate query's projection, indexed for selection.

    ``select`` applies the candidate rule of ``graph_schema.candidates.CANDIDATES`` (documented in
    ``matching.candidates``) in numpy: one table read replaces a query per need, which is what
    lets a report cover 1,000 needs in a couple of minutes. ``tests/test_reports.py`` checks that
    both give the same candidates, in the same order.

    Parameters
    ----------
    firms : list of dict
        ``CANDIDATE_PROJECTION`` rows of non-large firms (any order).
    """

    def __init__(self, firms: list[dict]):
        # Row order = RUT order, the query's last sort key. Certificate dates become ``datetime.date``
        # once here, not once per need and feature (the driver's ``Date.to_native`` is slow).
        firms = sorted((dict(f, certs=[[c[0], c[1], native_date(c[2])] for c in f.get("certs") or ()])
                        for f in firms), key=lambda f: f["rut"])
        self.firms = firms
        self.comuna_codes = sorted({f["comuna"] or "" for f in firms})
        comuna_index = {c: i for i, c in enumerate(self.comuna_codes)}
        self.comuna = np.fromiter((comuna_index[f["comuna"] or ""] for f in firms), dtype=np.int64, count=len(firms))
        self.sector_codes = sorted({s for f in firms for s in f.get("sectors") or ()})
        sector_index = {c: i for i, c in enumerate(self.sector_codes)}
        counts = np.fromiter((len(f.get("sectors") or ()) for f in firms), dtype=np.int64, count=len(firms))
        self.owner = np.repeat(np.arange(len(firms)), counts)
        self.sector = np.fromiter((sector_index[s] for f in firms for s in f.get("sectors") or ()), dtype=np.int64,
                                  count=int(counts.sum()))

    def __len__(self) -> int:
        return len(self.firms)

    def select(self, ctx: NeedContext, area: SearchArea, cap: int) -> tuple[list[dict], list[dict]]:
        """``(candidates, excluded_in_progress)`` for one need, each in the query's order, at most ``cap``.

        ``excluded_in_progress`` is empty unless the need's certifications are mandatory; then it
        holds the firms left out only because a required certification is in progress.
        """
        n = len(self.firms)
        tier_of = np.full(len(self.sector_codes), _NO_TIER, dtype=np.int64)
        for i, code in enumerate(self.sector_codes):
            if code in area.tiers:
                tier_of[i] = area.tiers[code]
        tier = np.full(n, _NO_TIER, dtype=np.int64)
        np.minimum.at(tier, self.owner, tier_of[self.sector])
        km_of = np.array([area.km.get(c, np.inf) for c in self.comuna_codes])
        km = km_of[self.comuna]
        pool = np.flatnonzero((tier < _NO_TIER) & np.isfinite(km))
        pool = pool[np.lexsort((pool, km[pool], tier[pool]))]
        if not (ctx.mandatory and ctx.required):
            return [self.firms[i] for i in pool[:cap].tolist()], []
        today = ctx.as_of_date
        kept: list[dict] = []
        excluded: list[dict] = []
        for i in pool.tolist():
            firm = self.firms[i]
            if passes_mandatory(firm, ctx.required, today):
                if len(kept) < cap:
                    kept.append(firm)
            elif len(excluded) < cap and upgradable(firm, ctx.required, today):
                excluded.append(firm)
            if len(kept) >= cap and len(excluded) >= cap:
                break
        return kept, excluded


def upgradable(firm: dict, required: tuple[str, ...], as_of_date) -> bool:
    """Every required certification valid or in progress, at least one in progress."""
    held = {c[0]: (c[1], native_date(c[2])) for c in firm.get("certs") or ()}
    pending = False
    for code in required:
        status, until = held.get(code, (None, None))
        if status == "in_progress":
            pending = True
        elif status != "valid" or (until is not None and until < as_of_date):
            return False
    return pending


@dataclass
class NeedResult:
    """One need's part of the report: the match response and what the totals are made of."""

    need_id: str
    response: dict
    recommended: GroupCounts
    considered: GroupCounts
    cert_changes: list[CertChange] = field(default_factory=list)
    top_firms: list[dict] = field(default_factory=list)  # rut, size_segment, cooperative of the top-K


def need_result(ctx: NeedContext, candidates: list[dict], extras: list[dict], catalog: Catalog,
                tiers: dict[str, int], km: dict[str, float], ranker: Ranker, top: int, cap: int,
                diagnostics: dict | None) -> NeedResult:
    """The match response of ``GET /needs/{id}/matches?limit=top`` plus the report's per-need figures."""
    scored = score_candidates(ctx, candidates, catalog, tiers, ranker, top)  # one feature matrix for both
    response = match_response(ctx, candidates, catalog, tiers, ranker, top, sees_personal_data=True,
                              diagnostics=diagnostics, scored=scored)
    by_rut = {c["rut"]: c for c in candidates}
    chosen = [by_rut[c["rut"]] for c in response["candidates"]]
    return NeedResult(
        need_id=ctx.need_id,
        response=response,
        recommended=group_counts(chosen),
        considered=group_counts(candidates),
        cert_changes=certification_scenarios(ctx, candidates, extras, catalog, tiers, km, ranker, top, cap,
                                             base=scored[:2]),
        top_firms=[{"rut": c["rut"], "size_segment": c.get("size_segment"), "cooperative": bool(c.get("cooperative"))}
                   for c in chosen],
    )


def unmatchable_result(need_id: str, message: str, model_version: str) -> NeedResult:
    """A need the matching cannot run for (no valid comuna): listed, with why, as a supply gap."""
    response = {"need_id": need_id, "model_version": model_version, "score_baseline": 0.0, "candidates": [],
                "candidates_considered": 0, "message": message, "shares": {"top": 0, "micro": None,
                                                                          "women_owned": None}}
    return NeedResult(need_id, response, GroupCounts(), GroupCounts())


# -- the totals ----------------------------------------------------------------------------------

def sector_key(codes: list[str] | tuple[str, ...], catalog: Catalog) -> str:
    """The ISIC division a need's supply is grouped by (its section when posted at section level)."""
    for code in sorted(codes):
        if code[:2].isdigit():
            return code[:2]
        if code in catalog.sectors:
            return catalog.sectors[code].section
    return "sin rubro"


def gap_level(considered: int) -> str:
    """``"sin_candidatos"``, ``"pocos"`` (fewer than ``FEW_CANDIDATES``) or ``"suficientes"``."""
    if considered == 0:
        return "sin_candidatos"
    return "pocos" if considered < FEW_CANDIDATES else "suficientes"


GAP_LEVELS = ("sin_candidatos", "pocos", "suficientes")


def _gap_table(needs: list[dict], results: dict[str, NeedResult], key) -> list[dict]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for need in needs:
        counts[key(need)][gap_level(results[need["id"]].response["candidates_considered"])] += 1
    ordered = sorted(counts.items(), key=lambda item: (-(item[1]["sin_candidatos"] + item[1]["pocos"]),
                                                       -item[1]["sin_candidatos"], item[0]))
    return [{"key": k, **{level: c[level] for level in GAP_LEVELS}, "needs": sum(c.values())} for k, c in ordered]


def summarize(needs: list[dict], results: dict[str, NeedResult], catalog: Catalog) -> dict:
    """The report's totals from every need's result (``needs``: ``graph_schema.reports`` rows, id order).

    Returns a dict with ``needs`` (count), ``recommendations``, ``supply_gaps`` (``by_region``,
    ``by_sector``, ``needs``: the gap needs themselves), ``certification_gaps`` and ``shares``.
    """
    recommended = sum((results[n["id"]].recommended for n in needs), GroupCounts())
    considered = sum((results[n["id"]].considered for n in needs), GroupCounts())
    by_region = _gap_table(needs, results, lambda n: n.get("region_cut") or "sin región")
    for row in by_region:
        row["label"] = catalog.regions.get(row["key"], row["key"])
    by_sector = _gap_table(needs, results, lambda n: sector_key(n.get("sectors") or (), catalog))
    for row in by_sector:
        sector = catalog.sectors.get(row["key"])
        row["label"] = f"CIIU {row['key']}" + (f" · {sector.name}" if sector else "")
    gap_needs = []
    for need in needs:
        response = results[need["id"]].response
        level = gap_level(response["candidates_considered"])
        if level != "suficientes":
            gap_needs.append({"need": need, "level": level, "considered": response["candidates_considered"],
                              "message": response.get("message")})
    cert_rows: dict[str, dict] = {}
    for need in needs:
        for change in results[need["id"]].cert_changes:
            row = cert_rows.setdefault(change.code, {"code": change.code, "needs_with_holders": 0,
                                                     "needs_changed": 0, "holders": set(), "entering": set()})
            row["needs_with_holders"] += 1
            row["holders"].update(change.holders)
            if change.entering:
                row["needs_changed"] += 1
                row["entering"].update(change.entering)
    cert_gaps = sorted(
        ({"code": r["code"], "name": catalog.certifications.get(r["code"], r["code"]),
          "needs_with_holders": r["needs_with_holders"], "needs_changed": r["needs_changed"],
          "firms_in_progress": len(r["holders"]), "firms_entering": len(r["entering"])}
         for r in cert_rows.values()),
        key=lambda r: (-r["needs_changed"], -r["firms_entering"], r["code"]),
    )
    return {
        "needs": len(needs),
        "needs_with_candidates": sum(results[n["id"]].response["candidates_considered"] > 0 for n in needs),
        "recommendations": recommended.n,
        "supply_gaps": {"by_region": by_region, "by_sector": by_sector, "needs": gap_needs},
        "certification_gaps": cert_gaps,
        "shares": {"recommended": recommended, "considered": considered},
    }
