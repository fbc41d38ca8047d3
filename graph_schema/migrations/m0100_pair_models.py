"""Pair models of duplicate detection learned from advisors' decisions (issue 15)."""

VERSION = 100
DESCRIPTION = "PairModel versions unique; the promoted one found by an index"

STATEMENTS = (
    "CREATE CONSTRAINT pairmodel_version_unique IF NOT EXISTS FOR (m:PairModel) REQUIRE m.version IS UNIQUE",
    "CREATE INDEX pair_model_promoted IF NOT EXISTS FOR (m:PairModel) ON (m.promoted, m.created_at)",
)
