"""No 500 on any input, and nothing lost when writers meet: nested JSON, driver errors, merges of firms
proposed for the same need, imports racing a PATCH or a merge, formulas in CSV cells, tampered models."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from datetime import UTC, datetime

import pytest

from application.imports import import_firms
from application.matching import ServedRanker
from graph_schema.imports import stored_ruts, write_batch
from matching.imports import merge_by_rut, parse_import
from matching.model_store import TamperedModel, pipeline_from_data, pipeline_to_data, sign, verified_pipeline
from matching.ranker import PRIOR_VERSION, learned_pipeline
from matching.spreadsheets import safe_cell, write_rows
from tests.domain import create_firm, create_need, ok
from tests.helpers import auth, make_rut, run_job
from tests.test_imports import HEADER, fresh_word, import_report

# -- malformed and hostile bodies ------------------------------------------------------------------

@pytest.mark.parametrize("body", ["[" * 50_000, "{\"a\":" * 30_000, "[" * 999 + "]" * 999],
                         ids=["arrays", "objects", "deep-but-parseable"])
def test_deeply_nested_json_is_a_400_not_a_500(client, keys, body):
    response = client.post("/api/v1/needs", data=body, content_type="application/json", headers=auth(keys["buyer"]))
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:200]
    assert response.mimetype == "application/problem+json"


def test_deeply_nested_json_line_is_a_row_error(client, keys):
    rut = make_rut()
    good = json.dumps({"rut": rut, "razon social": "Quesería Anidada", "comuna": "Rancagua", "ciiu": "1050"})
    text = good + "\n" + "{\"a\":" * 30_000 + "\n"
    response = client.post("/api/v1/imports/firms", data=text.encode(), content_type="application/x-ndjson",
                           headers=auth(keys["advisor"]))
    job = run_job(client, keys["advisor"], response)  # imports are jobs: the report is the job's result
    assert job["status"] == "done" and job["result"]["created"] == 1, job
    [error] = job["result"]["rejected"]
    assert error["line"] == 2 and "anidado" in error["message"]


def test_a_cursor_made_of_nested_json_is_refused_cleanly(client, keys):
    import base64

    cursor = base64.urlsafe_b64encode(b"[" * 300).decode().rstrip("=")
    response = client.get("/api/v1/needs", query_string={"cursor": cursor}, headers=auth(keys["advisor"]))
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize(("code", "status"), [
    ("Neo.ClientError.Statement.TypeError", 400),
    ("Neo.ClientError.Schema.ConstraintValidationFailed", 409),
    ("Neo.ClientError.Transaction.TransactionTimedOut", 503),
    ("Neo.ClientError.Security.Unauthorized", 503),
], ids=["type-error", "constraint", "timeout", "credentials"])
def test_database_errors_become_problems_not_500(app, keys, code, status):
    from flask_openapi3 import APIBlueprint
    from neo4j.exceptions import Neo4jError

    from service import create_app
    from service.auth import require

    fresh = create_app({**app.config, "TESTING": True})
    probe = APIBlueprint("probe_errors", __name__, url_prefix="/api/v1")

    @probe.get("/sonda-error")
    @require("advisor")
    def failing():
        raise Neo4jError._hydrate_neo4j(code=code, message="forced by the test")

    fresh.register_api(probe)
    response = fresh.test_client().get("/api/v1/sonda-error", headers=auth(keys["advisor"]))
    assert response.status_code == status
    assert response.mimetype == "application/problem+json" and response.json["detail"]


# -- merges of firms proposed for the same need -----------------------------------------------------

def _pair_between(driver, a: str, b: str) -> str:
    from graph_schema.duplicates import record_candidates_tx
    from matching.dedupe import Match

    left, right = sorted([a, b])
    with driver.session() as session:
        return session.execute_write(record_candidates_tx, [Match(left, right, 96.0, ("prueba",))],
                                     datetime.now(UTC).isoformat(), "scan")[0]["id"]


@pytest.fixture()
def twins_proposed(client, keys, driver):
    """Two records of one firm, both proposed for one need of buyer A."""
    a = create_firm(client, keys["advisor"], name="Panadería Los Aromos Ltda.", sectors=["1071"])
    b = create_firm(client, keys["advisor"], name="Panaderia Los Aromos", sectors=["1071"])
    need = create_need(client, keys["buyer"], keys["buyer_rut"], sectors=["1071"])["id"]
    proposals = {rut: ok(client.post(f"/api/v1/needs/{need}/proposals", json={"rut": rut, "note": rut},
                                     headers=auth(keys["advisor"])))["id"] for rut in (a, b)}
    return a, b, need, proposals, _pair_between(driver, a, b)


def test_merging_firms_proposed_for_the_same_need_keeps_the_decided_proposal(client, keys, driver, twins_proposed):
    a, b, need, proposals, pair = twins_proposed
    ok(client.post(f"/api/v1/proposals/{proposals[b]}/decision", json={"decision": "rejected", "reason": "precio"},
                   headers=auth(keys["buyer"])), 200)
    merged = client.post(f"/api/v1/duplicates/{pair}", json={"action": "merge", "keep": a},
                         headers=auth(keys["advisor"]))
    assert merged.status_code == 200, merged.json
    listed = client.get(f"/api/v1/needs/{need}/proposals", headers=auth(keys["buyer"])).json["items"]
    assert [(p["id"], p["firm"]["rut"], p["status"]) for p in listed] == [(proposals[b], a, "rejected")]
    records, _, _ = driver.execute_query("MATCH (m:FirmMerge {dropped_rut: $b}) RETURN m.merged_proposals AS n", b=b)
    assert records[0]["n"] == [f"{need}:{proposals[b]}:{proposals[a]}:pending/rejected"]


def test_merging_firms_the_buyer_told_apart_is_a_409_that_says_what_to_do(client, keys, driver, twins_proposed):
    a, b, need, proposals, pair = twins_proposed
    ok(client.post(f"/api/v1/proposals/{proposals[a]}/decision", json={"decision": "accepted"},
                   headers=auth(keys["buyer"])), 200)
    ok(client.post(f"/api/v1/proposals/{proposals[b]}/decision", json={"decision": "rejected"},
                   headers=auth(keys["buyer"])), 200)
    response = client.post(f"/api/v1/duplicates/{pair}", json={"action": "merge", "keep": a},
                           headers=auth(keys["advisor"]))
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert "distintas" in response.json["detail"] and need in response.json["detail"]
    assert client.get(f"/api/v1/firms/{b}", headers=auth(keys["advisor"])).status_code == 200  # nothing merged


# -- imports meet other writers --------------------------------------------------------------------

def test_an_import_racing_a_patch_loses_nothing(client, keys, driver, catalog):
    rut = create_firm(client, keys["advisor"], employees=4, products="pan amasado")
    patched = threading.Event()

    # A PATCH holds the firm's lock (uncommitted) while the import starts.
    session = driver.session()
    tx = session.begin_transaction()
    tx.run("MATCH (f:Firm {rut: $rut}) SET f.employees = 42, f.updated_at = datetime()", rut=rut).consume()
    parsed = parse_import((HEADER + f"{rut};Panadería Renombrada;Rancagua;1071;;;;;;;;;\n").encode(), catalog)
    result: dict = {}

    def run_import():
        result["report"] = import_firms(driver, parsed, now=datetime.now(UTC).isoformat(), source="race")
        patched.set()

    thread = threading.Thread(target=run_import)
    thread.start()
    time.sleep(1.5)
    assert not patched.is_set(), "the import waited for the PATCH's lock"
    tx.commit()
    session.close()
    thread.join(timeout=60)
    assert result["report"].updated == 1
    firm = client.get(f"/api/v1/firms/{rut}", headers=auth(keys["advisor"])).json
    assert firm["name"] == "Panadería Renombrada"  # the file's cell
    assert firm["employees"] == 42  # the PATCH, not overwritten by the import's older read
    assert firm["products"] == "pan amasado"  # a field the file left empty stays


def test_a_firm_merged_away_during_an_import_is_not_created_again(client, keys, driver, catalog):
    place = fresh_word()
    keep, drop = make_rut(), make_rut()
    text = (HEADER + f"{keep};Quesería {place} Ltda.;Rancagua;1050;;;;;;;;;\n"
            + f"{drop};Queseria {place};Rancagua;1050;;;;;;;;;\n")
    assert import_report(client, keys["advisor"], text)["created"] == 2
    # A second import of the same file begins: it learns which RUTs are stored...
    parsed = parse_import(text.encode(), catalog)
    firms = merge_by_rut(parsed.rows)
    known = stored_ruts(driver, [f.rut for f in firms])
    # ...then an advisor merges the pair before its batch is written.
    pair = _pair_between(driver, keep, drop)
    assert client.post(f"/api/v1/duplicates/{pair}", json={"action": "merge", "keep": keep},
                       headers=auth(keys["advisor"])).status_code == 200
    outcomes = write_batch(driver, firms, known, now=datetime.now(UTC).isoformat(), source="race", dry_run=False)
    assert not isinstance(outcomes, Exception)
    assert dict((state["rut"], outcome) for outcome, state in outcomes)[drop] == "skipped"
    assert client.get(f"/api/v1/firms/{drop}", headers=auth(keys["advisor"])).status_code == 404


# -- spreadsheets ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "expected"), [
    ("=HYPERLINK(\"http://x\",\"clic\")", "'=HYPERLINK(\"http://x\",\"clic\")"),
    ("+56 9 1234 5678", "'+56 9 1234 5678"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"), ("-12,5", "-12,5"), ("-0.1234", "-0.1234"),
    ("Quesos = leche", "Quesos = leche"), (3.5, 3.5),
], ids=["hyperlink", "plus", "minus-formula", "at", "tab", "cr", "negative-comma", "negative-dot", "inner", "number"])
def test_formula_cells_are_neutralized(cell, expected):
    assert safe_cell(cell) == expected
    out = io.StringIO()
    write_rows(out, ["a"], [[cell]])
    assert list(csv.reader(io.StringIO(out.getvalue(), newline="")))[1][0] == str(expected)


def test_a_need_titled_as_a_formula_is_text_in_the_report_csv(client, keys, driver, settings, tmp_path):
    from application.reports.render import CSV_ES_NAME, CSV_NAME, XLSX_NAME, write_all
    from application.reports.run import compute
    from graph_schema.reference import fetch_catalog
    from matching.reports import ReportParams

    buyer = make_rut()
    ok(client.post("/api/v1/buyers", json={"rut": buyer, "name": "Compradora Fórmulas", "comuna": "Rancagua"},
                   headers=auth(keys["advisor"])))
    create_need(client, keys["admin"], buyer, title="=HYPERLINK(\"http://malo.example\",\"Ver\")")
    data = compute(driver, settings, ReportParams(buyer=buyer), jobs=1)
    write_all(data, fetch_catalog(driver), tmp_path)
    rows = list(csv.reader(io.StringIO((tmp_path / CSV_NAME).read_text(encoding="utf-8-sig"))))
    titles = [row[3] for row in rows[1:]]
    assert titles and all(t.startswith("'=HYPERLINK") for t in titles)
    local = list(csv.reader(io.StringIO((tmp_path / CSV_ES_NAME).read_text(encoding="utf-8-sig")), delimiter=";"))
    assert [row[3] for row in local[1:]] == titles
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / XLSX_NAME).active
    cells = [row[3] for row in sheet.iter_rows(min_row=2)]
    assert cells and all(c.data_type == "s" and c.value.startswith("=HYPERLINK") for c in cells)  # text, not a formula


# -- models as signed data -------------------------------------------------------------------------

def _fitted():
    import numpy as np

    rng = np.random.default_rng(1)
    from matching.features import FEATURES

    x = rng.random((200, len(FEATURES)))
    y = (x[:, 0] + rng.random(200) * 0.3 > 0.6).astype(int)
    return learned_pipeline().fit(x, y), x


def test_a_model_round_trips_as_signed_data():
    import numpy as np

    model, x = _fitted()
    data = pipeline_to_data(model)
    again = verified_pipeline(json.dumps(data), sign(data, b"k" * 32), b"k" * 32)
    assert np.allclose(again.decision_function(x), model.decision_function(x))
    assert json.loads(json.dumps(data)) == data  # plain data, no code


@pytest.mark.parametrize("tamper", ["weights", "key", "signature", "shape", "missing"])
def test_a_tampered_model_is_refused(tamper):
    model, _ = _fitted()
    data = pipeline_to_data(model)
    signature, key = sign(data, b"k" * 32), b"k" * 32
    if tamper == "weights":
        data["coef"][0] += 1.0
    elif tamper == "key":
        key = b"z" * 32
    elif tamper == "signature":
        signature = "0" * 64
    elif tamper == "shape":
        data["coef"] = data["coef"][:-1]
        signature = sign(data, key)  # even a validly signed model of the wrong shape is refused
    with pytest.raises(TamperedModel):
        if tamper == "missing":
            verified_pipeline(None, None, key)
        elif tamper == "shape":
            pipeline_from_data(data)
        else:
            verified_pipeline(json.dumps(data), signature, key)


def test_a_promoted_model_tampered_in_neo4j_fails_closed_to_the_prior(driver):
    from graph_schema.models import save_model

    model, _ = _fitted()
    data = pipeline_to_data(model)
    key = b"s" * 32
    version = f"lr-test-{make_rut()}"
    tampered = dict(data, intercept=data["intercept"] + 5.0)
    save_model(driver, version=version, kind="learned", created_at=datetime.now(UTC).isoformat(),
               params_json=json.dumps(tampered), signature=sign(data, key), features=data["features"],
               training_size=200, decisions=10, metrics={}, weights={}, cutoff=None, promote=True)
    try:
        served = ServedRanker(key, recheck_seconds=0)
        assert served.get(driver).version == PRIOR_VERSION
        driver.execute_query("MATCH (m:RankerModel {version: $v}) SET m.params = $p", v=version, p=json.dumps(data))
        served.forget()
        assert served.get(driver).version == version  # the untouched data passes
    finally:
        driver.execute_query("MATCH (m:RankerModel {version: $v}) DETACH DELETE m", v=version)
