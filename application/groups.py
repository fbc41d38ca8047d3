"""Group supply for a need: a cooperative, or nearby mipymes together, that cover a volume none covers alone.

The pool is the part of the need's own candidate set that does what the need asks (its ISIC
classes, or their group) (``application.matching.find_candidates``), read with the
certifications as a filter lifted, because a certification still in progress and expected before
the deadline makes a member eligible. Each firm gets its single-candidate rank from the served
ranker (as a percentile, so the score scale does not depend on the model), its capacity
(``matching.capacity``) and its comuna's centroid; ``matching.groups.find_groups`` picks the
groups. The API (``GET /needs/{id}/groups``) and the need page call ``group_offers``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, LiteralString

from neo4j import RoutingControl

from application.access import Viewer, for_viewer
from application.matching import find_candidates, visible_need, with_peers
from graph_schema import candidates as candidates_repo
from graph_schema import proposals as proposals_repo
from graph_schema.driver import Graph
from matching.candidates import TIER_GROUP, PlannerCounts
from matching.capacity import candidate_capacity_uf
from matching.catalog import Catalog
from matching.certifications import cert_states
from matching.errors import Conflict, FieldError, Forbidden, InvalidInput
from matching.features import NeedContext, need_context
from matching.group_reasons import group_reason
from matching.groups import (
    DEFAULT_BUDGET_S,
    DEFAULT_LIMIT,
    DEFAULT_MAX_SIZE,
    GroupCandidate,
    find_groups,
    shares_uf,
)
from matching.matcher import score_candidates
from matching.ranker import Ranker

# Firms offered to the optimizer: the best ranked of the candidate set with a known capacity. The
# heuristic's time grows with the pool; 200 keeps a request well inside its budget.
POOL_LIMIT = 200
# Certification states that make a firm eligible for a group under a mandatory requirement.
ELIGIBLE_STATES = frozenset({"valid", "in_progress_in_time"})
MAX_GROUP_SIZE = 8

# Pairs of the pool that already worked together in an alliance.
ALLIED_PAIRS: LiteralString = """
UNWIND $ruts AS rut
MATCH (a:Firm {rut: rut})-[:PARTY_TO]->(al:Alliance)<-[:PARTY_TO]-(b:Firm)
WHERE a.rut < b.rut AND b.rut IN $ruts
RETURN DISTINCT a.rut AS a, b.rut AS b
"""

_STATUS_ES = {
    "no_eligible_firms": "No hay empresas con capacidad conocida que cumplan las certificaciones obligatorias "
                         "dentro del radio.",
    "pool_below_volume": "Todas las empresas elegibles del radio juntas cubren solo el {pool} % del volumen; amplíe "
                         "el radio o reduzca el volumen.",
    "needs_more_members": "Las empresas elegibles juntas cubren el volumen, pero harían falta más de {size} "
                          "(las {size} más grandes cubren el {reach} %).",
    "no_valid_group": "Una sola empresa puede cubrir el volumen: vea las coincidencias individuales.",
}


def allied_pairs(graph: Graph, ruts: list[str]) -> set[frozenset[str]]:
    records, _, _ = graph.execute_query(ALLIED_PAIRS, ruts=ruts, routing_=RoutingControl.READ)
    return {frozenset((r["a"], r["b"])) for r in records}


@dataclass(frozen=True)
class GroupPool:
    """What the optimizer gets for one need: its context, the pool, the allied pairs among it."""

    ctx: NeedContext
    pool: list[GroupCandidate]
    allied: set[frozenset[str]]
    single_covers: bool
    comuna_of: dict[str, str | None]


def group_pool(graph: Graph, catalog: Catalog, need_id: str, *, viewer: Viewer, ranker: Ranker,
               counts: PlannerCounts) -> GroupPool:
    """The need's candidates as group members: ranked, with capacity, centroid and eligibility.

    A buyer reaches only its own needs (``NotFound`` otherwise); a need without a valid comuna is a
    ``Conflict``. The pool is empty for a need without a volume.
    """
    need = visible_need(graph, need_id, viewer)
    if need.get("comuna") not in catalog.comunas:
        raise Conflict(f"La necesidad {need_id} no tiene una comuna válida; corríjala antes de buscar proveedores.")
    buyer = candidates_repo.fetch_buyer_context(graph, need["buyer_rut"])
    ctx = need_context({"need": need, "buyer": buyer})
    if not ctx.volume_uf:
        return GroupPool(ctx, [], set(), False, {})
    found = find_candidates(graph, catalog, replace(ctx, mandatory=False), counts)
    candidates = found.candidates
    volume = ctx.volume_uf
    ctx = need_context({"need": need, "buyer": with_peers(catalog, buyer, candidates)}, as_of=ctx.as_of)
    table, _, order = score_candidates(ctx, candidates, catalog, found.area.tiers, ranker)
    # Members do what the need asks: its own classes or their group, not merely its division.
    tiers = table.raw.get("tier")
    origin = catalog.comunas[ctx.comuna]
    pool: list[GroupCandidate] = []
    single_covers = False
    for rank, index in enumerate(order.tolist()):
        cand = candidates[index]
        if tiers is not None and tiers[index] > TIER_GROUP:
            continue
        capacity = candidate_capacity_uf(cand)
        comuna = catalog.comunas.get(cand.get("comuna") or "")
        if not capacity or comuna is None:
            continue
        eligible = not (ctx.mandatory and ctx.required) or all(
            s.state in ELIGIBLE_STATES for s in cert_states(ctx.required, cand.get("certs") or [], ctx.as_of_date,
                                                            ctx.deadline))
        single_covers |= eligible and capacity >= volume and not cand.get("cooperative")
        pool.append(GroupCandidate(
            rut=cand["rut"], name=cand["name"], capacity_uf=float(capacity), lat=comuna.lat, lon=comuna.lon,
            km_to_buyer=catalog.distance_km(origin.cut, comuna.cut), score=1.0 - rank / max(len(order), 1),
            eligible=eligible, is_cooperative=bool(cand.get("cooperative")),
            cooperatives=frozenset(cand.get("coops") or ()),
        ))
        if len(pool) >= POOL_LIMIT:
            break
    comuna_of = {c["rut"]: c.get("comuna") for c in candidates}
    return GroupPool(ctx, pool, allied_pairs(graph, [f.rut for f in pool]), single_covers, comuna_of)


def group_offers(graph: Graph, catalog: Catalog, need_id: str, *, viewer: Viewer, ranker: Ranker,
                 counts: PlannerCounts, limit: int = DEFAULT_LIMIT, max_size: int = DEFAULT_MAX_SIZE,
                 budget_s: float = DEFAULT_BUDGET_S) -> dict:
    """Up to ``limit`` groups that cover the need's volume, best first, with their members' shares and reasons.

    A buyer reaches only its own needs (``NotFound`` otherwise); a need without a valid comuna is
    a ``Conflict``; a need without a volume gets no groups and says why.
    """
    found = group_pool(graph, catalog, need_id, viewer=viewer, ranker=ranker, counts=counts)
    ctx = found.ctx
    base: dict[str, Any] = {"need_id": need_id, "volume_uf": ctx.volume_uf, "max_size": max_size, "groups": []}
    if not ctx.volume_uf:
        return {**base, "status": "no_volume", "single_covers": False, "pool": 0,
                "message": "La necesidad no indica volumen anual (UF): sin volumen no se pueden armar ofertas "
                           "conjuntas."}
    search = find_groups(ctx.volume_uf, found.pool, found.allied, max_size=max_size, limit=limit, budget_s=budget_s)
    groups = []
    for group in search.groups:
        body = group.as_dict()
        for member in body["members"]:
            member["comuna"] = found.comuna_of.get(member["rut"])
        body["reasons"] = [group_reason(group)]
        groups.append(body)
    message = None
    if search.status != "found":
        message = _STATUS_ES[search.status].format(
            pool=round(100 * search.pool_coverage), size=max_size, reach=round(100 * search.reach_coverage))
    return {**base, "status": search.status, "groups": groups, "single_covers": found.single_covers,
            "pool": len(found.pool), "pool_coverage": round(search.pool_coverage, 3), "message": message,
            "elapsed_ms": round(1000 * search.elapsed_s, 1)}


def propose_group(graph: Graph, catalog: Catalog, need_id: str, ruts: list[str], values: dict, viewer: Viewer) -> dict:
    """Propose firms together for a need: one proposal, each member's share of the volume in proportion to
    its capacity (as the groups show it). The group must cover the volume, every member must be
    eligible for the mandatory certifications, and a cooperative never sits beside one of its members.
    """
    ruts = list(dict.fromkeys(ruts))
    if not 2 <= len(ruts) <= MAX_GROUP_SIZE:
        raise InvalidInput(FieldError("ruts", f"Un grupo tiene de 2 a {MAX_GROUP_SIZE} empresas distintas."))
    values = {**values, "created_by": viewer.actor, "created_by_name": viewer.name}
    if viewer.advisor_id:
        if values.get("advisor_id") and values["advisor_id"] != viewer.advisor_id:
            raise Forbidden(f"Su cuenta es del asesor {viewer.advisor_id}; no puede proponer a nombre de otro.")
        values["advisor_id"] = viewer.advisor_id
    need = visible_need(graph, need_id, viewer)
    ctx = need_context({"need": need, "buyer": None})
    if not ctx.volume_uf:
        raise InvalidInput(FieldError("ruts", "La necesidad no indica volumen anual (UF): un grupo reparte el "
                                              "volumen entre sus integrantes."))
    rows = {row["rut"]: row for row in candidates_repo.fetch_firms(graph, ruts)}
    errors = [FieldError(f"ruts.{i}", f"No existe una empresa con RUT {rut}.") for i, rut in enumerate(ruts)
              if rut not in rows]
    if errors:
        raise InvalidInput(errors)
    capacities = []
    for i, rut in enumerate(ruts):
        row = rows[rut]
        capacity = candidate_capacity_uf(row)
        if row.get("size_segment") == "grande":
            errors.append(FieldError(f"ruts.{i}", f"{row['name']} es una empresa grande; los grupos son de empresas "
                                                  "de menor tamaño y cooperativas."))
        if not capacity:
            errors.append(FieldError(f"ruts.{i}", f"{row['name']} no declara capacidad ni ventas: no se puede "
                                                  "calcular su parte del volumen."))
        if ctx.mandatory and ctx.required and not all(
                s.state in ELIGIBLE_STATES for s in cert_states(ctx.required, row.get("certs") or [],
                                                                ctx.as_of_date, ctx.deadline)):
            errors.append(FieldError(f"ruts.{i}", f"{row['name']} no tiene vigentes (ni en trámite a tiempo) las "
                                                  "certificaciones obligatorias de la necesidad."))
        capacities.append(float(capacity or 0.0))
    coops = {rut for rut in ruts if rows[rut].get("cooperative")}
    for i, rut in enumerate(ruts):
        inside = coops & set(rows[rut].get("coops") or ())
        if inside:
            errors.append(FieldError(
                f"ruts.{i}", f"{rows[rut]['name']} es socia de la cooperativa del grupo ({', '.join(sorted(inside))}): "
                             "su capacidad ya está en la de ella."))
    if not errors and sum(capacities) < ctx.volume_uf:
        errors.append(FieldError("ruts", f"Juntas abastecen {sum(capacities):,.0f} UF al año y la necesidad pide "
                                         f"{ctx.volume_uf:,.0f} UF: agregue empresas al grupo.".replace(",", ".")))
    if errors:
        raise InvalidInput(errors)
    shares = shares_uf(ctx.volume_uf, capacities)
    members = [{"rut": rut, "share_uf": round(share, 2), "capacity_uf": round(capacity, 2)}
               for rut, share, capacity in zip(ruts, shares, capacities, strict=True)]
    values["volume_uf"] = ctx.volume_uf
    proposal = proposals_repo.create_group_proposal(graph, need_id, members, values, datetime.now(UTC).isoformat())
    return for_viewer(proposal, viewer)
