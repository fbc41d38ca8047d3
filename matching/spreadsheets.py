"""Cells safe to open in a spreadsheet: every CSV Encadena writes goes through ``safe_cell``, and an
import reads such a cell back with ``plain_cell``.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)`` in a need's title would become a live
link, or worse). Such cells get a leading apostrophe, which spreadsheets show as text and hide.
Plain numbers (``-12,5``) are left as they are.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` unless it is text a spreadsheet would run as a formula; then ``"'" + value``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def plain_cell(text: str) -> str:
    """The inverse of ``safe_cell`` for a cell read back: ``"'+56 9 5555 1234"`` -> ``"+56 9 5555 1234"``.

    A file Encadena wrote (rejected rows to fix) comes back with those apostrophes; only one that
    ``safe_cell`` would have added (before a formula character) is removed.
    """
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


def write_rows(fh: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = ",") -> None:
    """A CSV with ``header`` and ``rows``, every cell through ``safe_cell``."""
    # CRLF as RFC 4180 and Excel write it; fields with either character are then quoted.
    writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in header])
    writer.writerows([safe_cell(c) for c in row] for row in rows)
