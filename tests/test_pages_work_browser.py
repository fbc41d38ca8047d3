"""The work behind the matches in a real Chromium, as the people who do it: an advisor imports a file with one
broken row and reads that row's error; resolves one planted duplicate by merging (with the keyboard) and
one as «distintas»; starts a report and downloads its PDF through the page (the session, no key); an
admin creates an account and the new person signs in. axe-core checks every page visited; screenshots of
the import result, the review queue and the indicators page at desktop and phone width go to
``tests/artifacts/``.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser import horizontal_overflow, screenshot, serve
from tests.helpers import make_rut
from tests.pages import Person
from tests.test_imports import HEADER, fresh_word, import_report
from tests.test_pages_flow import browser_sign_in, checked, htmx_settled

REPORT_TIMEOUT_MS = 120_000
OLLAGUE, ANTOFAGASTA = "02202", "02"


@pytest.fixture(scope="module")
def site(app):
    with serve(app) as base:
        yield base


@pytest.fixture(scope="module")
def planted(app, keys):
    """Two planted pairs in Ollagüe: a cooperative written twice (to merge) and two namesakes (distinct)."""
    place, other = fresh_word(), fresh_word()
    a, b, c, d = (make_rut() for _ in range(4))
    phone = f"+56 9 {a[:4]} {a[4:8]}"
    text = (HEADER
            + f"{a};Cooperativa Quesera y Lechera {place} Ltda.;Ollagüe;1050;2500;30;F;quesos;;sí;;{phone};\n"
            + f"{b};Coop. Quesera Lechera {place};Ollagüe;1050;;;;quesos de cabra;;si;;{phone};\n"
            + f"{c};Transportes {other} Limitada;Ollagüe;4923;;;;fletes;;;;+56 9 {c[:4]} {c[4:8]};\n"
            + f"{d};Transportes {other} Ltda.;Ollagüe;4923;;;;mudanzas;;;;+56 9 {c[:4]} {c[4:8]};\n")
    report = import_report(app.test_client(), keys["advisor"], text)
    pairs = {frozenset(f["rut"] for f in p["firms"]): p["id"] for p in report["possible_duplicates_detail"]}
    assert frozenset((a, b)) in pairs and frozenset((c, d)) in pairs, report["possible_duplicates_detail"]
    # Registered together, the first record is the lower RUT: the one kept unless the advisor picks the other.
    return {"merge": pairs[frozenset((a, b))], "distinct": pairs[frozenset((c, d))], "place": place, "other": other,
            "kept": min(a, b)}


def screenshots(page: Page, phone: Page, path: str, name: str) -> None:
    """The page at desktop width (already open) and at 390 px, both saved; nothing scrolls sideways on the phone."""
    screenshot(page, f"{name}-desktop")
    phone.goto(path)
    assert horizontal_overflow(phone) == 0, f"{name} scrolls sideways at 390 px"
    checked(phone)
    screenshot(phone, f"{name}-phone")


def test_an_advisor_imports_reviews_duplicates_and_downloads_a_report(new_page, site, people, planted, tmp_path):
    advisor = people["accounts"]["advisor"]
    page, phone = new_page("desktop"), new_page("phone")
    browser_sign_in(page, site, advisor)
    browser_sign_in(phone, site, advisor)

    # An import with one broken row: the preview flags it, the result names its line, field and reason.
    tag = uuid.uuid4().hex[:6]
    broken = make_rut()
    broken = broken[:-1] + ("0" if broken[-1] != "0" else "1")
    upload = tmp_path / "empresas.csv"
    upload.write_text("rut;razón social;comuna;ciiu;ventas_uf\n"
                      f"{make_rut()};Panadería Importada {tag};Rancagua;1071;850,5\n"
                      f"{broken};Amasandería Mal Digitada {tag};Rancagua;1071;120\n"
                      f"{make_rut()};Pastelería Importada {tag};Machalí;1071;\n", encoding="cp1252")
    page.get_by_role("link", name="Importar", exact=True).click()
    checked(page)
    page.get_by_label("Archivo de empresas").set_input_files(str(upload))
    page.get_by_role("button", name="Revisar el archivo").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revisar el archivo antes de importar")
    expect(page.locator(".preview-rows .item", has_text="Línea 3")).to_contain_text("Se rechazará")
    checked(page)
    page.get_by_role("button", name="Importar 3 filas").click()
    expect(page.get_by_text("Importación terminada")).to_be_visible(timeout=60_000)
    row = page.locator("table.rejected tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("3")
    expect(row).to_contain_text("rut")
    expect(row).to_contain_text("dígito verificador")
    expect(page.locator(".figures")).to_contain_text("Creadas2")
    expect(page.get_by_role("link", name="Descargar las filas rechazadas (CSV para Excel)")).to_be_visible()
    checked(page)
    screenshots(page, phone, page.url, "import-result")

    # The review queue, narrowed to Ollagüe: both planted pairs, best first.
    page.get_by_role("link", name="Duplicados", exact=True).click()
    page.get_by_label("Región").select_option(ANTOFAGASTA)
    expect(page).to_have_url(re.compile(f"region={ANTOFAGASTA}"))
    expect(page.get_by_label("Comuna")).to_be_visible()
    htmx_settled(page)
    page.get_by_label("Comuna").select_option(OLLAGUE)
    expect(page).to_have_url(re.compile(f"comuna={OLLAGUE}"))
    queue = page.locator("ol.pairs")
    expect(queue).to_contain_text(f"Coop. Quesera Lechera {planted['place']}")
    expect(queue).to_contain_text(f"Transportes {planted['other']}")
    checked(page)
    screenshots(page, phone, page.url, "duplicates-queue")

    # Merge the cooperative, keeping the other record's name, with the keyboard shortcut F.
    page.locator("ol.pairs a", has_text=f"Coop. Quesera Lechera {planted['place']}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("¿Son la misma empresa?")
    expect(page.locator(".evidence")).to_contain_text("A favor de que sean la misma")
    checked(page)
    screenshots(page, phone, page.url, "duplicate-pair")
    page.get_by_label(re.compile(rf"^Coop\. Quesera Lechera {planted['place']} \(conservar")).check()
    page.locator("body").press("f")
    expect(page.get_by_role("status").first).to_contain_text(f"Fusionó las fichas en Coop. Quesera Lechera "
                                                             f"{planted['place']} (RUT {planted['kept']})")

    # The namesakes are two firms: «distintas», with the keyboard shortcut D.
    page.goto(f"{site}/app/duplicates/{planted['distinct']}")
    page.locator("body").press("d")
    expect(page.get_by_role("status").first).to_contain_text("como empresas distintas")
    checked(page)

    # The merge shows on the kept firm's page, with who and when.
    page.goto(f"{site}/app/firms/{planted['kept']}")
    expect(page.locator("#fusiones + ul")).to_contain_text("por Persona advisor")
    expect(page.get_by_role("button", name=re.compile("^Deshacer la fusión"))).to_be_visible()
    checked(page)

    # A report for buyer A, followed to its end; its PDF downloaded through the page with the session.
    page.get_by_role("link", name="Informes", exact=True).click()
    checked(page)
    page.get_by_label("Comprador").select_option(people["buyer_a"])
    page.get_by_label("Candidatos por necesidad").fill("2")
    page.get_by_role("button", name="Generar el informe").click()
    expect(page.get_by_text("El informe está listo")).to_be_visible(timeout=REPORT_TIMEOUT_MS)
    checked(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF", exact=True).click()
    pdf = download.value
    assert pdf.suggested_filename == "report.pdf"
    with open(pdf.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    page.goto(f"{site}/app/reports")
    expect(page.locator("table tbody tr").first).to_contain_text("Persona advisor")

    # The program's indicators, with their charts, beside the 2025 figures.
    page.get_by_role("link", name="Indicadores", exact=True).click()
    expect(page.get_by_role("img", name=re.compile("^Proyectos por tipo"))).to_be_visible()
    expect(page.locator(".figures").first).to_contain_text("Programa 2025: 147")
    checked(page)
    screenshots(page, phone, page.url, "indicators")


def test_an_admin_creates_an_account_and_the_new_person_signs_in(new_page, site, people):
    page = new_page("desktop")
    browser_sign_in(page, site, people["accounts"]["admin"])
    page.get_by_role("link", name="Personas y llaves").click()
    checked(page)
    email = f"asesora-{uuid.uuid4().hex[:8]}@prueba.encadena.cl"
    page.get_by_label("Nombre").fill("Asesora Recién Llegada")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Asesor o asesora de un centro").check()
    page.get_by_label("Asesor (si el rol es asesor)").select_option(people["advisor"]["id"])
    page.get_by_role("button", name="Crear la cuenta").click()
    expect(page.get_by_role("status").first).to_contain_text("Creó la cuenta de Asesora Recién Llegada")
    password = (page.locator("code.secret").text_content() or "").strip()
    assert len(password) >= 20
    checked(page)

    newcomer = new_page("desktop")
    browser_sign_in(newcomer, site, Person(email, password, "advisor"))
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Necesidades abiertas")
    expect(newcomer.get_by_role("link", name="Personas y llaves")).to_have_count(0)
    page.goto(f"{site}/app/admin/people")
    expect(page.locator("tr", has_text=email)).not_to_contain_text("Nunca")  # its first sign-in is recorded
