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

Candidate pools come from ``matching.firm_table``, the what-if scenarios from
``matching.report_scenarios``. Nothing here opens a session: ``application.reports`` fetches
(``graph_schema.reports``), assembles and renders.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from matching.catalog import Catalog
from matching.errors import FieldError, InvalidInput
from matching.features import NeedContext
from matching.matcher import match_response, score_candidates
from matching.program import REPORT_DEFAULT_TOP, REPORT_MAX_TOP, ProjectKind
from matching.ranker import Ranker
from matching.records import Rut
from matching.report_scenarios import CertChange, certification_scenarios
from matching.text import fold

# A need with fewer candidates than this in its search area is a supply gap ("pocos candidatos");
# with none, a hard gap ("sin candidatos"). Five lets a buyer compare a few offers.
FEW_CANDIDATES = 5
DEFAULT_TOP = REPORT_DEFAULT_TOP
MAX_TOP = REPORT_MAX_TOP
# Reasons quoted per recommendation in the CSV and the report (the largest contributions).
MAIN_REASONS = 3


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
