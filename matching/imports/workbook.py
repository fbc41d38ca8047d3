"""Files that are not text: an Excel workbook (.xlsx) read as one, anything else refused with what to do.

Excel's own format is a ZIP of XML parts; decoding it as Latin-1 "works" and yields garbage, so the
bytes are recognized first (``kind``): an ``.xlsx`` is read with openpyxl (its active sheet, header
in the first non-empty row, cached values of formulas), an old ``.xls``, another ZIP (LibreOffice's
``.ods``, a Word file) or any other binary file is refused with a Spanish message that says how to
save it as CSV. Cells come out as the text a CSV export would hold (numbers with a decimal point,
dates as ``AAAA-MM-DD``, booleans as sí/no), so every row then goes through the same validation.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any, Literal

from matching.errors import FieldError
from matching.imports.reading import ImportFileError, ParsedFile, map_header

FileKind = Literal["xlsx", "text"]

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003) and other old Office files
# Text never holds NUL bytes except as UTF-16, whose byte-order mark ``decode`` reads.
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A workbook whose parts unpack to more than this is refused (a ZIP bomb, or far beyond any import).
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
# Bytes looked at to tell text from binary.
SNIFF_BYTES = 4096

SAVE_AS_CSV = ("Ábralo en Excel o LibreOffice y use «Guardar como» → «CSV UTF-8 (delimitado por comas)» "
               "(o CSV separado por punto y coma), y vuelva a enviarlo.")


def _refuse(message: str) -> ImportFileError:
    return ImportFileError(FieldError("archivo", message))


def kind(data: bytes) -> FileKind:
    """``xlsx`` for an Excel workbook, ``text`` for what ``decode`` should read; ``ImportFileError``
    for any other binary file (old .xls, .ods, PDF, images...), saying how to save it as CSV."""
    head = data[:SNIFF_BYTES]
    if head.startswith(_ZIP):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile as exc:
            raise _refuse("El archivo parece una planilla comprimida pero está dañado o incompleto. "
                          + SAVE_AS_CSV) from exc
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names and "mimetype" in names:
            raise _refuse("El archivo es una planilla de LibreOffice (.ods), que no se lee directamente. "
                          + SAVE_AS_CSV)
        raise _refuse("El archivo es un ZIP, no una planilla de Excel (.xlsx) ni un CSV. " + SAVE_AS_CSV)
    if head.startswith(_OLE2):
        raise _refuse("El archivo es una planilla de Excel antigua (.xls), que no se lee directamente. Ábrala en "
                      "Excel y guárdela como «Libro de Excel (.xlsx)» o como «CSV UTF-8 (delimitado por comas)», "
                      "y vuelva a enviarla.")
    if b"\x00" in head and not head.startswith(_UTF16_BOMS):
        raise _refuse("El archivo no es una planilla ni un texto (¿un PDF, una imagen o un documento?). Envíe "
                      "una planilla de Excel (.xlsx), un CSV o un archivo JSON lines con las columnas de la "
                      "plantilla.")
    return "text"


def _text(value: Any) -> str:
    """A cell as a CSV export would write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.15g}"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def _open(data: bytes):
    from openpyxl import load_workbook

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise _refuse(f"La planilla ocupa {unpacked // (1024 * 1024)} MB sin comprimir, más de lo que se importa "
                      "de una vez; divídala en varios archivos y envíelos uno a uno.")
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged workbook
        raise _refuse(f"No se pudo leer la planilla de Excel ({type(exc).__name__}). " + SAVE_AS_CSV) from exc


def xlsx_rows(data: bytes, parsed: ParsedFile, required: tuple[str, ...],
              ) -> Iterator[tuple[int, dict[str, Any], dict[str, str]]]:
    """The active sheet's rows as ``(row number, {field: cell text}, {field: header})``, like a CSV's."""
    book = _open(data)
    try:
        sheet = book.active
        if sheet is None:
            raise _refuse("La planilla no tiene hojas con datos. " + SAVE_AS_CSV)
        parsed.sheet = sheet.title
        parsed.sheets = len(book.sheetnames)
        header_of: dict[str, str] = {}
        columns: list[tuple[int, str]] | None = None
        for number, row in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = [_text(v) for v in row]
            if not "".join(cells).strip():
                continue
            if columns is None:
                parsed.header = cells
                by_index, header_of, parsed.ignored_columns = map_header(cells, required)
                columns = sorted(by_index.items())
                continue
            values = {name: cells[i] for i, name in columns if i < len(cells) and cells[i]}
            yield number, values, header_of
        if columns is None:
            raise _refuse(f"La hoja «{sheet.title}» de la planilla está vacía.")
    finally:
        book.close()


def xlsx_row_count(data: bytes) -> int:
    """Rows of the active sheet as the workbook declares them (header included; may count blank rows)."""
    book = _open(data)
    try:
        sheet = book.active
        return int(sheet.max_row or 0) if sheet is not None else 0
    finally:
        book.close()
