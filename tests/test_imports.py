"""Bulk imports against the real Neo4j: per-row errors, idempotency, merges by RUT, limits, roles, CLI.

Through the API an import is a job (202, then its report as the job's result); the session's worker runs it."""

from __future__ import annotations

import io
import json
import random
from datetime import UTC, datetime

from application.imports import import_firms
from graph_schema.reference import fetch_catalog
from matching.imports import parse_import
from tests.helpers import auth, count_nodes, make_rut, run_job

HEADER = ("rut;razón social;comuna;ciiu;ventas_uf;trabajadores;genero;productos;certificaciones;cooperativa;"
          "socia_de;telefono;email\n")
_SYLLABLES = ("ka", "lu", "mi", "to", "re", "sa", "pu", "no", "qui", "lla", "che", "hue", "rri", "ta", "ven", "dol")


def fresh_word(rng: random.Random | None = None) -> str:
    """A made-up place name, new to the database, so tests never collide with earlier runs."""
    return "".join((rng or random).choice(_SYLLABLES) for _ in range(5)).capitalize()


def dotted(rut: str) -> str:
    return f"{int(rut[:-2]):,}".replace(",", ".") + rut[-2:]


def post_import(client, key: str, text: str, *, encoding: str = "utf-8", content_type: str = "text/csv",
                **query):
    return client.post("/api/v1/imports/firms", data=text.encode(encoding), content_type=content_type,
                       query_string=query, headers=auth(key))


def import_report(client, key: str, text: str, **options) -> dict:
    """Post an import, follow its job to the end and return the import report (the job's result)."""
    job = run_job(client, key, post_import(client, key, text, **options))
    assert job["status"] == "done", job
    assert job["kind"] == "import" and job["progress"]["stage"] in ("write", "dedupe")
    return job["result"]


def snapshot(driver, ruts: list[str]) -> list:
    """Everything stored about these firms: properties, labels and every relationship with its properties."""
    records, _, _ = driver.execute_query(
        """
        UNWIND $ruts AS rut MATCH (f:Firm {rut: rut})
        RETURN f.rut AS rut, properties(f) AS props, labels(f) AS labels,
               [(f)-[r]-(o) | [type(r), startNode(r) = f, coalesce(o.rut, o.cut, o.code, o.id, o.pair_key),
                              properties(r)]] AS rels
        ORDER BY rut
        """, ruts=ruts)
    return [(r["rut"], r["props"], sorted(r["labels"]), sorted(r["rels"], key=repr)) for r in records]


def test_broken_row_is_reported_by_line_and_field_and_the_others_import(client, keys, driver):
    good_a, broken, good_b = make_rut(), make_rut(), make_rut()
    place = fresh_word()
    text = (HEADER
            + f"{good_a};Quesería {place};Rancagua;1050;120;3;F;quesos;;no;;;\n"
            + f"{broken};Panadería {place};Rancagua;9999;120;3;F;pan;;no;;;\n"
            + f"{good_b};Vivero {place};Machalí;0130;;;;;;;;;\n")
    report = import_report(client, keys["advisor"], text)
    assert (report["created"], report["rejected_rows"]) == (2, 1)
    [error] = report["rejected"]
    assert (error["line"], error["field"], error["column"], error["rut"]) == (3, "sectors.0", "ciiu", broken)
    assert "9999" in error["message"]
    found, _, _ = driver.execute_query("UNWIND $ruts AS rut MATCH (f:Firm {rut: rut}) RETURN collect(f.rut) AS ruts",
                                       ruts=[good_a, broken, good_b])
    assert sorted(found[0]["ruts"]) == sorted([good_a, good_b])


def test_importing_the_same_file_twice_changes_nothing(client, keys, driver):
    coop, member, other = make_rut(), make_rut(), make_rut()
    place = fresh_word()
    text = (HEADER
            + f"{coop};Cooperativa Campesina {place} Ltda.;Lumaco;0111|0149;5000;40;;granos;"
              f"BPA:valid:2027-01-31|ISO9001:in_progress;sí;;+56 45 221 3344;coop@{place.lower()}.cl\n"
            + f"{dotted(member)};Hortalizas {place} SpA;Lumaco;0113;150,5;2;M;lechugas;HACCP:vencida:2024-02-29;no;"
              f"{coop};;\n"
            + f"{other};Apícola {place} EIRL;Traiguén;0149;;;;miel;;;;;\n")
    first = import_report(client, keys["admin"], text)
    assert (first["created"], first["updated"], first["unchanged"]) == (3, 0, 0)
    before = snapshot(driver, [coop, member, other])
    nodes_before = count_nodes(driver)

    second = import_report(client, keys["admin"], text)
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 3)
    assert snapshot(driver, [coop, member, other]) == before
    assert count_nodes(driver) == nodes_before
    member_rels = {rel[0]: rel for rel in before[[s[0] for s in before].index(member)][3]}
    assert member_rels["MEMBER_OF"][2] == coop
    assert member_rels["HOLDS"][3]["status"] == "expired"


def test_rut_with_and_without_dots_is_one_firm_keeping_newest_non_empty_values(client, keys, driver):
    rut = make_rut()
    place = fresh_word()
    existing = client.post("/api/v1/firms", headers=auth(keys["advisor"]), json={
        "rut": rut, "name": f"Lácteos {place}", "sectors": ["1050"], "comuna": "Rancagua", "owner_gender": "F",
        "products": "yogur", "phone": "+56 72 222 3333",
    })
    assert existing.status_code == 201
    text = ("rut,nombre,comuna,ciiu,email,trabajadores\n"
            f"{dotted(rut)},Lácteos {place} Ltda.,Rancagua,1050,,4\n"
            f"{rut},Lácteos {place} Limitada,Rancagua,1050|1071,ventas@{place.lower()}.cl,\n")
    report = import_report(client, keys["advisor"], text)
    assert (report["created"], report["updated"], report["merged_by_rut"]) == (0, 1, 1)
    assert report["merged_by_rut_detail"] == [{"rut": rut, "lines": [2, 3]}]
    records, _, _ = driver.execute_query("MATCH (f:Firm {rut: $rut}) RETURN count(f) AS n", rut=rut)
    assert records[0]["n"] == 1
    firm = client.get(f"/api/v1/firms/{rut}", headers=auth(keys["advisor"])).json
    assert firm["name"] == f"Lácteos {place} Limitada"          # the later row's name
    assert [s["code"] for s in firm["sectors"]] == ["1050", "1071"]
    assert firm["employees"] == 4                                # only the first row had it
    assert firm["owner_gender"] == "F" and firm["products"] == "yogur"  # the file left them empty
    full, _, _ = driver.execute_query("MATCH (f:Firm {rut: $rut}) RETURN f.phone AS phone, f.email AS email", rut=rut)
    assert (full[0]["phone"], full[0]["email"]) == ("+56 72 222 3333", f"ventas@{place.lower()}.cl")


def test_file_where_every_row_is_broken_fails_its_job_with_the_row_errors(client, keys, driver):
    before = count_nodes(driver)
    text = HEADER + f"{make_rut()};Uno;Atlantida;1050;;;;;;;;;\n" + "12.345.678-9;Dos;Rancagua;1050;;;;;;;;;\n"
    job = run_job(client, keys["advisor"], post_import(client, keys["advisor"], text))
    assert job["status"] == "failed" and "Ninguna de las 2 filas" in job["error"]
    assert [(e["line"], e["field"]) for e in job["result"]["rejected"]] == [(2, "comuna"), (3, "rut")]
    assert count_nodes(driver) == before


def test_file_without_required_columns_is_422_naming_the_header(client, keys):
    resp = post_import(client, keys["advisor"], "rut;nombre;comuna\n76086428-5;X;Rancagua\n")
    assert resp.status_code == 422
    assert resp.json["errors"][0]["field"] == "encabezado"
    assert "ciiu" in resp.json["errors"][0]["message"]


def test_import_above_max_import_bytes_is_413_but_may_exceed_the_json_limit(app, client, keys, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 300)
    monkeypatch.setitem(app.config, "MAX_IMPORT_BYTES", 1500)
    place = fresh_word()
    rows = "".join(f"{make_rut()};Almacén {place} {i};Rancagua;4711;;;;;;;;;\n" for i in range(6))
    ok = post_import(client, keys["advisor"], HEADER + rows)
    assert ok.status_code == 202, ok.json
    too_big = post_import(client, keys["advisor"], HEADER + rows * 10)
    assert too_big.status_code == 413
    assert too_big.mimetype == "application/problem+json"
    assert "KB" in too_big.json["detail"]


def test_multipart_json_lines_upload(client, keys, driver):
    rut = make_rut()
    place = fresh_word()
    line = json.dumps({"rut": rut, "name": f"Conservas {place}", "comuna": "Castro", "sectors": ["1030"],
                       "certifications": [{"code": "HACCP", "status": "valid", "valid_until": "2027-03-31"}],
                       "owner_gender": "F"}, ensure_ascii=False)
    resp = client.post("/api/v1/imports/firms", headers=auth(keys["admin"]), content_type="multipart/form-data",
                       data={"file": (io.BytesIO(line.encode()), "empresas.jsonl")})
    job = run_job(client, keys["admin"], resp)
    assert job["params"]["file_name"] == "empresas.jsonl"
    assert job["result"]["file"]["format"] == "jsonl" and job["result"]["created"] == 1
    firm = client.get(f"/api/v1/firms/{rut}", headers=auth(keys["admin"])).json
    assert firm["certifications"][0]["valid_until"] == "2027-03-31"


def test_latin1_semicolon_body_as_spreadsheets_export_it(client, keys):
    rut = make_rut()
    text = HEADER + f"{dotted(rut)};Artesanías Ñandú {fresh_word()};Ñuñoa;1399;1.250,75;2;F;telar;;no;;;\n"
    report = import_report(client, keys["advisor"], text, encoding="latin-1")
    assert report["file"]["encoding"] == "windows-1252"
    firm = client.get(f"/api/v1/firms/{rut}", headers=auth(keys["advisor"])).json
    assert firm["name"].startswith("Artesanías Ñandú")
    assert firm["annual_sales_uf"] == 1250.75 and firm["comuna"]["name"] == "Ñuñoa"


def test_dry_run_reports_without_writing(client, keys, driver):
    before = count_nodes(driver)
    report = import_report(client, keys["advisor"],
                           HEADER + f"{make_rut()};Fletes {fresh_word()};Rancagua;4923;;;;;;;;;\n", dry_run="true")
    assert report["dry_run"] is True and report["created"] == 1
    assert count_nodes(driver) == before


def test_buyer_cannot_import_and_unknown_content_type_is_415(client, keys):
    text = HEADER + f"{make_rut()};X {fresh_word()};Rancagua;1050;;;;;;;;;\n"
    assert post_import(client, keys["buyer"], text).status_code == 403
    resp = post_import(client, keys["advisor"], text, content_type="application/pdf")
    assert resp.status_code == 415
    assert "text/csv" in resp.json["detail"]


def test_a_failing_batch_is_rolled_back_whole_and_the_others_stay(driver):
    """Cooperatives that are members of each other, split across batches, cannot be written: each
    failing batch is rolled back with its valid rows (c2, plain), and the next batch still lands."""
    c1, c2, c3, plain, last = make_rut(), make_rut(), make_rut(), make_rut(), make_rut()
    place = fresh_word()
    text = ("rut;nombre;comuna;ciiu;cooperativa;socia_de\n"
            f"{c1};Cooperativa Uno {place};Lumaco;0111;si;{c3}\n"
            f"{c2};Cooperativa Dos {place};Lumaco;0111;si;{c1}\n"
            f"{c3};Cooperativa Tres {place};Lumaco;0111;si;{c1}\n"
            f"{plain};Granos {place};Lumaco;0111;no;\n"
            f"{last};Semillas {place};Lumaco;0111;no;\n")
    parsed = parse_import(text.encode(), fetch_catalog(driver))
    report = import_firms(driver, parsed, now=datetime.now(UTC).isoformat(), batch_size=2)
    assert (report.batches, report.failed_batches, report.created) == (3, 2, 1)
    assert {(e.line, e.field) for e in report.rejected} == {(2, "lote"), (3, "lote"), (4, "lote"), (5, "lote")}
    assert "se deshizo completo" in report.rejected[0].reason
    found, _, _ = driver.execute_query("UNWIND $ruts AS rut MATCH (f:Firm {rut: rut}) RETURN collect(f.rut) AS ruts",
                                       ruts=[c1, c2, c3, plain, last])
    assert found[0]["ruts"] == [last]


def test_cli_import_with_dry_run_then_for_real(runner, driver, tmp_path):
    rut = make_rut()
    path = tmp_path / "empresas.csv"
    path.write_text(HEADER + f"{rut};Imprenta {fresh_word()};Talca;1811;300;5;M;;;no;;;\n", encoding="utf-8")
    dry = runner.invoke("import", "firms", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout.strip().splitlines()[-1])["created"] == 1
    assert "Resultado de la importación" in dry.output
    real = runner.invoke("import", "firms", str(path), "--report", str(tmp_path / "reporte.json"))
    assert real.exit_code == 0, real.output
    assert json.loads((tmp_path / "reporte.json").read_text(encoding="utf-8"))["created"] == 1
    records, _, _ = driver.execute_query("MATCH (f:Firm {rut: $rut}) RETURN f.source AS source", rut=rut)
    assert records[0]["source"] == "import:empresas.csv"


def test_openapi_documents_the_import_and_duplicate_endpoints(client):
    spec = client.get("/openapi.json").json
    body = spec["paths"]["/api/v1/imports/firms"]["post"]["requestBody"]["content"]
    assert {"text/csv", "application/x-ndjson", "multipart/form-data"} <= set(body)
    assert {"get"} <= set(spec["paths"]["/api/v1/duplicates"])
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/duplicates/{id}"])


def test_firm_created_by_an_import_is_stored_like_one_created_by_the_api(client, keys):
    api_rut, import_rut = make_rut(), make_rut()
    body = {"name": f"Lácteos {fresh_word()} SpA", "sectors": ["1050", "1071"], "comuna": "Rancagua",
            "is_cooperative": True, "annual_sales_uf": 150.5, "employees": 3, "owner_gender": "F",
            "products": "quesos", "phone": "+56 72 222 3344", "email": "ventas@lacteos.cl",
            "certifications": [{"code": "HACCP", "status": "valid", "valid_until": "2027-03-31"},
                               {"code": "BPM", "status": "in_progress"}]}
    assert client.post("/api/v1/firms", json={"rut": api_rut, **body}, headers=auth(keys["admin"])).status_code == 201
    line = json.dumps({"rut": import_rut, **body}, ensure_ascii=False)
    report = import_report(client, keys["admin"], line, content_type="application/x-ndjson")
    assert report["created"] == 1, report

    def stored(rut: str) -> dict:
        firm = client.get(f"/api/v1/firms/{rut}", headers=auth(keys["admin"])).json
        return {k: v for k, v in firm.items() if k not in ("rut", "created_at", "updated_at")}

    assert stored(import_rut) == stored(api_rut)


def test_empty_body_and_multipart_without_file_are_422(client, keys):
    empty = post_import(client, keys["advisor"], "")
    assert empty.status_code == 422 and empty.json["errors"][0]["field"] == "archivo"
    no_file = client.post("/api/v1/imports/firms", headers=auth(keys["advisor"]), content_type="multipart/form-data",
                          data={"nota": "sin archivo"})
    assert no_file.status_code == 422
    assert "file" in no_file.json["detail"]
