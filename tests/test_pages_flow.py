"""The whole flow in a real Chromium, as the people who use it: a buyer posts a need with the pickers and
sees its candidates and map; an advisor opens it and proposes the first candidate; the buyer accepts;
the alliance shows on both sides. axe-core checks every page visited; screenshots of the need page at
desktop and phone width land in ``tests/artifacts/``.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser import check_accessibility, console_errors, horizontal_overflow, screenshot, serve
from tests.pages import Person


@pytest.fixture(scope="module")
def site(app):
    with serve(app) as base:
        yield base


def browser_sign_in(page: Page, site: str, person: Person) -> None:
    page.goto(f"{site}/app/login")
    page.get_by_label("Correo electrónico").fill(person.email)
    page.get_by_label("Contraseña").fill(person.password)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()


def htmx_settled(page: Page) -> None:
    """htmx has swapped in the last answer and wired its elements: a change made before that is lost."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


# A form sent with errors comes back as 422 (Unprocessable Content): the browser notes it, it is no error.
FORM_ERRORS_STATUS = "the server responded with a status of 422"


def checked(page: Page) -> None:
    """axe-core finds no serious or critical problem, and the page ran under its CSP without errors."""
    check_accessibility(page)
    errors = [e for e in console_errors(page) if FORM_ERRORS_STATUS not in e]
    assert errors == [], errors


def post_need_with_the_pickers(page: Page, site: str, title: str) -> str:
    page.goto(f"{site}/app/needs/new")
    checked(page)
    page.get_by_label("¿Qué necesita comprar?").fill(title)
    page.get_by_label("Detalle (opcional)").fill("Pan amasado y hallullas, entrega diaria de madrugada.")
    page.get_by_label("Rubro", exact=True).press_sequentially("pan", delay=30)
    bakery = page.get_by_label(re.compile(r"^Elaboración de productos de panadería \(CIIU 1071"))
    expect(bakery).to_be_visible()
    bakery.check()
    page.get_by_label("Comuna donde necesita el suministro").press_sequentially("rancgua", delay=30)
    rancagua = page.get_by_label(re.compile(r"^Rancagua \("))
    expect(rancagua).to_be_visible()
    rancagua.check()
    checked(page)  # with both pickers' options on the page
    page.get_by_label("Radio de búsqueda, en kilómetros").fill("40")
    page.get_by_label(re.compile(r"^HACCP")).check()
    page.get_by_label("Fecha límite (opcional)").fill((date.today() + timedelta(days=45)).isoformat())
    page.get_by_label("Compra anual estimada, en UF (opcional)").fill("150")
    page.get_by_role("button", name="Publicar y ver candidatos").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return page.url.split("/app/needs/")[1].split("#")[0]


def test_buyer_posts_advisor_proposes_buyer_accepts_alliance_on_both_sides(new_page, site, people):
    tag = uuid.uuid4().hex[:6]
    title = f"Pan amasado para el casino de la faena {tag}"
    buyer, advisor = people["accounts"]["buyer_a"], people["accounts"]["advisor"]

    # The buyer signs in and posts a need, choosing sector and comuna with the pickers.
    page = new_page("desktop")
    page.goto(f"{site}/app/login")
    checked(page)
    browser_sign_in(page, site, buyer)
    checked(page)  # my needs
    need_id = post_need_with_the_pickers(page, site, title)

    # Its candidates, with reasons in Spanish, certification status and the map.
    expect(page.get_by_role("status")).to_contain_text("Publicó su necesidad")
    candidates = page.locator("ol.candidates > li")
    expect(candidates.first).to_be_visible()
    assert candidates.count() >= 3
    reason = "Opera en su rubro: Elaboración de productos de panadería (CIIU 1071)"
    expect(page.get_by_text(reason).first).to_be_visible()
    expect(page.get_by_text("Vigente", exact=True).first).to_be_visible()
    svg_map = page.get_by_role("img", name=re.compile(r"^Mapa: Rancagua, radio de 40 km, \d+ candidatos? en"))
    expect(svg_map).to_be_visible()
    expect(page.get_by_text("Elaboración de productos de panadería (CIIU 1071)").first).to_be_visible()
    checked(page)
    screenshot(page, "need-page-desktop")
    first_name = (page.locator("ol.candidates > li h3").first.text_content() or "").split(": ", 1)[-1].strip()

    # The same page on a phone: readable, nothing scrolls sideways.
    phone = new_page("phone")
    browser_sign_in(phone, site, buyer)
    phone.goto(f"{site}/app/needs/{need_id}")
    expect(phone.get_by_role("img", name=re.compile(r"^Mapa: Rancagua"))).to_be_visible()
    assert horizontal_overflow(phone) == 0
    checked(phone)
    screenshot(phone, "need-page-phone")

    # The advisor signs in, looks at the open needs, opens this one and proposes the first candidate.
    staff = new_page("desktop")
    browser_sign_in(staff, site, advisor)
    expect(staff.get_by_role("heading", level=1)).to_have_text("Necesidades abiertas")
    checked(staff)
    region = staff.get_by_label("Región")
    expect(region).to_have_value("06")  # the region of the advisor's center
    staff.get_by_label("Propuestas").select_option("false")  # htmx re-renders filters and results
    expect(staff).to_have_url(re.compile(r"proposed=false"))
    expect(staff.get_by_label("Propuestas")).to_have_value("false")
    staff.goto(f"{site}/app/needs/{need_id}")
    checked(staff)
    first = staff.locator("ol.candidates > li").first
    first.locator("summary", has_text="Proponer").click()
    first.get_by_label(re.compile(r"^Nota para el comprador")).fill("Panadería cercana con HACCP vigente.")
    first.get_by_role("button", name=f"Proponer a {first_name}").click()
    expect(staff.get_by_role("status")).to_contain_text(f"Propuso a {first_name}")
    expect(staff.locator("#propuestas + ul .proposal").first).to_contain_text("Por decidir")
    checked(staff)

    # The buyer sees it waiting on its home page and accepts it.
    page.goto(f"{site}/app/my-needs")
    checked(page)
    page.locator("#por-decidir + p + ul .item", has_text=title).get_by_role("link", name=first_name).click()
    proposal = page.locator(".proposal", has_text="Por decidir").filter(has_text=first_name).first
    proposal.get_by_label("Aceptar").check()
    proposal.get_by_label(re.compile(r"^Razón")).fill("Buen precio y cercanía")
    proposal.get_by_role("button", name="Enviar decisión").click()
    expect(page.get_by_role("status")).to_contain_text(f"Aceptó la propuesta de {first_name}")
    decided = page.locator(".proposal", has_text=first_name).first
    expect(decided).to_contain_text("Aceptada por Persona buyer_a")
    checked(page)

    # The alliance shows on both sides.
    page.get_by_role("link", name="Mis alianzas").click()
    expect(page.locator(".item", has_text=first_name).first).to_contain_text("Nació de una propuesta aceptada")
    checked(page)
    staff.get_by_role("link", name="Alianzas").click()
    expect(staff.locator(".item", has_text=first_name).first).to_contain_text("Nació de una propuesta aceptada")
    checked(staff)
    staff.goto(f"{site}/app/needs/{need_id}")
    staff.locator("#candidato-1").get_by_role("link", name=f"Ficha de la empresa {first_name}").click()
    expect(staff.locator("#alianzas + ul")).to_contain_text("Nació de una propuesta aceptada")
    expect(staff.locator("#propuestas + ul").first).to_contain_text("Aceptada por Persona buyer_a")
    checked(staff)
