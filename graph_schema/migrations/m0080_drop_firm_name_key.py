"""Remove the folded-name property from firms: nothing reads it since migration 70 dropped its index.

Firm search goes through the ``firm_text`` full-text index (which folds accents itself) and
duplicate detection folds names in Python, so ``Firm.name_key`` was one more property for every
firm write to store (and one more fold per imported row). Regions, provinces, comunas and buyers
keep theirs: comunas are looked up by it.
"""

VERSION = 80
DESCRIPTION = "Remove Firm.name_key (unread)"

STATEMENTS = (
    "MATCH (f:Firm) WHERE f.name_key IS NOT NULL REMOVE f.name_key",
)
