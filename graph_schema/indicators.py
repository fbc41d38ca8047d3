"""The program's indicators, read from the graph: the figures DESIGN.md reports for 2025.

``program_indicators(driver)`` returns a plain, JSON-ready dict (see its docstring for every key).
``encadena stats`` prints it beside DESIGN.md's reference figures; batch reports and the indicators page
reuse it, the page for one region or center too.
Pass ``demo_only=True`` to count only the nodes the demo data set created (``demo: true``).
"""

from __future__ import annotations

from collections import Counter
from typing import LiteralString

from neo4j import ManagedTransaction

from graph_schema.driver import Graph

# Every statement takes $demo_only (when true, only nodes marked demo: true are counted) and the scope:
# $all (no region or center asked for) or $centers, the ids of the centers in scope. A project, and
# the alliances and needs of it, belong to the center that runs it; advisory sessions to the advisor's
# center; a firm to a region by its comuna, to a center by its advisers and its projects' alliances.
SCOPE_CENTERS: LiteralString = """
MATCH (c:Center) WHERE ($region IS NULL OR c.region_cut = $region) AND ($center IS NULL OR c.id = $center)
RETURN collect(c.id) AS ids
"""

PROJECTS_BY_KIND: LiteralString = """
MATCH (p:Project) WHERE (NOT $demo_only OR p.demo = true)
  AND ($all OR EXISTS { (p)-[:RUN_BY]->(c:Center) WHERE c.id IN $centers })
RETURN p.kind AS kind, count(*) AS n ORDER BY kind
"""

ALLIANCES: LiteralString = """
MATCH (a:Alliance) WHERE (NOT $demo_only OR a.demo = true)
  AND ($all OR EXISTS { (a)-[:PART_OF]->(:Project)-[:RUN_BY]->(c:Center) WHERE c.id IN $centers })
RETURN count(a) AS total,
       count(CASE WHEN a.origin = 'proposal' THEN 1 END) AS from_proposals,
       count(CASE WHEN EXISTS { (a)-[:PART_OF]->(:Project) } THEN 1 END) AS in_projects
"""

# Participating firms: firms party to at least one alliance (in scope), read from the alliances' side.
PARTICIPANTS: LiteralString = """
MATCH (a:Alliance)<-[:PARTY_TO]-(f:Firm)
WHERE (NOT $demo_only OR (a.demo = true AND f.demo = true))
  AND ($all OR EXISTS { (a)-[:PART_OF]->(:Project)-[:RUN_BY]->(c:Center) WHERE c.id IN $centers })
WITH DISTINCT f
RETURN count(f) AS total,
       count(CASE WHEN f.size_segment STARTS WITH 'micro' THEN 1 END) AS micro,
       count(CASE WHEN f.size_segment = 'micro_1' THEN 1 END) AS micro_1,
       count(CASE WHEN f.owner_gender = 'F' THEN 1 END) AS women,
       count(CASE WHEN f.owner_gender = 'M' THEN 1 END) AS men,
       count(CASE WHEN coalesce(f.owner_gender, 'unknown') = 'unknown' THEN 1 END) AS unknown_gender,
       count(CASE WHEN f:Cooperative THEN 1 END) AS cooperatives,
       collect(coalesce(f.size_segment, 'sin_ventas')) AS segments
"""

# Sessions overall, and with clients in projects (firms party to an alliance of a project in scope).
ADVISORY: LiteralString = """
MATCH (adv:Advisor)-[r:ADVISED]->(f:Firm)
WHERE (NOT $demo_only OR (adv.demo = true AND f.demo = true))
  AND ($all OR EXISTS { (adv)-[:WORKS_AT]->(c:Center) WHERE c.id IN $centers })
WITH f, sum(r.sessions) AS sessions, sum(r.hours) AS hours
WITH f, sessions, hours,
     EXISTS { (f)-[:PARTY_TO]->(:Alliance)-[:PART_OF]->(p:Project)
              WHERE $all OR EXISTS { (p)-[:RUN_BY]->(c:Center) WHERE c.id IN $centers } } AS in_project
RETURN count(f) AS clients, sum(sessions) AS sessions, sum(hours) AS hours,
       count(CASE WHEN in_project THEN 1 END) AS project_clients,
       sum(CASE WHEN in_project THEN sessions ELSE 0 END) AS project_sessions,
       sum(CASE WHEN in_project THEN hours ELSE 0.0 END) AS project_hours
"""

# Firms in scope: a region's by their comuna; a center's by their advisers and projects' alliances.
CERTIFICATIONS: LiteralString = """
MATCH (f:Firm)-[h:HOLDS]->(:Certification)
WHERE (NOT $demo_only OR f.demo = true)
  AND ($region IS NULL OR $center IS NOT NULL
       OR EXISTS { (f)-[:LOCATED_IN]->(co:Comuna) WHERE co.region_cut = $region })
  AND ($center IS NULL
       OR EXISTS { (f)<-[:ADVISED]-(:Advisor)-[:WORKS_AT]->(c:Center) WHERE c.id IN $centers }
       OR EXISTS { (f)-[:PARTY_TO]->(:Alliance)-[:PART_OF]->(:Project)-[:RUN_BY]->(c:Center) WHERE c.id IN $centers })
RETURN h.status AS status, count(*) AS n ORDER BY status
"""

NEEDS: LiteralString = """
MATCH (n:Need) WHERE (NOT $demo_only OR n.demo = true)
  AND ($all OR EXISTS { MATCH (:Project {id: n.project_id})-[:RUN_BY]->(c:Center) WHERE c.id IN $centers })
RETURN n.status AS status, count(*) AS n ORDER BY status
"""

PROPOSALS: LiteralString = """
MATCH (p:Proposal) WHERE (NOT $demo_only OR p.demo = true)
  AND ($all OR EXISTS { MATCH (p)-[:FOR]->(n:Need) MATCH (:Project {id: n.project_id})-[:RUN_BY]->(c:Center)
                        WHERE c.id IN $centers })
RETURN p.status AS status, count(*) AS n ORDER BY status
"""

# The network is counted nationally, except the centers and advisors in scope.
NETWORK: LiteralString = """
CALL () { MATCH (c:Center) WHERE (NOT $demo_only OR c.demo = true) AND ($all OR c.id IN $centers)
          RETURN count(c) AS centers, count(CASE WHEN c.kind = 'cdn_cooperativas' THEN 1 END) AS cooperative_centers,
                 count(DISTINCT c.region_cut) AS regions }
CALL () { MATCH (a:Advisor) WHERE (NOT $demo_only OR a.demo = true)
            AND ($all OR EXISTS { (a)-[:WORKS_AT]->(c:Center) WHERE c.id IN $centers })
          RETURN count(a) AS advisors }
CALL () { MATCH (b:Buyer) WHERE NOT $demo_only OR b.demo = true RETURN count(b) AS buyers }
CALL () { MATCH (f:Firm) WHERE NOT $demo_only OR f.demo = true
          RETURN count(f) AS firms, count(CASE WHEN f:Cooperative THEN 1 END) AS cooperatives }
CALL () { MATCH (m:Firm)-[:MEMBER_OF]->(c:Cooperative) WHERE NOT $demo_only OR c.demo = true
          RETURN count(DISTINCT m) AS cooperative_members }
RETURN centers, cooperative_centers, regions, advisors, buyers, firms, cooperatives, cooperative_members
"""


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _indicators_tx(tx: ManagedTransaction, demo_only: bool, region: str | None, center: str | None) -> dict:
    everything = region is None and center is None
    centers = [] if everything else tx.run(SCOPE_CENTERS, region=region, center=center).single(strict=True)["ids"]

    def rows(statement: LiteralString) -> list[dict]:
        return tx.run(statement, demo_only=demo_only, all=everything, centers=centers, region=region,
                      center=center).data()

    def one(statement: LiteralString) -> dict:
        return rows(statement)[0]

    by_kind = {r["kind"]: r["n"] for r in rows(PROJECTS_BY_KIND)}
    alliances = one(ALLIANCES)
    firms = one(PARTICIPANTS)
    advisory = one(ADVISORY)
    certifications = {r["status"]: r["n"] for r in rows(CERTIFICATIONS)}
    needs = {r["status"]: r["n"] for r in rows(NEEDS)}
    proposals = {r["status"]: r["n"] for r in rows(PROPOSALS)}
    network = one(NETWORK)

    segments = Counter(firms.pop("segments"))
    known = firms["women"] + firms["men"]
    accepted, rejected = proposals.get("accepted", 0), proposals.get("rejected", 0)
    return {
        "projects": {"total": sum(by_kind.values()), "by_kind": by_kind},
        "alliances": alliances,
        "participating_firms": {
            **firms,
            "micro_share": _share(firms["micro"], firms["total"]),
            "micro_1_share_of_micro": _share(firms["micro_1"], firms["micro"]),
            "women_share": _share(firms["women"], firms["total"]),
            "women_share_known": _share(firms["women"], known),
            "unknown_gender_share": _share(firms["unknown_gender"], firms["total"]),
            "by_segment": dict(sorted(segments.items())),
        },
        "advisory": {
            "clients": advisory["clients"],
            "sessions": advisory["sessions"] or 0,
            "hours": round(advisory["hours"] or 0.0, 1),
            "project_clients": advisory["project_clients"],
            "project_sessions": advisory["project_sessions"] or 0,
            "project_hours": round(advisory["project_hours"] or 0.0, 1),
        },
        "certifications": {status: certifications.get(status, 0) for status in ("valid", "in_progress", "expired")},
        "needs": {"open": needs.get("open", 0), "closed": needs.get("closed", 0)},
        "proposals": {
            "pending": proposals.get("pending", 0),
            "accepted": accepted,
            "rejected": rejected,
            "decided": accepted + rejected,
            "acceptance_rate": _share(accepted, accepted + rejected),
        },
        "network": network,
        "scope": {"region": region, "center": center, "centers": len(centers) if not everything else None},
    }


def program_indicators(driver: Graph, *, demo_only: bool = False, region: str | None = None,
                       center: str | None = None) -> dict:
    """The program's indicators as a plain dict, read in one transaction; nationally, or for one region
    (CUT) or one center (id) as the statements above define scope.

    Keys:

    - ``projects``: ``total`` and ``by_kind`` (cadena_productiva_local, red_proveedores, ...).
    - ``alliances``: ``total``, ``from_proposals`` (origin "proposal"), ``in_projects``.
    - ``participating_firms`` (firms party to an alliance): ``total``, ``micro``, ``micro_1``,
      ``women``, ``men``, ``unknown_gender``, ``cooperatives`` and the shares ``micro_share``,
      ``micro_1_share_of_micro``, ``women_share`` (over all), ``women_share_known`` (over F and M),
      ``unknown_gender_share`` (0-1, or None when there is nothing to divide by), and ``by_segment``
      (participating firms per SII segment, ``sin_ventas`` when none is recorded).
    - ``advisory``: ``clients``, ``sessions``, ``hours`` over the whole network; ``project_clients``,
      ``project_sessions``, ``project_hours`` for firms party to an alliance of a project.
    - ``certifications``: holdings by status (``valid``, ``in_progress``, ``expired``).
    - ``needs``: ``open`` and ``closed``.
    - ``proposals``: ``pending``, ``accepted``, ``rejected``, ``decided`` and ``acceptance_rate``.
    - ``network``: ``centers``, ``cooperative_centers``, ``regions`` (with a center), ``advisors``,
      ``buyers``, ``firms``, ``cooperatives``, ``cooperative_members`` (centers and advisors in scope,
      the rest national).
    - ``scope``: ``region``, ``center`` and how many ``centers`` the scope holds (None: national).
    """
    with driver.session(default_access_mode="READ") as session:
        return session.execute_read(_indicators_tx, demo_only, region, center)
