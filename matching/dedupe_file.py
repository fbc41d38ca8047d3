"""Check a spreadsheet for possible duplicates before importing it: pairs of its own lines, best first.

``parse_import`` (``matching.imports``) rejects rows without a RUT, and a file from an office
that did not collect RUTs is exactly the kind worth checking. ``read_file_rows`` reads such files
leniently with the import's own pieces: its file reading (CSV, JSON lines or an Excel workbook),
column names (``IMPORT_COLUMNS``, via the same header mapping with only the name required) and
cell conversion (``_cells_to_record``, comuna names and ISIC codes resolved against the same
``Catalog``). A cell that cannot be read is left out of the comparison instead of rejecting the
row; a RUT that is missing or invalid is simply not compared. ``duplicates_in_rows`` runs duplicate
detection (``matching.dedupe``) over the rows, with the lines as a spreadsheet shows them (header
line 1, first record line 2).
``ImportRow``\\s from ``parse_import`` can be checked too (``FileRow.from_import_row``).

Pure: bytes and a catalog in, pairs out; ``encadena dedupe --file`` needs no database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from matching.catalog import Catalog
from matching.collector import cyclic_gc_paused
from matching.dedupe import DUPLICATE_THRESHOLD, FirmName, find_duplicates
from matching.errors import InvalidInput
from matching.imports import ImportRow, RowError, file_rows
from matching.imports.cells import _cells_to_record, _comuna_code, _restore_leading_zero

# A file to check needs names; everything else (RUT included) is compared when present.
CHECK_REQUIRED_COLUMNS = ("name",)
# Columns of the CSV that ``encadena dedupe --file`` writes.
PAIR_COLUMNS = ("left_line", "right_line", "score", "left_name", "right_name", "evidence")


@dataclass(frozen=True)
class FileRow:
    """What duplicate detection compares of one line of a file."""

    line: int
    name: str
    comuna: str | None = None
    sectors: tuple[str, ...] = ()
    phone: str | None = None
    email: str | None = None
    rut: str | None = None

    @classmethod
    def from_import_row(cls, row: ImportRow) -> FileRow:
        given = row.given
        return cls(row.line, given["name"], given.get("comuna"), tuple(given.get("sectors") or ()),
                   given.get("phone"), given.get("email"), row.rut)

    def firm_name(self) -> FirmName:
        return FirmName(str(self.line), self.name, self.comuna, self.sectors, self.phone, self.email, rut=self.rut)


@dataclass(frozen=True)
class FilePair:
    """A possible duplicate pair of lines (``left_line < right_line``) with its score and evidence."""

    left_line: int
    right_line: int
    score: float
    left_name: str
    right_name: str
    evidence: tuple[str, ...]
    cluster_size: int = 2

    def csv_row(self) -> tuple:
        return (self.left_line, self.right_line, f"{self.score:.1f}", self.left_name, self.right_name,
                " ".join(self.evidence))


@dataclass
class FileRows:
    """The rows read from a file, and the lines left out (no name) with why."""

    rows: list[FileRow] = field(default_factory=list)
    skipped: list[RowError] = field(default_factory=list)
    data_rows: int = 0


def _sector_codes(value, catalog: Catalog) -> tuple[str, ...]:
    codes = []
    for code in value if isinstance(value, list) else ():
        try:
            codes.append(catalog.resolve_sector(_restore_leading_zero(str(code), catalog), class_only=True).code)
        except InvalidInput:
            continue
    return tuple(dict.fromkeys(codes))


def read_file_rows(data: bytes, catalog: Catalog,
                   on_progress: Callable[[int, int], None] | None = None) -> FileRows:
    """Every line of an import-format file that has a name, leniently read (module docstring).

    Raises ``ImportFileError`` when the file cannot be read at all (encoding, no name column).
    """
    parsed, cells, lines = file_rows(data, CHECK_REQUIRED_COLUMNS)
    decimal_comma = parsed.delimiter == ";"
    out = FileRows()
    comunas: dict[str, str] = {}
    with cyclic_gc_paused():
        for line, values, _ in cells:
            out.data_rows += 1
            if on_progress is not None and out.data_rows % 1000 == 0:
                on_progress(line, lines)
            record, _ = _cells_to_record(values, decimal_comma)
            name = str(record.get("name") or "").strip()
            if len(name) < 2:
                out.skipped.append(RowError(line, "name", "La fila no tiene razón social; no se puede comparar."))
                continue
            comuna = None
            if record.get("comuna") is not None:
                code = _comuna_code(str(record["comuna"]), catalog, comunas)
                comuna = code if code in catalog.comunas else None
            phone, email, rut = record.get("phone"), record.get("email"), record.get("rut")
            out.rows.append(FileRow(line, name, comuna, _sector_codes(record.get("sectors"), catalog),
                                    str(phone) if phone else None, str(email) if email else None,
                                    str(rut) if rut else None))
    if on_progress is not None:
        on_progress(lines, lines)
    return out


def duplicates_in_rows(rows: Sequence[FileRow], *, threshold: float = DUPLICATE_THRESHOLD,
                       catalog: Catalog | None = None,
                       on_progress: Callable[[int, int], None] | None = None) -> list[FilePair]:
    """Possible duplicate pairs among the lines of one file, best first (then by line)."""
    by_line = {str(row.line): row for row in rows}
    matches = find_duplicates([row.firm_name() for row in rows], threshold=threshold, on_progress=on_progress,
                              adjacency=catalog.adjacency if catalog is not None else None)
    pairs = []
    for m in matches:
        left, right = sorted((by_line[m.left], by_line[m.right]), key=lambda r: r.line)
        pairs.append(FilePair(left.line, right.line, m.score, left.name, right.name, m.evidence, m.cluster_size))
    pairs.sort(key=lambda p: (-p.score, p.left_line, p.right_line))
    return pairs
