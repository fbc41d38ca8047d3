"""Cells safe to open in a spreadsheet: every CSV Encadena writes goes through ``safe_cell``, and an
import reads such a cell back with ``plain_cell``.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)`` in a need's title would become a live
link, or worse). Such cells get a leading apostrophe, which spreadsheets show as text and hide.
Plain numbers (``-12,5``) are left as they are.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
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


# A workbook's parts are stamped with this time, so the same rows give the same bytes.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str, created: datetime) -> bytes:
    """An Excel workbook (.xlsx) of one sheet: ``header`` then ``rows``, numbers as numbers.

    Text is always text (a title starting with ``=`` stays a title, never a formula), and the file is
    byte-for-byte the same for the same rows and ``created`` (its parts carry no other time).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    book.properties.creator = "Encadena"
    book.properties.created = book.properties.modified = created.replace(tzinfo=None)
    sheet = book.create_sheet(title[:31])

    def cell(value: Any) -> WriteOnlyCell:
        out = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            out.data_type = "s"  # openpyxl would take "=..." for a formula
        return out

    sheet.append([cell(h) for h in header])
    for row in rows:
        sheet.append([cell(v) for v in row])
    raw = io.BytesIO()
    book.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            stamped = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            stamped.compress_type = zipfile.ZIP_DEFLATED
            part = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the time of saving
                stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                part = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", part)
            target.writestr(stamped, part)
    return out.getvalue()
