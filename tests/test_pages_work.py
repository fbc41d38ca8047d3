"""The pages for the work behind the matches, through Flask's test client: report files downloaded with the
session (or a key of a role allowed to read them), an Excel workbook imported through the page, merges
undone from the kept firm's page, the indicators by region, and admins managing people and keys.
The browser flows are in ``tests/test_pages_admin_browser.py``.
"""

from __future__ import annotations

import io
import re
import time
import uuid

import pytest
from openpyxl import Workbook

from graph_schema import jobs as jobs_repo
from service.jobs import job_store
from tests.helpers import auth, make_rut
from tests.pages import PASSWORD, Person, sign_in, token_for, unique_email
from tests.test_duplicates import _near_duplicates


def signed_in(app, people, role: str):
    client = app.test_client()
    sign_in(client, people["accounts"][role])
    return client


@pytest.fixture(scope="module")
def report_file(app, driver):
    """A finished report job with a PDF in the file store, as a worker leaves it."""
    job_id = f"rep_{uuid.uuid4().hex[:12]}"
    jobs_repo.create_job(driver, {"id": job_id, "kind": "report", "params": {"top": 3}, "input": None,
                                  "requested_by": "pytest", "role": "advisor", "buyer_rut": None, "advisor_id": None,
                                  "max_attempts": 1})
    driver.execute_query("MATCH (j:Job {id: $id}) SET j.status = 'done', j.files = ['report.pdf'], "
                         "j.finished_at = datetime()", id=job_id)
    with app.app_context():
        job_store().write_bytes(f"jobs/{job_id}/files/report.pdf", b"%PDF-1.7 prueba")
    return job_id


@pytest.mark.parametrize("route", ["/api/v1/reports/{id}/files/report.pdf", "/api/v1/jobs/{id}/files/report.pdf"])
def test_report_files_download_with_the_session_or_a_staff_key(app, people, keys, report_file, route):
    url = route.format(id=report_file)
    for role in ("advisor", "admin"):
        got = signed_in(app, people, role).get(url)
        assert got.status_code == 200 and got.data.startswith(b"%PDF"), (role, got.status_code)
    assert app.test_client().get(url, headers=auth(keys["advisor"])).status_code == 200
    nobody = app.test_client().get(url)
    assert nobody.status_code == 401 and "inicie sesión" in nobody.json["detail"]
    # A buyer's session or key reads no staff report (403 by role on /reports, 404 by object on /jobs).
    assert signed_in(app, people, "buyer_a").get(url).status_code in (403, 404)
    assert app.test_client().get(url, headers=auth(keys["buyer"])).status_code in (403, 404)


def test_a_session_never_stands_in_for_a_key_on_other_routes(app, people):
    client = signed_in(app, people, "advisor")
    assert client.get("/api/v1/duplicates").status_code == 401  # a read, but not a file download
    assert client.post("/api/v1/duplicate-scans", json={}).status_code == 401


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def follow_import(client, location: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while True:
        page = client.get(location).get_data(as_text=True)
        if "hx-trigger=\"every 1s\"" not in page or time.monotonic() > deadline:
            return page
        time.sleep(0.3)


def test_an_excel_workbook_imports_through_the_page_and_its_rejected_row_downloads(app, people, driver):
    client = signed_in(app, people, "advisor")
    good, bad = make_rut(), make_rut()
    bad = bad[:-1] + ("0" if bad[-1] != "0" else "1")  # a wrong check digit
    name = f"Panificadora Excel {uuid.uuid4().hex[:6]}"
    data = workbook([["RUT", "Razón social", "Comuna", "CIIU", "Ventas UF", "Notas"],
                     [good, name, "Rancagua", 1071, 850.5, "nota"],
                     [bad, "Fila con RUT malo", "Rancagua", 1071, 12.25, ""]])
    preview = client.post("/app/imports", data={"csrf_token": token_for(client, "/app/imports"),
                                                "archivo": (io.BytesIO(data), "empresas.xlsx")},
                          content_type="multipart/form-data")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200, text[:500]
    assert "Planilla de Excel (.xlsx)" in text and "Se rechazará" in text and "Se ignora" in text
    token = re.search(r'name="token" value="([^"]+)"', text).group(1)
    started = client.post("/app/imports/start", data={"csrf_token": token_for(client, "/app/imports"), "token": token,
                                                      "file_name": "empresas.xlsx"})
    assert started.status_code == 302
    result = follow_import(client, started.headers["Location"])
    assert "Importación terminada" in result and "Filas rechazadas" in result
    assert re.search(r"<dt>Creadas</dt><dd>1</dd>", result)
    download = re.search(r'href="(/api/v1/jobs/imp_[0-9a-f]+/files/filas-rechazadas\.csv)"', result).group(1)
    rejected = client.get(download)
    assert rejected.status_code == 200
    lines = rejected.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("RUT;Razón social;Comuna;CIIU;Ventas UF;Notas;línea original;motivo del rechazo")
    assert lines[1].startswith(f"{bad};Fila con RUT malo;Rancagua;1071;12,25;;3;")
    records, _, _ = driver.execute_query("MATCH (f:Firm {rut: $rut}) RETURN f.name AS name", rut=good)
    assert records[0]["name"] == name
    # The upload that was looked at is gone once imported.
    again = client.post("/app/imports/start", data={"csrf_token": token_for(client, "/app/imports"), "token": token})
    assert again.status_code == 422 and "ya no está guardado" in again.get_data(as_text=True)


def test_a_merge_shows_on_the_kept_firm_with_who_and_when_and_is_undone_there(app, people, client, keys, driver):
    a, b, _, report = _near_duplicates(client, keys["advisor"])
    pair = next(p["id"] for p in report["possible_duplicates_detail"] if {f["rut"] for f in p["firms"]} == {a, b})
    staff = signed_in(app, people, "advisor")
    token = token_for(staff, f"/app/duplicates/{pair}")
    merged = staff.post(f"/app/duplicates/{pair}", data={"csrf_token": token, "action": "merge", "keep": a,
                                                         "value-name": b})
    assert merged.status_code == 302
    resolved = staff.get(f"/app/duplicates/{pair}")  # one firm of the pair is gone now: no form, no error
    assert resolved.status_code == 200 and "Este par ya se resolvió: se fusionó" in resolved.get_data(as_text=True)
    assert 'id="resolver"' not in resolved.get_data(as_text=True)
    firm = staff.get(f"/app/firms/{a}").get_data(as_text=True)
    assert "Fichas fusionadas con esta" in firm and "por Persona advisor" in firm
    merge_id = re.search(r'action="/app/merges/(merge_[0-9a-f]+)/undo"', firm).group(1)
    undone = staff.post(f"/app/merges/{merge_id}/undo", data={"csrf_token": token, "rut": a})
    assert undone.status_code == 302
    after = staff.get(f"/app/firms/{a}").get_data(as_text=True)
    assert "Deshizo la fusión" in after and "fusión deshecha" in after
    records, _, _ = driver.execute_query("MATCH (f:Firm) WHERE f.rut IN [$a, $b] RETURN count(f) AS n", a=a, b=b)
    assert records[0]["n"] == 2


def test_indicators_by_region_with_charts_and_the_programs_figures(app, people):
    page = signed_in(app, people, "advisor").get("/app/indicators?region=06").get_data(as_text=True)
    assert "Libertador" in page and "Programa 2025: 147" in page and "(nacional)" in page
    charts = re.findall(r'<svg[^>]+role="img"[^>]+aria-labelledby="(grafico-[a-z]+)-title', page)
    assert charts == ["grafico-proyectos", "grafico-tamano", "grafico-genero", "grafico-asesorias",
                      "grafico-certificaciones"]
    assert "<script" not in page.split("</head>")[1] and "style=" not in page


def test_an_admin_creates_an_account_that_signs_in_and_disables_it(app, people):
    admin = signed_in(app, people, "admin")
    email = unique_email("nueva-asesora")
    created = admin.post("/app/admin/people", data={
        "csrf_token": token_for(admin, "/app/admin/people"), "name": "Asesora Nueva", "email": email,
        "role": "advisor", "advisor": people["advisor"]["id"], "password": ""})
    text = created.get_data(as_text=True)
    assert created.status_code == 200 and "Creó la cuenta de Asesora Nueva" in text
    password = re.search(r'<code class="secret">([^<]+)</code>', text).group(1)
    newcomer = app.test_client()
    sign_in(newcomer, Person(email, password, "advisor"))
    assert newcomer.get("/app/duplicates").status_code == 200
    off = admin.post("/app/admin/people/state", data={"csrf_token": token_for(admin, "/app/admin/people"),
                                                      "email": email, "disabled": "true"})
    assert off.status_code == 302
    assert newcomer.get("/app/duplicates").status_code == 302  # signed out at the next request
    bad = admin.post("/app/admin/people", data={"csrf_token": token_for(admin, "/app/admin/people"), "name": "",
                                                "email": "no-es-correo", "role": "buyer", "password": "corta"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'href="#email"' in text and 'href="#buyer"' in text and 'href="#password"' in text


def test_an_admin_creates_a_key_sees_its_last_use_and_revokes_it(app, people, keys):
    admin = signed_in(app, people, "admin")
    created = admin.post("/app/admin/keys", data={"csrf_token": token_for(admin, "/app/admin/keys"), "role": "buyer",
                                                  "buyer": keys["buyer_rut"], "label": "ERP de prueba",
                                                  "expires_in_days": "30"})
    text = created.get_data(as_text=True)
    assert created.status_code == 200
    secret = re.search(r'<code class="secret">(enc_[^<]+)</code>', text).group(1)
    key_id = re.search(r"Creó la llave ([0-9a-f]{12})", text).group(1)
    assert app.test_client().get("/api/v1/needs", headers=auth(secret)).status_code == 200
    listing = admin.get("/app/admin/keys").get_data(as_text=True)
    row = listing.split(f"<code>{key_id}</code>")[1].split("</tr>")[0]
    assert "ERP de prueba" in row and "Nunca" not in row.split('data-label="Último uso">')[1].split("</td>")[0]
    revoked = admin.post(f"/app/admin/keys/{key_id}/revoke", data={"csrf_token": token_for(admin, "/app/admin/keys")})
    assert revoked.status_code == 302
    time.sleep(1.1)  # API_KEY_CACHE_SECONDS
    assert app.test_client().get("/api/v1/needs", headers=auth(secret)).status_code == 401


def test_a_report_started_from_the_page_is_listed_with_who_asked(app, people):
    staff = signed_in(app, people, "advisor")
    started = staff.post("/app/reports", data={"csrf_token": token_for(staff, "/app/reports"),
                                               "buyer": people["buyer_a"], "top": "2"})
    assert started.status_code == 302 and "/app/reports/rep_" in started.headers["Location"]
    listing = staff.get("/app/reports").get_data(as_text=True)
    assert "Persona advisor" in listing and f"comprador {people['buyer_a']}" in listing
    wrong = staff.post("/app/reports", data={"csrf_token": token_for(staff, "/app/reports"), "region": "99",
                                             "top": "50"})
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and 'href="#top"' in text


def test_passwords_are_never_shown_back_after_an_error(app, people):
    admin = signed_in(app, people, "admin")
    bad = admin.post("/app/admin/people", data={"csrf_token": token_for(admin, "/app/admin/people"), "name": "X",
                                                "email": "x@prueba.cl", "role": "buyer", "password": PASSWORD})
    assert PASSWORD not in bad.get_data(as_text=True)
