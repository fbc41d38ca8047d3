"""(ISIC class, comuna) cells: every firm's pairs of its classes and its comuna, as nodes.

Candidate selection asks "which firms of these classes are in these comunas, nearest first". A firm's
own relationships are not grouped by type, so checking one firm's comuna or sectors walks all of them
(~7 db hits), and at a million firms the walks read tens of thousands of firms outside the need's
area or tiers (issue 17: ~180,000 db hits per request). A ``Cell`` node per (class, comuna) pair that
has firms, keyed ``"<class>|<cut>"``, with ``(Firm)-[:IN_CELL]->(Cell)``, is a dense node listing
exactly those firms: reading a cell costs one index seek and about one db hit per firm it holds.

Cells are derived data: every writer of a firm's ``OPERATES_IN`` or ``LOCATED_IN`` keeps them in step
(``SYNC_CELLS`` after an upsert or a merge; the bulk CREATE paths create them with the firm), and
migration 130 builds them for firms written before. Buyers have no cells (they are never candidates).
"""

from __future__ import annotations

from typing import LiteralString

# Links firm ``f`` (bound) to the cell of each of its classes in its comuna, creating missing cells.
_LINK_CELLS: LiteralString = """
  MATCH (f)-[:LOCATED_IN]->(c:Comuna)
  MATCH (f)-[:OPERATES_IN]->(s:Sector)
  MERGE (x:Cell {key: s.code + '|' + c.cut})
  ON CREATE SET x.code = s.code, x.cut = c.cut
  MERGE (f)-[:IN_CELL]->(x)
"""

# The cells of firm ``f`` (bound) made equal to its classes x its comuna: stale links removed, missing
# ones created. Idempotent: a firm whose sectors and comuna did not change keeps its links.
SYNC_CELLS: LiteralString = """
CALL (f) {
  OPTIONAL MATCH (f)-[old:IN_CELL]->(x:Cell)
  WHERE NOT EXISTS { (f)-[:LOCATED_IN]->(:Comuna {cut: x.cut}) }
     OR NOT EXISTS { (f)-[:OPERATES_IN]->(:Sector {code: x.code}) }
  DELETE old
}
CALL (f) {""" + _LINK_CELLS + """}
"""

# For a bulk CREATE of firms collected as ``firms`` (a list bound in the query): ``$in_cell`` lists
# ``[key, class, cut, [positions of the firms in the cell]]`` (``cell_groups``).
CREATE_CELL_LINKS: LiteralString = """
CALL (firms) {
  UNWIND $in_cell AS group
  MERGE (x:Cell {key: group[0]})
  ON CREATE SET x.code = group[1], x.cut = group[2]
  WITH x, group
  UNWIND group[3] AS i
  WITH firms[i] AS f, x
  CREATE (f)-[:IN_CELL]->(x)
}
"""

# Migration 130: the cells of every firm already in the graph, in batches (an implicit transaction).
BUILD_ALL_CELLS: LiteralString = """
MATCH (f:Firm)
CALL (f) {""" + _LINK_CELLS + """} IN TRANSACTIONS OF 10000 ROWS
"""


def cell_key(code: str, cut: str) -> str:
    """The key of the cell of ISIC class ``code`` in comuna ``cut``."""
    return f"{code}|{cut}"


def cell_groups(comuna_of: list[str], sectors_of: list[list[str]]) -> list[list]:
    """``$in_cell`` for firms at positions 0..n-1 with these comunas and sectors (see ``CREATE_CELL_LINKS``)."""
    groups: dict[str, list] = {}
    for i, (cut, codes) in enumerate(zip(comuna_of, sectors_of, strict=True)):
        for code in dict.fromkeys(codes):
            key = cell_key(code, cut)
            group = groups.get(key)
            if group is None:
                group = groups[key] = [key, code, cut, []]
            group[3].append(i)
    return list(groups.values())
