"""Uniqueness constraints on every natural key of the graph model (DESIGN.md)."""

VERSION = 1
DESCRIPTION = "Uniqueness constraints on natural keys"

_KEYS = (
    ("Firm", "rut"),
    ("Buyer", "rut"),
    ("Sector", "code"),
    ("Comuna", "cut"),
    ("Province", "cut"),
    ("Region", "cut"),
    ("Certification", "code"),
    ("Need", "id"),
    ("Project", "id"),
    ("Alliance", "id"),
    ("Center", "id"),
    ("Advisor", "id"),
    ("Proposal", "id"),
    ("ApiKey", "id"),
    ("ApiKey", "hash"),
    ("SchemaMigration", "version"),
)

STATEMENTS = tuple(
    f"CREATE CONSTRAINT {label.lower()}_{prop}_unique IF NOT EXISTS "
    f"FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE"
    for label, prop in _KEYS
)
