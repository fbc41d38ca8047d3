"""Checking a spreadsheet for duplicates before importing it: lenient reading, line numbers, the CLI without Neo4j."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from graph_schema.reference import package_catalog
from matching.dedupe_file import FileRow, duplicates_in_rows, read_file_rows
from matching.imports import ImportFileError, parse_import

# Header is line 1, the first record line 2, as a spreadsheet numbers them.
SHEET = """razón social;comuna;ciiu;teléfono;email;rut
Sociedad Agrícola Los Alerces Ltda.;Rancagua;0111;;;
Comercial El Maitén Ltda.;Rancagua;4630;;;
Soc. Agric. Los Alerces;Rancagua;;;;
Sociedad Agrícola El Maitén Ltda.;Rancagua;0111;;;
Inversiones Díaz S.A.;Rancagua;6810;;;76.086.428-5
Díaz S.p.A.;Rancagua;4100;;;96.790.240-3
Panadería Los Aromos;Machalí;1071;+56 9 8765 4321;;
PANADERIA LOS AROMOS;Rancagua;1071;987654321;;
Inv. Díaz SA;Rancagua;6810;;;76086428-5
""".encode()
EXPECTED_PAIRS = {(2, 4), (6, 10), (8, 9)}


@pytest.fixture(scope="module")
def catalog():
    return package_catalog()


def test_the_import_parser_rejects_rows_without_rut(catalog):
    parsed = parse_import(SHEET, catalog)
    assert [row.line for row in parsed.rows] == [6, 7, 10]
    assert {e.line for e in parsed.errors if e.field == "rut"} == {2, 3, 4, 5, 8, 9}


def test_rows_are_read_leniently_with_spreadsheet_line_numbers(catalog):
    read = read_file_rows(SHEET, catalog)
    assert [row.line for row in read.rows] == list(range(2, 11))
    alerces = read.rows[2]
    assert (alerces.name, alerces.comuna, alerces.sectors, alerces.rut) == \
        ("Soc. Agric. Los Alerces", "06101", (), None)
    assert read.rows[6].comuna == "06108" and read.rows[6].phone == "+56 9 8765 4321"
    assert read.rows[8].rut == "76086428-5"


def test_a_file_without_rut_column_and_with_odd_cells_is_still_checked(catalog):
    data = ("nombre,comuna,ciiu\nFerretería El Faro,Comuna Inexistente,4752\nFerreteria El Faro SpA,,475200\n"
            ",Rancagua,\n")
    read = read_file_rows(data.encode("cp1252"), catalog)
    assert [(r.line, r.comuna, r.sectors) for r in read.rows] == [(2, None, ("4752",)), (3, None, ("4752",))]
    assert [(e.line, e.field) for e in read.skipped] == [(4, "name")]
    [pair] = duplicates_in_rows(read.rows, catalog=catalog)
    assert (pair.left_line, pair.right_line) == (2, 3)


def test_a_file_without_names_cannot_be_checked(catalog):
    with pytest.raises(ImportFileError):
        read_file_rows(b"rut;comuna\n76086428-5;Rancagua\n", catalog)


def test_pairs_within_the_file_are_found_best_first_with_their_lines(catalog):
    pairs = duplicates_in_rows(read_file_rows(SHEET, catalog).rows, catalog=catalog)
    assert {(p.left_line, p.right_line) for p in pairs} == EXPECTED_PAIRS
    assert [p.score for p in pairs] == sorted((p.score for p in pairs), reverse=True)
    same_rut = next(p for p in pairs if (p.left_line, p.right_line) == (6, 10))
    assert (same_rut.left_name, same_rut.right_name) == ("Inversiones Díaz S.A.", "Inv. Díaz SA")
    assert "Mismo RUT (76.086.428-5)." in same_rut.evidence


def test_rows_from_the_import_parser_can_be_checked_too(catalog):
    data = ("rut;razón social;comuna;ciiu\n76086428-5;Comercial Los Peumos Ltda.;Rancagua;4630\n"
            "96790240-3;Com. Los Peumos;Rancagua;4630\n").encode()
    rows = [FileRow.from_import_row(row) for row in parse_import(data, catalog).rows]
    [pair] = duplicates_in_rows(rows, catalog=catalog)
    assert (pair.left_line, pair.right_line) == (2, 3)
    assert any(text.startswith("RUT distintos") for text in pair.evidence)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_dedupe_file_command_writes_the_pairs_without_neo4j(tmp_path):
    sheet = tmp_path / "empresas.csv"
    sheet.write_bytes(SHEET)
    out = tmp_path / "pares.csv"
    env = {**os.environ, "NEO4J_URI": f"bolt://127.0.0.1:{_closed_port()}"}
    encadena = Path(sys.executable).with_name("encadena")
    done = subprocess.run([str(encadena), "dedupe", "--file", str(sheet), "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["pairs"] == len(EXPECTED_PAIRS)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["left_line", "right_line", "score", "left_name", "right_name", "evidence"]
    assert {(int(r[0]), int(r[1])) for r in rows[1:]} == EXPECTED_PAIRS
    alerces = next(r for r in rows[1:] if r[:2] == ["2", "4"])
    assert alerces[3:5] == ["Sociedad Agrícola Los Alerces Ltda.", "Soc. Agric. Los Alerces"]
    assert float(alerces[2]) >= 50 and "Misma comuna." in alerces[5]


def test_dedupe_file_command_needs_an_output(tmp_path):
    from click.testing import CliRunner

    from scripts.cli import main

    sheet = tmp_path / "empresas.csv"
    sheet.write_bytes(SHEET)
    result = CliRunner().invoke(main, ["dedupe", "--file", str(sheet)])
    assert result.exit_code != 0 and "--out" in result.output
