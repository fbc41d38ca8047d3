"""One proposal per (need, firm), and the lookups behind proposals, alliances and newest-first lists."""

VERSION = 10
DESCRIPTION = "Unique proposal per need and firm; alliance and need lookup indexes"

STATEMENTS = (
    # Enforced by the database so that two concurrent proposals of the same firm cannot both land.
    "CREATE CONSTRAINT proposal_need_firm_unique IF NOT EXISTS "
    "FOR (p:Proposal) REQUIRE (p.need_id, p.firm_rut) IS UNIQUE",
    "CREATE INDEX alliance_proposal IF NOT EXISTS FOR (a:Alliance) ON (a.proposal_id)",
    "CREATE INDEX alliance_created IF NOT EXISTS FOR (a:Alliance) ON (a.created_at)",
    "CREATE INDEX need_created IF NOT EXISTS FOR (n:Need) ON (n.created_at)",
)
