"""The ranker's labeled history, read from the graph: decisions and alliances per need.

Labels (docs/graph-model.md): a decided proposal is 1 when accepted and 0 when rejected; an
alliance made by the program (not from a proposal) between a buyer and a firm is 1 for the
buyer's needs in the alliance's project posted before it, in the firm's ISIC division. Each need
is read as of just before its first proposal (or alliance), so nothing decided on it feeds its own
features.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import LiteralString

from neo4j import Driver, RoutingControl

from graph_schema.candidates import fetch_candidates, fetch_firms, fetch_need_context, planner_counts
from matching.candidates import CANDIDATE_CAP, PlannerCounts, plan_need, search_area
from matching.catalog import Catalog
from matching.evaluation import NeedHistory
from matching.features import need_context

DECISIONS: LiteralString = """
MATCH (p:Proposal)-[:FOR]->(n:Need)
WHERE p.status IN ['accepted', 'rejected'] AND p.decided_at IS NOT NULL
MATCH (p)-[:OF]->(f:Firm)
RETURN n.id AS need_id, f.rut AS rut, p.status = 'accepted' AS accepted,
       coalesce(p.created_at, p.decided_at).epochSeconds AS proposed, p.decided_at.epochSeconds AS decided
ORDER BY decided, need_id, rut
"""

# A program alliance is evidence for the buyer's needs in the same project, posted before it, that
# ask for what the firm makes (a need sector in the firm's ISIC division, or its section).
PROGRAM_ALLIANCES: LiteralString = """
MATCH (b:Buyer)-[:PARTY_TO]->(a:Alliance)<-[:PARTY_TO]-(f:Firm)
WHERE a.proposal_id IS NULL AND a.created_at IS NOT NULL
MATCH (a)-[:PART_OF]->(project:Project)
MATCH (b)-[:POSTED]->(n:Need {project_id: project.id})
WHERE n.created_at <= a.created_at AND EXISTS {
  MATCH (n)-[:IN_SECTOR]->(wanted:Sector), (f)-[:OPERATES_IN]->(made:Sector)
  WHERE left(made.code, 2) = left(wanted.code, 2) OR wanted.code = made.section
}
RETURN n.id AS need_id, f.rut AS rut, true AS accepted, a.created_at.epochSeconds AS proposed,
       a.created_at.epochSeconds AS decided
ORDER BY decided, need_id, rut
"""


def labeled_rows(driver: Driver) -> list[dict]:
    """Decisions and program alliances, oldest first (a proposal wins over an alliance for the same firm)."""
    decisions, _, _ = driver.execute_query(DECISIONS, routing_=RoutingControl.READ)
    alliances, _, _ = driver.execute_query(PROGRAM_ALLIANCES, routing_=RoutingControl.READ)
    proposed = {(r["need_id"], r["rut"]) for r in decisions}
    rows = [dict(r) for r in decisions]
    rows += [dict(r) for r in alliances if (r["need_id"], r["rut"]) not in proposed]
    rows.sort(key=lambda r: (r["decided"], r["need_id"], r["rut"]))
    return rows


def load_histories(driver: Driver, catalog: Catalog, progress=None) -> list[NeedHistory]:
    """One ``NeedHistory`` per need with labels: context and candidates as of its first proposal.

    ``progress(done, total)`` is called after each need (for progress bars).
    """
    by_need: dict[str, list[dict]] = defaultdict(list)
    for row in labeled_rows(driver):
        by_need[row["need_id"]].append(row)
    histories = []
    counts = planner_counts(driver)
    for done, (need_id, rows) in enumerate(by_need.items(), start=1):
        history = load_history(driver, catalog, need_id, rows, counts)
        if history is not None:
            histories.append(history)
        if progress:
            progress(done, len(by_need))
    return histories


def load_history(driver: Driver, catalog: Catalog, need_id: str, rows: list[dict],
                 counts: PlannerCounts | None = None) -> NeedHistory | None:
    """A need's candidates as the matches endpoint would have listed them just before its first proposal.

    ``counts`` (``graph_schema.candidates.planner_counts``) plan the query; without them the
    reference query runs. The result is the same either way.
    """
    found = fetch_need_context(driver, need_id)
    if found is None or not found["need"].get("comuna"):
        return None
    as_of = min(r["proposed"] for r in rows) - 1.0
    ctx = need_context(found, as_of=as_of)
    area = search_area(catalog, ctx.comuna, ctx.radius_km, ctx.sectors)
    candidates = fetch_candidates(
        driver, codes=area.codes, tiers=area.tiers, cuts=area.cuts, km=area.km, required=list(ctx.required),
        mandatory=ctx.mandatory, today=datetime.fromtimestamp(as_of, UTC).date(), cap=CANDIDATE_CAP,
        plan=plan_need(area, counts, ctx.required, ctx.mandatory) if counts else None,
    )
    labels = {r["rut"]: int(r["accepted"]) for r in rows}
    present = {c["rut"] for c in candidates}
    candidates += fetch_firms(driver, sorted(set(labels) - present))
    return NeedHistory(
        context=ctx, candidates=candidates, tiers=area.tiers, labels=labels,
        first_decided_at=min(r["decided"] for r in rows),
        decided_at={r["rut"]: float(r["decided"]) for r in rows},
    )
