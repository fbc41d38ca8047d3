"""Drop the two Firm indexes no query reads (each one costs every firm write an index update).

``firm_size_segment``: the size filters are written ``$sizes IS NULL OR f.size_segment IN $sizes``
(optional parameters), which the planner cannot turn into an index seek, and the candidate
query's ``size_segment <> 'grande'`` is a filter on firms already reached. ``firm_name_key``:
firm search goes through the ``firm_text`` full-text index and duplicate detection compares names
in Python, so nothing looks firms up by folded name. Bulk imports and demo data write faster
without them.
"""

VERSION = 70
DESCRIPTION = "Drop unread Firm indexes (size_segment, name_key)"

STATEMENTS = (
    "DROP INDEX firm_size_segment IF EXISTS",
    "DROP INDEX firm_name_key IF EXISTS",
)
