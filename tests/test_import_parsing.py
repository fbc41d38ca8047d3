"""Reading import files (pure): encodings, separators, headers, cells and per-row errors, no database."""

from __future__ import annotations

import json

import pytest

from matching.imports import ImportFileError, merge_by_rut, parse_certifications, parse_import, parse_number

SPANISH_HEADER = "RUT;Razón Social;Comuna;CIIU;ventas_uf;trabajadores;género;productos;certificaciones;cooperativa\n"


def test_semicolon_latin1_spreadsheet_export(catalog):
    text = (SPANISH_HEADER
            + "76.086.428-5;Quesería Ñuñoa Ltda.;Ñuñoa;105000;1.234,5;12;F;quesos;HACCP:vigente:31/03/2027;no\n")
    parsed = parse_import(text.encode("cp1252"), catalog)
    assert (parsed.format, parsed.encoding, parsed.delimiter) == ("csv", "windows-1252", ";")
    [row] = parsed.rows
    assert row.line == 2
    assert row.given == {
        "rut": "76086428-5", "name": "Quesería Ñuñoa Ltda.", "comuna": "13120", "sectors": ["1050"],
        "annual_sales_uf": 1234.5, "size_segment": "micro_3", "employees": 12, "owner_gender": "F",
        "products": "quesos", "certifications": [{"code": "HACCP", "status": "valid", "valid_until": "2027-03-31"}],
        "is_cooperative": False,
    }


def test_comma_utf8_with_bom_and_english_headers(catalog):
    text = ("rut,name,comuna,sectors,annual_sales_uf,employees,owner_gender,certifications,member_of,phone,email\n"
            '76086428-5,"Panadería Los Aromos, SpA",Rancagua,1071|4721,150.5,3,M,'
            '"BPM:in_progress|ISO9001:expired:2024-01-31",,+56 9 1234 5678,ventas@aromos.cl\n')
    parsed = parse_import(b"\xef\xbb\xbf" + text.encode("utf-8"), catalog)
    assert (parsed.encoding, parsed.delimiter) == ("utf-8-sig", ",")
    [row] = parsed.rows
    assert row.given["name"] == "Panadería Los Aromos, SpA"
    assert row.given["sectors"] == ["1071", "4721"]
    assert row.given["annual_sales_uf"] == 150.5
    assert row.given["certifications"] == [
        {"code": "BPM", "status": "in_progress", "valid_until": None},
        {"code": "ISO9001", "status": "expired", "valid_until": "2024-01-31"},
    ]
    assert "member_of" not in row.given  # an empty cell leaves the stored value alone


def test_json_lines_with_typed_values(catalog):
    lines = [
        {"rut": "76086428-5", "razon_social": "Apícola Flor del Valle", "comuna": 6101, "ciiu": [149],
         "ventas_uf": 80, "cooperativa": True, "certificaciones": "ORGANICO_SAG"},
        {"rut": "12.345.678-5", "name": "Sin comuna", "sectors": ["0149"]},
    ]
    data = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines).encode()
    parsed = parse_import(data, catalog)
    assert parsed.format == "jsonl"
    [row] = parsed.rows
    assert row.given["comuna"] == "06101" and row.given["sectors"] == ["0149"] and row.given["is_cooperative"]
    assert [(e.line, e.field) for e in parsed.errors] == [(2, "comuna")]


def test_broken_row_reports_every_bad_field_with_line_and_column(catalog):
    text = (SPANISH_HEADER
            + "76086428-5;Buena;Rancagua;1050;;;;;;\n"
            + "11111111-2;X;Nowhere;9999;mucho;;Z;;ISO 1234:valid;quizás\n"
            + "12345678-5;Otra Buena;Machalí;0149;;;;;;\n")
    parsed = parse_import(text.encode(), catalog)
    assert [r.line for r in parsed.rows] == [2, 4]
    bad = {(e.line, e.field, e.column) for e in parsed.errors}
    assert bad == {
        (3, "rut", "RUT"), (3, "name", "Razón Social"), (3, "comuna", "Comuna"), (3, "sectors.0", "CIIU"),
        (3, "annual_sales_uf", "ventas_uf"), (3, "owner_gender", "género"), (3, "is_cooperative", "cooperativa"),
        (3, "certifications.0.code", "certificaciones"),
    }
    rut_error = next(e for e in parsed.errors if e.field == "rut")
    assert "dígito verificador" in rut_error.reason


def test_line_numbers_count_multiline_cells_and_blank_lines(catalog):
    text = ('rut;name;comuna;sectors;productos\n\n'
            '76086428-5;Uno;Rancagua;1050;"quesos\nyogur"\n'
            '11111111-2;Dos;Rancagua;1050;\n')
    parsed = parse_import(text.encode(), catalog)
    assert parsed.rows[0].line == 3
    assert {e.line for e in parsed.errors} == {5}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "vacío"),
        ("rut;nombre;comuna\n76086428-5;X;Rancagua\n", "ciiu"),
        ("rut;nombre;razón social;comuna;ciiu\n", "indican lo mismo"),
        ("rut;nombre;comuna;ciiu\n", "no tiene filas"),
    ],
    ids=["empty", "missing-sector-column", "two-name-columns", "header-only"],
)
def test_unreadable_files_are_one_clear_error(catalog, text, message):
    with pytest.raises(ImportFileError) as info:
        parse_import(text.encode(), catalog)
    assert message in info.value.detail


@pytest.mark.parametrize(
    ("text", "decimal_comma", "value"),
    [("1.234,5", True, 1234.5), ("150,5", True, 150.5), ("1.234", True, 1234.0), ("1.234", False, 1.234),
     ("1,234.5", False, 1234.5), ("1.234.567", False, 1234567.0), ("200", False, 200.0)],
    ids=["es-thousands-decimal", "es-decimal", "es-thousands", "en-decimal", "en-thousands-decimal",
         "many-dots", "plain"],
)
def test_numbers_as_spreadsheets_write_them(text, decimal_comma, value):
    assert parse_number(text, decimal_comma) == value


def test_certification_cells_accept_spanish_statuses_and_chilean_dates():
    assert parse_certifications("HACCP:valid:2027-03-31|ISO9001:in_progress; APL:en trámite:1/6/2026") == [
        {"code": "HACCP", "status": "valid", "valid_until": "2027-03-31"},
        {"code": "ISO9001", "status": "in_progress", "valid_until": None},
        {"code": "APL", "status": "in_progress", "valid_until": "2026-06-01"},
    ]


def test_repeated_rut_merges_with_later_filled_cells_winning(catalog):
    text = ("rut;nombre;comuna;ciiu;telefono;email\n"
            "76.086.428-5;Nombre Viejo;Rancagua;1050;+56 9 1111 1111;\n"
            "76086428-5;Nombre Nuevo;Rancagua;1050;;contacto@x.cl\n")
    [firm] = merge_by_rut(parse_import(text.encode(), catalog).rows)
    assert firm.lines == (2, 3)
    assert firm.given["name"] == "Nombre Nuevo"
    assert firm.given["phone"] == "+56 9 1111 1111"
    assert firm.given["email"] == "contacto@x.cl"


# -- the fast path for plainly valid rows agrees with validate_row ---------------------------------

def _typed(value):
    """Values with their types, so 12 and 12.0 or True and 1 do not compare equal."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


VALID_CELLS = {
    "rut": "76086428-5", "name": "Quesería Ñuñoa Ltda.", "comuna": "Ñuñoa", "sectors": "1050",
}


@pytest.mark.parametrize("cells", [
    {},
    {"rut": "760864285"},
    {"rut": "1000005-k"},
    {"rut": "1000005-K"},
    {"comuna": "13120"},
    {"comuna": "nunoa"},
    {"sectors": "105000|1071;1050"},
    {"sectors": "149"},
    {"annual_sales_uf": "1.234,5", "employees": "12"},
    {"annual_sales_uf": "0", "employees": "0"},
    {"annual_sales_uf": "1000000000", "employees": "1000000"},
    {"owner_gender": "mujer", "is_cooperative": "Sí", "products": "quesos, yogur"},
    {"certifications": "HACCP:vigente:31/03/2027|iso 9001:en trámite|HACCP:expired:2020-01-31"},
    {"certifications": "haccp"},
    {"phone": "+56 9 1234 5678", "email": "ventas@queseria.cl"},
    {"member_of": "65.000.000-5;65000000-5"},
    {"member_of": "65000000-5|70000000-1"},
], ids=lambda cells: ",".join(cells) or "required-only")
def test_fast_path_gives_what_validate_row_gives_for_valid_rows(catalog, cells):
    from matching.imports import FastRows, validate_row

    values = {**VALID_CELLS, **cells}
    slow, errors = validate_row(values, catalog, decimal_comma=True)
    fast = FastRows(catalog, decimal_comma=True).row(values)
    assert not errors
    if fast is not None:  # None is allowed (validate_row decides), wrong answers are not
        assert _typed(fast) == _typed(slow)


@pytest.mark.parametrize("cells", [
    {"rut": "76086428-4"}, {"rut": "76.086.428-5"}, {"rut": "12"}, {"rut": "abc"},
    {"name": "Q"}, {"name": "Q" * 201}, {"comuna": "Ñuñoaa"}, {"comuna": "99999"},
    {"sectors": "01"}, {"sectors": "9999"}, {"sectors": ";"}, {"sectors": "|".join(["1050"] * 11)},
    {"annual_sales_uf": "-1"}, {"annual_sales_uf": "mucho"}, {"annual_sales_uf": "nan"},
    {"annual_sales_uf": "1000000001"}, {"employees": "2,5"}, {"employees": "1000001"}, {"employees": "inf"},
    {"owner_gender": "otro"}, {"is_cooperative": "quizás"}, {"products": "x" * 4001}, {"phone": "1" * 41},
    {"email": "ventas@queseria"}, {"email": "ventas @queseria.cl"},
    {"certifications": "XYZ:valid"}, {"certifications": "HACCP:quizás"}, {"certifications": "HACCP:valid:2027-02-30"},
    {"certifications": "HACCP:valid:mañana"}, {"certifications": ":valid"},
    {"member_of": "76086428-5"}, {"member_of": "65000000-7"},
], ids=lambda cells: ",".join(f"{k}={v[:12]}" for k, v in cells.items()))
def test_fast_path_leaves_every_doubtful_row_to_validate_row(catalog, cells):
    from matching.imports import FastRows, validate_row

    values = {**VALID_CELLS, **cells}
    slow, errors = validate_row(values, catalog, decimal_comma=True)
    fast = FastRows(catalog, decimal_comma=True).row(values)
    if errors:
        assert fast is None
    elif fast is not None:
        assert _typed(fast) == _typed(slow)


def test_fast_path_agrees_with_validate_row_on_the_benchmark_file(catalog):
    from matching.imports import FastRows, ParsedFile, _csv_rows, validate_row
    from scripts.bench_dedupe import make_import_csv

    text = make_import_csv(2000, 3, 1_000_000).decode()
    fast = FastRows(catalog, decimal_comma=True)
    taken = 0
    for _, values, _ in _csv_rows(text, ParsedFile("csv", "utf-8", None)):
        slow, errors = validate_row(values, catalog, decimal_comma=True)
        quick = fast.row(values)
        assert not errors
        assert quick is not None
        assert _typed(quick) == _typed(slow)
        taken += 1
    assert taken == 2000


def test_plain_rut_check_digit_is_python_stdnum_s(catalog):
    from stdnum.cl import rut as stdnum_rut

    from matching.rut import plain_rut

    for number in [1_000_000, 5_123_457, 9_999_999, 10_000_000, 76_086_428, 99_999_999, *range(12_345_000, 12_345_400)]:
        digit = stdnum_rut.calc_check_digit(str(number))
        assert plain_rut(f"{number}-{digit}") == f"{number}-{digit}"
        wrong = "0" if digit != "0" else "1"
        assert plain_rut(f"{number}-{wrong}") is None
