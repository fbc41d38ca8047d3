"""Possible duplicate firms and the record of merges (bulk import and entity resolution, issue 5)."""

VERSION = 40
DESCRIPTION = "Duplicate candidates (unique pair key) and firm merges"

STATEMENTS = (
    "CREATE CONSTRAINT duplicatecandidate_id_unique IF NOT EXISTS "
    "FOR (d:DuplicateCandidate) REQUIRE d.id IS UNIQUE",
    # One node per pair of RUTs, whatever finds the pair again: a decided pair stays decided.
    "CREATE CONSTRAINT duplicatecandidate_pair_key_unique IF NOT EXISTS "
    "FOR (d:DuplicateCandidate) REQUIRE d.pair_key IS UNIQUE",
    "CREATE INDEX duplicatecandidate_status_score IF NOT EXISTS FOR (d:DuplicateCandidate) ON (d.status, d.score)",
    "CREATE CONSTRAINT firmmerge_id_unique IF NOT EXISTS FOR (m:FirmMerge) REQUIRE m.id IS UNIQUE",
    # Imports look up whether a RUT was merged away before re-creating it.
    "CREATE INDEX firmmerge_dropped_rut IF NOT EXISTS FOR (m:FirmMerge) ON (m.dropped_rut)",
)
