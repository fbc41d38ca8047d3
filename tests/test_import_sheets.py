"""Import files beyond CSV text: Excel workbooks read as workbooks, other binary files refused with what to
do, the preview of a file's first rows, the template, and rejected rows written back to fix and import again.
Pure: the catalog comes from the packages, no database.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook

from matching.imports import ImportFileError, parse_import
from matching.imports.sheets import (
    LINE_COLUMN,
    REASON_COLUMN,
    TEMPLATE,
    preview_import,
    rejected_rows_csv,
    template_csv,
)
from matching.spreadsheets import plain_cell, safe_cell


def workbook_bytes(rows: list[list], title: str = "Empresas", extra_sheet: bool = False) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        book.create_sheet("Notas").append(["nada que importar"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = ["RUT", "Razón social", "Comuna", "CIIU", "Ventas UF", "Teléfono", "Observaciones"]


def test_an_excel_workbook_is_read_as_a_workbook(catalog):
    data = workbook_bytes([HEADER,
                           ["76.086.428-5", "Panadería La Espiga", "Rancagua", 1071, 850.5, "+56 9 5555 1234", "ok"],
                           [],
                           ["76.123.456-1", "Amasandería Mal Digitada", "Nunoa", 1071, 10, None, None]],
                          extra_sheet=True)
    parsed = parse_import(data, catalog)
    assert (parsed.format, parsed.sheet, parsed.sheets) == ("xlsx", "Empresas", 2)
    assert [(r.line, r.given["rut"], r.given["annual_sales_uf"], r.given["sectors"]) for r in parsed.rows] == [
        (2, "76086428-5", 850.5, ["1071"])]
    assert parsed.rows[0].given["phone"] == "+56 9 5555 1234"
    assert [(e.line, e.field, e.column) for e in parsed.errors] == [(4, "rut", "RUT")]  # the sheet's row number
    assert parsed.ignored_columns == ["Observaciones"]


def test_workbook_dates_and_booleans_read_as_a_csv_export_writes_them(catalog):
    from datetime import datetime

    data = workbook_bytes([["rut", "nombre", "comuna", "ciiu", "cooperativa", "certificaciones"],
                           ["76.086.428-5", "Cooperativa La Espiga", "Rancagua", "1071", True, "HACCP"]])
    given = parse_import(data, catalog).rows[0].given
    assert given["is_cooperative"] is True
    from matching.imports.workbook import _text
    assert _text(datetime(2027, 3, 31)) == "2027-03-31" and _text(1071.0) == "1071" and _text(False) == "no"


@pytest.mark.parametrize(("data", "says"), [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Excel antigua (.xls)"),
    (b"%PDF-1.7\n\x00\x01\x02 binario", "no es una planilla ni un texto"),
    (b"PK\x03\x04 no es un zip de verdad", "dañado o incompleto"),
], ids=["xls", "pdf", "broken-zip"])
def test_other_binary_files_are_refused_with_what_to_do_never_read_as_text(catalog, data, says):
    with pytest.raises(ImportFileError) as caught:
        parse_import(data, catalog)
    assert says in caught.value.errors[0].message
    assert caught.value.errors[0].field == "archivo"


def test_an_ods_or_another_zip_is_refused(catalog):
    for names, says in ((("mimetype", "content.xml"), "LibreOffice (.ods)"), (("word/document.xml",), "es un ZIP")):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name in names:
                archive.writestr(name, "x")
        with pytest.raises(ImportFileError) as caught:
            parse_import(out.getvalue(), catalog)
        assert says in caught.value.errors[0].message
        assert "CSV" in caught.value.errors[0].message


def test_the_template_has_every_column_and_its_example_row_imports_cleanly(catalog):
    data = template_csv()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the accents
    parsed = parse_import(data, catalog)
    assert parsed.delimiter == ";" and parsed.errors == [] and len(parsed.rows) == 1
    given = parsed.rows[0].given
    assert set(given) >= {"rut", "name", "comuna", "sectors", "annual_sales_uf", "supply_capacity_uf", "employees",
                          "owner_gender", "products", "certifications", "is_cooperative", "phone", "email"}
    assert given["annual_sales_uf"] == 850.5  # a decimal comma
    assert parsed.ignored_columns == [] and len(parsed.header) == len(TEMPLATE)


def test_the_preview_shows_recognized_and_ignored_columns_and_each_first_rows_errors(catalog):
    text = ("rut;razón social;comuna;ciiu;color favorito\n"
            "76.086.428-5;Panadería La Espiga;Rancagua;1071;azul\n"
            "76.123.456-1;Amasandería;Ñuñoaa;1071;rojo\n"
            + "".join(f"76.086.428-5;Otra {i};Rancagua;1071;\n" for i in range(30)))
    preview = preview_import(text.encode("cp1252"), catalog, limit=5)
    assert (preview.format, preview.encoding, preview.delimiter) == ("csv", "windows-1252", ";")
    assert [(c["header"], c["field"]) for c in preview.columns] == [
        ("rut", "rut"), ("razón social", "name"), ("comuna", "comuna"), ("ciiu", "sectors"),
        ("color favorito", None)]
    assert preview.data_rows == 32 and preview.exact_count
    assert [r.line for r in preview.rows] == [2, 3, 4, 5, 6]
    assert preview.rows[0].errors == []
    assert {e.field for e in preview.rows[1].errors} == {"rut", "comuna"}


def test_a_file_without_the_required_columns_cannot_be_previewed(catalog):
    with pytest.raises(ImportFileError) as caught:
        preview_import(b"nombre;comuna\nX;Rancagua\n", catalog)
    assert "Faltan columnas obligatorias: rut, ciiu (o sectores)" in caught.value.errors[0].message


def test_rejected_rows_come_back_with_every_cell_and_import_once_fixed(catalog):
    text = ("rut,nombre,comuna,ciiu,ventas_uf,telefono,notas\n"
            "76.086.428-5,Panadería Uno,Rancagua,1071,1234.5,+56 9 1111 1111,bien\n"
            "76.123.456-1,\"Hallullas Dos, Ltda.\",Rancagua,1071,12.5,+56 9 2222 2222,revisar\n")
    parsed = parse_import(text.encode(), catalog)
    assert [e.line for e in parsed.errors] == [3]
    out = rejected_rows_csv(text.encode(), parsed.errors)
    rows = list(csv.reader(io.StringIO(out.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["rut", "nombre", "comuna", "ciiu", "ventas_uf", "telefono", "notas", LINE_COLUMN,
                       REASON_COLUMN]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["nombre"] == "Hallullas Dos, Ltda." and row["ventas_uf"] == "12,5"  # decimal comma for Excel es-CL
    assert row["telefono"] == "'+56 9 2222 2222"  # formula-safe in a spreadsheet...
    assert row[LINE_COLUMN] == "3" and row[REASON_COLUMN].startswith("rut: El dígito verificador")
    fixed = parse_import(out.replace(b"76.123.456-1", b"76.123.456-0"), catalog)  # ...and read back as it was
    assert fixed.errors == [] and fixed.ignored_columns == ["notas", LINE_COLUMN, REASON_COLUMN]
    assert fixed.rows[0].given["phone"] == "+56 9 2222 2222" and fixed.rows[0].given["annual_sales_uf"] == 12.5


def test_rejected_rows_of_a_workbook_and_of_json_lines(catalog):
    data = workbook_bytes([HEADER, ["76.123.456-1", "Mala", "Rancagua", 1071, 10.25, None, None]])
    rows = list(csv.reader(io.StringIO(rejected_rows_csv(data, parse_import(data, catalog).errors)
                                       .decode("utf-8-sig")), delimiter=";"))
    assert rows[1][:5] == ["76.123.456-1", "Mala", "Rancagua", "1071", "10,25"] and rows[1][-2] == "2"
    lines = (b'{"rut": "76.123.456-1", "name": "Mala", "comuna": "Rancagua", "sectors": ["1071"], '
             b'"certifications": [{"code": "HACCP", "status": "valid", "valid_until": "2027-01-31"}]}\n'
             b"esto no es JSON\n")
    parsed = parse_import(lines, catalog)
    rows = list(csv.reader(io.StringIO(rejected_rows_csv(lines, parsed.errors).decode("utf-8-sig")), delimiter=";"))
    assert rows[1][:5] == ["76.123.456-1", "Mala", "Rancagua", "1071", "HACCP:valid:2027-01-31"]
    assert rows[2][-2] == "2" and "JSON" in rows[2][-1]


@pytest.mark.parametrize("value", ["=HYPERLINK(\"x\")", "+56 9 1234", "-x", "@SUM(A1)", "normal", "-12,5"])
def test_plain_cell_undoes_safe_cell(value):
    assert plain_cell(safe_cell(value)) == value
