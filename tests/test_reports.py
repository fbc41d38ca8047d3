"""Batch recommendation reports on a real Neo4j: the demo data set (``tests.helpers``) plus needs seeded here.

The seeded buyer has three open needs: one in Isla de Pascua in a sector nobody supplies (a supply
gap), one whose HACCP is mandatory where three firms hold it only in progress (a certification
gap), and an ordinary one. The produced PNGs (first PDF page, one chart) are kept in
tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from application.reports.render import CSV_ES_NAME, CSV_NAME, HTML_NAME, PDF_NAME, XLSX_NAME, write_all
from application.reports.run import compute
from graph_schema.reference import fetch_catalog
from matching.explain import number
from matching.reports import ReportParams
from tests.helpers import auth, load_demo, make_rut
from tests.matching_seed import cleanup, firm, seed_buyer, seed_firms, seed_need, tag_for

AS_OF = 1_795_000_000.0  # 2026-11-18, fixed so that two runs compare byte for byte
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="module")
def demo(driver):
    """The demo data set (``tests.helpers.load_demo``)."""
    return load_demo(driver)


@pytest.fixture(scope="module")
def seeded(driver, demo):
    catalog = demo
    tag = tag_for(random.Random())
    pascua = catalog.resolve_comuna("Isla de Pascua").cut
    ollague = catalog.resolve_comuna("Ollagüe").cut
    buyer = seed_buyer(driver, tag, catalog.resolve_comuna("Rancagua").cut)
    haccp = [{"code": "HACCP", "status": "valid", "valid_until": "2030-01-01"}]
    pending = [{"code": "HACCP", "status": "in_progress", "valid_until": "2026-12-15"}]
    firms = [firm(make_rut(), ollague, name=f"Quesería {i} {tag}", certifications=haccp if i < 2 else pending,
                  products="quesos frescos de cabra y yogur", owner_gender="F" if i % 2 else "M")
             for i in range(5)]
    seed_firms(driver, firms, tag)
    needs = {
        "gap": seed_need(driver, tag, buyer, pascua, sectors=("0170",), radius_km=5.0,
                         title="Trampeo de conejos en Rapa Nui", description="Control de conejos", index=0),
        "cert": seed_need(driver, tag, buyer, ollague, sectors=("1050",), radius_km=5.0, required=("HACCP",),
                          mandatory=True, title="Quesos de cabra para el campamento",
                          description="Quesos frescos de cabra y yogur", index=1),
        "plain": seed_need(driver, tag, buyer, ollague, sectors=("1050",), radius_km=30.0, index=2),
    }
    yield {"tag": tag, "buyer": buyer, "needs": needs, "firms": [f["rut"] for f in firms]}
    cleanup(driver, tag)


@pytest.fixture(scope="module")
def demo_buyer(driver, demo):
    """The demo buyer with the most open needs: a scope no other test writes into."""
    records, _, _ = driver.execute_query(
        "MATCH (n:Need {status: 'open'}) WHERE n.demo = true "
        "RETURN n.buyer_rut AS rut, count(*) AS n ORDER BY n DESC, rut LIMIT 1")
    assert records, "the demo data set has open needs"
    return records[0]["rut"]


def _csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


class _Links(HTMLParser):
    """Every URL an HTML page would load or link to."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data", "action") and value is not None:
                self.urls.append(value)
            if name == "style" and value:
                self.style += value

    def handle_data(self, data):
        if self._in_style:
            self.style += data

    def handle_endtag(self, tag):
        self._in_style = False


@pytest.fixture(scope="module")
def demo_report(driver, settings, demo_buyer, tmp_path_factory):
    """The demo buyer's report, written sequentially."""
    out = tmp_path_factory.mktemp("demo-report")
    data = compute(driver, settings, ReportParams(buyer=demo_buyer), jobs=1, as_of=AS_OF)
    write_all(data, fetch_catalog(driver), out)
    return data, out


def test_every_open_need_in_scope_appears(driver, demo_buyer, demo_report):
    data, out = demo_report
    records, _, _ = driver.execute_query(
        "MATCH (b:Buyer {rut: $rut})-[:POSTED]->(n:Need) WHERE n.status = 'open' RETURN n.id AS id ORDER BY id",
        rut=demo_buyer)
    expected = [r["id"] for r in records]
    assert expected and [n["id"] for n in data.needs] == expected
    rows = _csv(out / CSV_NAME)
    assert sorted({r["id_necesidad"] for r in rows}) == expected
    html = (out / HTML_NAME).read_text(encoding="utf-8")
    assert all(need_id in html for need_id in expected)
    # One row per need and recommended candidate, ranks 1..k in order.
    for need_id in expected:
        ranks = [r["lugar"] for r in rows if r["id_necesidad"] == need_id and r["lugar"]]
        assert ranks == [str(i) for i in range(1, len(ranks) + 1)]
        assert len(ranks) <= 5


def test_indicators_equal_encadena_stats(demo_report, runner):
    data, out = demo_report
    result = runner.invoke("stats", "--json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)["indicators"]
    assert data.indicators == stats
    html = (out / HTML_NAME).read_text(encoding="utf-8")
    row = re.search(r"<td>Alianzas estratégicas</td><td class=\"n\">([^<]*)</td>", html)
    assert row and row.group(1) == number(stats["alliances"]["total"])
    row = re.search(r"<td>Proyectos de encadenamiento</td><td class=\"n\">([^<]*)</td>", html)
    assert row and row.group(1) == number(stats["projects"]["total"])


def test_html_loads_nothing_from_outside(demo_report):
    _, out = demo_report
    html = (out / HTML_NAME).read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(html)
    assert parser.urls, "the page embeds its charts"
    for url in parser.urls:
        assert url.startswith("data:image/png;base64,"), url[:80]
    assert not re.search(r"url\(", parser.style)
    assert not re.search(r"@import|<script|<link|<iframe", html, re.IGNORECASE)
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", html, re.IGNORECASE)


def test_pdf_first_page_renders_to_png(demo_report):
    _, out = demo_report
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "report-page"
    subprocess.run([shutil.which("pdftoppm") or "pdftoppm", "-f", "1", "-l", "1", "-r", "80", "-png",
                    "-singlefile", str(out / PDF_NAME), str(target)], check=True, timeout=60)
    png = ARTIFACTS / "report-page.png"
    assert png.exists() and png.stat().st_size > 20_000
    pixels = imread(png)
    assert pixels.shape[0] > 800 and float(np.std(pixels)) > 0.05, "the page is not blank"
    shutil.copyfile(out / "participacion.png", ARTIFACTS / "chart-participacion.png")


def test_shares_in_the_report_match_the_csv(demo_report):
    data, out = demo_report
    rows = [r for r in _csv(out / CSV_NAME) if r["lugar"]]
    recommended = data.summary["shares"]["recommended"]
    assert recommended.n == len(rows)
    assert recommended.micro == sum(r["tamaño"].startswith("micro") for r in rows)
    assert recommended.cooperative == sum(r["cooperativa"] == "sí" for r in rows)


def test_supply_and_certification_gaps(driver, settings, seeded, tmp_path):
    data = compute(driver, settings, ReportParams(buyer=seeded["buyer"]), jobs=1, as_of=AS_OF)
    assert [n["id"] for n in data.needs] == sorted(seeded["needs"].values())
    gaps = {g["need"]["id"]: g for g in data.summary["supply_gaps"]["needs"]}
    gap = gaps[seeded["needs"]["gap"]]
    assert gap["level"] == "sin_candidatos" and gap["considered"] == 0 and gap["message"]
    by_region = {r["key"]: r for r in data.summary["supply_gaps"]["by_region"]}
    assert by_region["05"]["sin_candidatos"] >= 1  # Isla de Pascua lies in Valparaíso
    by_sector = {r["key"]: r for r in data.summary["supply_gaps"]["by_sector"]}
    assert by_sector["01"]["sin_candidatos"] >= 1
    # HACCP: two firms hold it valid (the only candidates), three have it in progress.
    cert_need = data.results[seeded["needs"]["cert"]]
    assert {c["rut"] for c in cert_need.response["candidates"]} <= set(seeded["firms"][:2])
    change = {c.code: c for c in cert_need.cert_changes}["HACCP"]
    assert set(change.entering) == set(seeded["firms"][2:])
    haccp = {r["code"]: r for r in data.summary["certification_gaps"]}["HACCP"]
    assert haccp["needs_changed"] >= 1 and haccp["firms_entering"] >= 3
    paths = write_all(data, fetch_catalog(driver), tmp_path)
    html = (tmp_path / HTML_NAME).read_text(encoding="utf-8")
    assert "Trampeo de conejos en Rapa Nui" in html.split("Necesidades con brecha de oferta")[1].split("<h2>")[0]
    assert {p.name for p in paths} >= {CSV_NAME, HTML_NAME, PDF_NAME, "brechas_region.png"}
    rows = _csv(tmp_path / CSV_NAME)
    assert [r for r in rows if r["id_necesidad"] == seeded["needs"]["gap"]][0]["lugar"] == ""
    # The same rows for Excel in Chile: semicolons and decimal commas; and as a workbook with numbers.
    local = list(csv.DictReader(io.StringIO((tmp_path / CSV_ES_NAME).read_text(encoding="utf-8-sig")), delimiter=";"))
    assert [r["rut"] for r in local] == [r["rut"] for r in rows]
    assert [r["puntaje"] for r in local] == [r["puntaje"].replace(".", ",") for r in rows]
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / XLSX_NAME, read_only=True).active
    book = list(sheet.iter_rows(values_only=True))
    assert list(book[0]) == list(rows[0])
    assert [(r[6], r[9]) for r in book[1:] if r[6] is not None] == [
        (int(r["lugar"]), float(r["puntaje"])) for r in rows if r["lugar"]]


def test_parallel_output_equals_sequential(driver, settings, demo_buyer, tmp_path):
    catalog = fetch_catalog(driver)
    outputs = []
    for jobs in (1, 2):
        data = compute(driver, settings, ReportParams(buyer=demo_buyer), jobs=jobs, as_of=AS_OF, chunk_size=1)
        write_all(data, catalog, tmp_path / f"jobs-{jobs}")
        outputs.append(tmp_path / f"jobs-{jobs}")
    sequential, parallel = outputs
    names = sorted(p.name for p in sequential.iterdir())
    assert names == sorted(p.name for p in parallel.iterdir())
    for name in names:
        assert (parallel / name).read_bytes() == (sequential / name).read_bytes(), name


def test_cli_writes_the_report_and_rejects_bad_filters(runner, seeded, tmp_path):
    result = runner.invoke("report", "--buyer", seeded["buyer"], "--top", "3", "--jobs", "1", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert sorted({r["id_necesidad"] for r in _csv(tmp_path / CSV_NAME)}) == sorted(seeded["needs"].values())
    bad = runner.invoke("report", "--region", "Atlántida", "--out", str(tmp_path / "x"))
    assert bad.exit_code == 2 and "--region" in bad.output and "Atlántida" in bad.output
    bad = runner.invoke("report", "--top", "0", "--out", str(tmp_path / "x"))
    assert bad.exit_code == 2 and "--top" in bad.output


@pytest.mark.parametrize(("body", "field"), [
    ({"region": "Atlántida"}, "region"),
    ({"center": "Centro inexistente"}, "center"),
    ({"project_type": "cadena_larga"}, "project_type"),
    ({"buyer": "12.345.678-0"}, "buyer"),
    ({"top": 0}, "top"),
    ({"top": 500}, "top"),
    ({"colour": "red"}, "colour"),
], ids=["region", "center", "project-type", "buyer-rut", "top-zero", "top-large", "unknown-field"])
def test_bad_filters_are_422_naming_the_field(client, keys, body, field):
    response = client.post("/api/v1/reports", json=body, headers=auth(keys["advisor"]))
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in [e["field"] for e in problem["errors"]]


def test_unregistered_buyer_is_422(client, keys):
    response = client.post("/api/v1/reports", json={"buyer": make_rut()}, headers=auth(keys["admin"]))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "buyer"


def test_buyers_cannot_start_reports(client, keys):
    assert client.post("/api/v1/reports", json={}, headers=auth(keys["buyer"])).status_code == 403
    assert client.get("/api/v1/reports/rep_000000000000", headers=auth(keys["buyer"])).status_code == 403


def test_api_job_completes_and_serves_files(client, keys, seeded):
    headers = auth(keys["advisor"])
    started = client.post("/api/v1/reports", json={"buyer": seeded["buyer"], "top": 3}, headers=headers)
    assert started.status_code == 202, started.get_json()
    job = started.get_json()
    assert job["status"] in ("queued", "running") and job["id"].startswith("rep_") and job["kind"] == "report"
    assert started.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    deadline = time.monotonic() + 180
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(1)
        job = client.get(f"/api/v1/reports/{job['id']}", headers=headers).get_json()
    assert job["status"] == "done", job
    assert job["progress"] == {"done": 3, "total": 3}
    names = {f["name"]: f["url"] for f in job["files"]}
    assert {CSV_NAME, HTML_NAME, PDF_NAME, "participacion.png"} <= set(names)
    with client.get(names[PDF_NAME], headers=headers) as pdf:
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    with client.get(names[CSV_NAME], headers=headers) as got:
        rows = list(csv.DictReader(io.StringIO(got.data.decode("utf-8-sig"))))
    assert sorted({r["id_necesidad"] for r in rows}) == sorted(seeded["needs"].values())
    as_job = client.get(f"/api/v1/jobs/{job['id']}", headers=headers).get_json()
    assert as_job["result"]["files"] == [f["name"] for f in job["files"]]
    with client.get(f"/api/v1/jobs/{job['id']}/files/{CSV_NAME}", headers=headers) as same:
        assert same.status_code == 200 and same.data.decode("utf-8-sig").startswith("id_necesidad")
    missing = client.get(f"/api/v1/reports/{job['id']}/files/secret.txt", headers=headers)
    assert missing.status_code == 404
    assert client.get(f"/api/v1/reports/{job['id']}/files/..%2F..%2Fetc", headers=headers).status_code in (404, 422)
    assert client.get("/api/v1/reports/rep_000000000000", headers=headers).status_code == 404


def test_firm_table_selects_what_the_candidate_query_returns(driver, demo, seeded):
    """The report's in-memory candidate rule equals ``graph_schema.candidates.CANDIDATES``, order included."""
    from application.reports.run import scope_area
    from graph_schema.candidates import fetch_candidates
    from graph_schema.reports import fetch_firm_table, fetch_need_contexts, scope_needs
    from matching.candidates import CANDIDATE_CAP, search_area
    from matching.features import native_date, need_context

    catalog = demo
    needs = scope_needs(driver, region=None, center=None, project_kind=None, buyer=None)[:40]
    needs += scope_needs(driver, region=None, center=None, project_kind=None, buyer=seeded["buyer"])
    table = fetch_firm_table(driver, *scope_area(catalog, needs))
    contexts = fetch_need_contexts(driver, [n["id"] for n in needs])
    compared = 0
    for need in needs:
        ctx = need_context(contexts[need["id"]], as_of=AS_OF)
        if ctx.comuna not in catalog.comunas:
            continue
        area = search_area(catalog, ctx.comuna, ctx.radius_km, ctx.sectors)
        expected = fetch_candidates(driver, codes=area.codes, tiers=area.tiers, cuts=area.cuts, km=area.km,
                                    required=list(ctx.required), mandatory=ctx.mandatory, today=ctx.as_of_date,
                                    cap=CANDIDATE_CAP)
        got, _ = table.select(ctx, area, CANDIDATE_CAP)
        assert [c["rut"] for c in got] == [c["rut"] for c in expected], need["id"]
        for a, b in zip(got, expected, strict=True):
            assert {**a, "certs": None} == {**b, "certs": None}
            assert a["certs"] == [[c[0], c[1], native_date(c[2])] for c in b["certs"]]
        compared += bool(expected)
    assert compared >= 3
