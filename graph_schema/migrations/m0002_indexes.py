"""Indexes behind the API's filters, sort keys and the typo-tolerant firm search."""

VERSION = 2
DESCRIPTION = "Lookup indexes and full-text index on firm names and products"

STATEMENTS = (
    "CREATE INDEX firm_size_segment IF NOT EXISTS FOR (f:Firm) ON (f.size_segment)",
    "CREATE INDEX firm_name_key IF NOT EXISTS FOR (f:Firm) ON (f.name_key)",
    "CREATE INDEX comuna_name_key IF NOT EXISTS FOR (c:Comuna) ON (c.name_key)",
    "CREATE INDEX sector_level IF NOT EXISTS FOR (s:Sector) ON (s.level)",
    "CREATE INDEX need_status_created IF NOT EXISTS FOR (n:Need) ON (n.status, n.created_at)",
    "CREATE INDEX need_buyer IF NOT EXISTS FOR (n:Need) ON (n.buyer_rut)",
    "CREATE INDEX proposal_status IF NOT EXISTS FOR (p:Proposal) ON (p.status)",
    "CREATE INDEX project_kind IF NOT EXISTS FOR (p:Project) ON (p.kind)",
    "CREATE FULLTEXT INDEX firm_text IF NOT EXISTS FOR (f:Firm) ON EACH [f.name, f.products] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-folding'}}",
)
