"""Pages in Chromium beyond the main flow: keyboard only, forms' error summaries, filters with counts,
firm search and the firm page, the pickers without JavaScript, and the API docs under their own CSP.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser import check_accessibility, console_errors, horizontal_overflow, screenshot, serve
from tests.test_pages_flow import browser_sign_in, checked


@pytest.fixture(scope="module")
def site(app):
    with serve(app) as base:
        yield base


def focused(page: Page) -> dict:
    return page.evaluate("({id: document.activeElement.id, tag: document.activeElement.tagName,"
                         " text: (document.activeElement.textContent || '').trim()})")


def tab_to(page: Page, element_id: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page)["id"] == element_id:
            return
    pytest.fail(f"Tab never reached #{element_id}")


def test_a_buyer_posts_a_need_with_the_keyboard_alone(new_page, site, people):
    person = people["accounts"]["buyer_a"]
    page = new_page("desktop")
    page.goto(f"{site}/app/login")
    tab_to(page, "email")
    page.keyboard.type(person.email)
    page.keyboard.press("Tab")
    page.keyboard.type(person.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis necesidades")

    page.goto(f"{site}/app/needs/new")
    title = f"Hallullas para el turno de noche {uuid.uuid4().hex[:6]}"
    tab_to(page, "title")
    page.keyboard.type(title)
    tab_to(page, "sector_q", 3)
    page.keyboard.type("panaderia")
    expect(page.locator("#sector-options input[type=radio]").first).to_be_visible()
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "sectors"
    page.keyboard.press("Space")
    expect(page.locator("#sectors")).to_be_checked()
    tab_to(page, "comuna", 3)
    page.keyboard.type("Machali")
    expect(page.locator("#comuna-options input[type=radio]").first).to_be_visible()
    tab_to(page, "radius_km", 4)
    page.keyboard.press("Enter")  # the form's one button submits it
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("Machalí, en un radio de 50 km")).to_be_visible()
    assert console_errors(page) == []


def test_need_form_errors_are_summarised_and_link_to_their_fields(new_page, site, people):
    page = new_page("phone")
    browser_sign_in(page, site, people["accounts"]["buyer_a"])
    page.goto(f"{site}/app/needs/new")
    page.get_by_label("Comuna donde necesita el suministro").fill("Ñuñoaa")
    page.get_by_label("Radio de búsqueda, en kilómetros").fill("5000")
    page.get_by_role("button", name="Publicar y ver candidatos").click()

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        "#title", "#sector_q", "#comuna", "#radius_km"]
    expect(summary).to_contain_text("¿Quiso decir Ñuñoa?")
    summary.get_by_role("link", name=re.compile("Ñuñoaa")).click()
    assert focused(page)["id"] == "comuna"
    expect(page.get_by_label(re.compile(r"^Ñuñoa \("))).to_be_visible()  # the closest name, to pick
    assert horizontal_overflow(page) == 0
    checked(page)
    screenshot(page, "need-form-errors-phone")


def test_open_needs_filters_show_how_many_needs_each_option_leaves(new_page, site, people):
    page = new_page("desktop")
    browser_sign_in(page, site, people["accounts"]["advisor"])
    region = page.get_by_label("Región")
    options = region.locator("option")
    texts = [options.nth(i).inner_text() for i in range(options.count())]
    assert texts[0] == "Todas las regiones"
    assert any(re.fullmatch(r"Libertador General Bernardo O'Higgins \(\d+\)", t) for t in texts)
    total = int(re.search(r"^(\d+)", page.locator("#resultados-titulo").inner_text()).group(1))
    chosen = next(t for t in texts if t.startswith("Libertador"))
    assert int(re.search(r"\((\d+)\)$", chosen).group(1)) == total
    deadline = page.get_by_label("Fecha límite")
    soon = deadline.locator("option", has_text="Vence en 30 días o menos")
    expected = int(re.search(r"\((\d+)\)$", soon.inner_text()).group(1)) if soon.count() else 0
    if soon.count():
        deadline.select_option(label=soon.inner_text())
        expect(page.locator("#resultados-titulo")).to_have_text(re.compile(rf"^{expected} "))
    checked(page)
    screenshot(page, "open-needs-desktop")


def test_firm_search_forgives_typos_and_counts_each_filter(new_page, site, people):
    page = new_page("desktop")
    browser_sign_in(page, site, people["accounts"]["advisor"])
    page.get_by_role("link", name="Empresas").click()
    page.get_by_label("Nombre o productos").fill("panaderia espga")
    page.get_by_role("button", name="Buscar").click()
    expect(page.locator(".item").first).to_contain_text("Panadería La Espiga de Rancagua")
    sector = page.get_by_label("Rubro")
    option = sector.locator("option", has_text="Elaboración de productos alimenticios (CIIU 10)")
    assert re.search(r"\(\d+\)$", option.inner_text())
    checked(page)
    page.locator(".item").first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Panadería La Espiga"))
    page.get_by_label("Sesiones").fill("2")
    page.get_by_label("Horas en total").fill("1,5")
    page.get_by_role("button", name="Registrar asesoría").click()
    expect(page.get_by_role("status")).to_contain_text("Registró 2 sesiones")
    expect(page.locator("#asesorias + .table-wrap")).to_contain_text("por Persona advisor")
    checked(page)
    screenshot(page, "firm-page-desktop")


def test_the_sector_picker_works_without_javascript(browser, site, people):
    context = browser.new_context(java_script_enabled=False, locale="es-CL")
    try:
        page = context.new_page()
        browser_sign_in(page, site, people["accounts"]["buyer_b"])
        page.goto(f"{site}/app/needs/new")
        page.get_by_label("¿Qué necesita comprar?").fill("Pan amasado sin JavaScript")
        page.get_by_label("Rubro", exact=True).fill("pan")
        page.get_by_label("Comuna donde necesita el suministro").fill("Rancagua")
        page.get_by_role("button", name="Publicar y ver candidatos").click()
        expect(page.locator(".error-summary")).to_contain_text("Elija en la lista el rubro que corresponde a «pan»")
        page.get_by_label(re.compile(r"^Elaboración de productos de panadería \(CIIU 1071")).check()
        page.get_by_role("button", name="Publicar y ver candidatos").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Pan amasado sin JavaScript")
    finally:
        context.close()


def test_api_docs_still_work_under_their_policy(new_page, site):
    page = new_page("desktop", f"{site}/docs")
    expect(page.get_by_text("Encadena API").first).to_be_visible(timeout=20_000)
    assert [e for e in console_errors(page) if "Content Security Policy" in e] == []


def test_sign_in_page_is_accessible_on_a_phone(new_page, site):
    page = new_page("phone", f"{site}/app/login")
    check_accessibility(page)
    assert horizontal_overflow(page) == 0


def test_error_pages_are_pages_a_person_can_act_on(new_page, site, people):
    page = new_page("phone")
    browser_sign_in(page, site, people["accounts"]["buyer_b"])
    response = page.goto(f"{site}/app/needs/{people['need']}")  # buyer A's need
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("No encontramos la página")
    expect(page.get_by_role("link", name="Volver al inicio")).to_be_visible()
    check_accessibility(page)
    staff_only = page.goto(f"{site}/app/firms")
    assert staff_only is not None and staff_only.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("No tiene acceso a esta página")
    check_accessibility(page)
