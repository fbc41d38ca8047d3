"""(ISIC class, comuna) cells for candidate selection at a million firms (issue 17; graph_schema/cells.py)."""

from graph_schema.cells import BUILD_ALL_CELLS

VERSION = 130
DESCRIPTION = "Cell per (ISIC class, comuna) with its firms (IN_CELL), key unique; built for every firm"

STATEMENTS = (
    "CREATE CONSTRAINT cell_key_unique IF NOT EXISTS FOR (x:Cell) REQUIRE x.key IS UNIQUE",
    BUILD_ALL_CELLS,
)
