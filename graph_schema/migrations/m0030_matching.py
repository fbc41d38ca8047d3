"""Ranker model artifacts and the lookups behind training (matching, issue 4).

Candidate generation itself needs no new index: it seeks ``Sector`` by code and ``Comuna`` by CUT
through the uniqueness constraints of migration 1 and walks relationships from there.
"""

VERSION = 30
DESCRIPTION = "Ranker model versions; proposal decision time for time-ordered training"

STATEMENTS = (
    "CREATE CONSTRAINT rankermodel_version_unique IF NOT EXISTS FOR (m:RankerModel) REQUIRE m.version IS UNIQUE",
    "CREATE INDEX ranker_model_promoted IF NOT EXISTS FOR (m:RankerModel) ON (m.promoted, m.created_at)",
    "CREATE INDEX proposal_decided_at IF NOT EXISTS FOR (p:Proposal) ON (p.decided_at)",
)
