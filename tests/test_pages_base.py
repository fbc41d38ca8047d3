"""The base layout, form macros, status tags and map in a real Chromium, under a strict CSP.

A throwaway Flask app renders ``base.html`` with a sample form (one field in error), a
certification table and the map of a Rancagua need; the browser opens it at desktop and phone
width as a person would. Screenshots land in ``tests/artifacts/`` to be looked at.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask, flash, render_template_string

from graph_schema.shapes import comuna_shapes
from service.pages import make_blueprint
from service.pages.map import need_map_svg
from tests.browser import check_accessibility, console_errors, horizontal_overflow, screenshot, serve

# What the real pages will send: nothing inline, nothing from elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
ERROR = "Escriba qué necesita comprar, por ejemplo «envases de vidrio»"
SAMPLE = """
{% extends "base.html" %}
{% import "macros/forms.html" as forms %}
{% import "macros/status.html" as status %}
{% block title %}Nueva necesidad{% endblock %}
{% block nav %}
  <li><a href="#" aria-current="page">Necesidades</a></li>
  <li><a href="#">Empresas</a></li>
  <li><a href="#">Propuestas</a></li>
{% endblock %}
{% block content %}
{{ forms.error_summary(errors) }}
<form method="post" novalidate>
  {{ forms.csrf() }}
  {{ forms.input("titulo", "Qué necesita comprar", error=errors.titulo,
                 hint="Una línea que un asesor entienda sin abrir el detalle.") }}
  {{ forms.input("comuna", "Comuna", value="Rancagua", hint="Nombre o código CUT, por ejemplo Ñuñoa o 13120.",
                 autocomplete="off") }}
  {{ forms.input("radio_km", "Radio de búsqueda en kilómetros", value="30", inputmode="numeric", width="4") }}
  {{ forms.select("plazo", "Plazo", [("", "Elija un plazo"), ("1m", "Un mes"), ("3m", "Tres meses")], selected="3m") }}
  {{ forms.choices("certificaciones", "Certificaciones requeridas",
                   [("ISO9001", "ISO 9001 (gestión de calidad)"), ("HACCP", "HACCP (inocuidad alimentaria)")],
                   checked=["HACCP"], hint="Marque todas las que correspondan.") }}
  {{ forms.textarea("descripcion", "Descripción", hint="Volumen, frecuencia y condiciones de entrega.") }}
  {{ forms.button("Buscar proveedores") }}
</form>

<h2>Candidatos cercanos</h2>
<figure class="map">
  {{ map_svg }}
  <figcaption>Comuna de la necesidad en amarillo, radio de búsqueda punteado y candidatos por su lugar
    en la lista.</figcaption>
</figure>
<div class="table-wrap" role="region" aria-labelledby="candidatos-titulo" tabindex="0">
  <table class="table-stack">
    <caption id="candidatos-titulo" class="visually-hidden">Candidatos y sus certificaciones</caption>
    <thead><tr><th scope="col">Lugar</th><th scope="col">Empresa</th><th scope="col">Comuna</th>
      <th scope="col">Certificación</th></tr></thead>
    <tbody>
    {%- for rank, name, comuna, cert, state, until in rows %}
      <tr><td data-label="Lugar" class="num">{{ rank }}</td><td data-label="Empresa">{{ name }}</td>
        <td data-label="Comuna">{{ comuna }}</td>
        <td data-label="Certificación">{{ status.certification(cert, state, until) }}</td></tr>
    {%- endfor %}
    </tbody>
  </table>
</div>
{% endblock %}
"""
ROWS = [
    (1, "Lácteos Doña Inés Ltda.", "Rancagua", "HACCP", "valid", "2026-03-31"),
    (2, "Cooperativa Campesina Machalí", "Machalí", "HACCP", "in_progress", "2025-12-15"),
    (3, "Envases Codegua SpA", "Codegua", "ISO 9001", "expired", "2024-08-01"),
    (4, "Quesería El Olivar", "Rancagua", "HACCP", "valid", None),
]
CANDIDATES = [("06101", 1), ("06108", 2), ("06102", 3), ("06101", 4), ("06115", 5)]


@pytest.fixture(scope="module")
def sample_url():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "only-for-this-test"
    pages = make_blueprint()
    svg = need_map_svg(comuna_shapes(), "06101", 30, CANDIDATES, groups=[["06101", "06108"]])

    @pages.get("/muestra")
    def sample():
        flash("La búsqueda quedó guardada como borrador.", "success")
        return render_template_string(SAMPLE, errors={"titulo": ERROR}, map_svg=svg, rows=ROWS)

    app.register_blueprint(pages)

    @app.after_request
    def strict_csp(response):
        response.headers["Content-Security-Policy"] = CSP
        return response

    with serve(app) as base:
        yield f"{base}/app/muestra"


def active_element(page) -> dict:
    return page.evaluate("({id: document.activeElement.id, tag: document.activeElement.tagName,"
                         " cls: document.activeElement.className, text: document.activeElement.textContent.trim()})")


def test_error_summary_takes_focus_and_its_link_moves_focus_to_the_field(new_page, sample_url):
    page = new_page("desktop", sample_url)

    assert page.title() == "Error: Nueva necesidad · Encadena"
    assert active_element(page)["cls"] == "error-summary"
    page.get_by_role("link", name=ERROR).click()
    assert active_element(page)["id"] == "titulo"
    field = page.get_by_label("Qué necesita comprar")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("aria-describedby") == "titulo-hint titulo-error"
    assert " ".join(page.locator("#titulo-error").text_content().split()) == f"Error: {ERROR}"


def test_keyboard_alone_goes_from_the_error_summary_through_every_field_to_the_button(new_page, sample_url):
    page = new_page("desktop", sample_url)
    # The summary takes focus once the page has loaded; a Tab pressed before that (on a busy machine)
    # would start from the top of the page instead.
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    visited = []
    for _ in range(20):
        page.keyboard.press("Tab")
        now = active_element(page)
        visited.append(now["id"] or now["text"])
        if now["tag"] == "BUTTON":
            break
    else:
        pytest.fail(f"Tab never reached the button; it went through {visited}")

    assert visited == [ERROR, "titulo", "comuna", "radio_km", "plazo", "certificaciones", "certificaciones-2",
                       "descripcion", "Buscar proveedores"]


def test_skip_link_moves_focus_to_the_main_content(new_page, sample_url):
    page = new_page("desktop", sample_url)
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    for _ in range(40):  # from the focused error summary back to the top, past the header's links
        page.keyboard.press("Shift+Tab")
        if active_element(page)["text"] == "Saltar al contenido principal":
            break
    else:
        pytest.fail("Shift+Tab never reached the skip link")
    page.keyboard.press("Enter")
    assert active_element(page)["id"] == "contenido"


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_sample_page_is_accessible_and_runs_under_a_strict_csp(new_page, sample_url, viewport):
    page = new_page(viewport, sample_url)
    page.wait_for_function("window.htmx !== undefined")

    assert [v["id"] for v in check_accessibility(page)] == []  # not even minor or moderate ones
    assert page.evaluate("htmx.version") == "2.0.11"
    assert page.get_by_role("status").inner_text() == "La búsqueda quedó guardada como borrador."
    assert page.get_by_text("Vigente").first.is_visible()
    assert page.get_by_text("hasta el 31 de marzo de 2026").is_visible()
    assert page.get_by_text("En trámite").is_visible() and page.get_by_text("Vencida").is_visible()
    screenshot(page, f"pages-base-{viewport}")
    assert console_errors(page) == []


def test_map_fits_a_phone_without_sideways_scrolling(new_page, sample_url):
    page = new_page("phone", sample_url)
    svg_map = page.get_by_role("img", name=re.compile(r"^Mapa: Rancagua, radio de 30 km, 5 candidatos en 4 comunas"))

    assert svg_map.is_visible()
    box = svg_map.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert box["height"] > 200  # drawn at its aspect ratio, not squashed
    assert horizontal_overflow(page) == 0
    screenshot(svg_map, "pages-base-phone-map")


def test_pagination_links_keep_the_filters_and_stop_at_the_ends():
    app = Flask(__name__)
    pages = make_blueprint()
    pages.add_url_rule("/firms", "firm_search", lambda: "")  # a paged list (the real one needs Neo4j)
    app.register_blueprint(pages)
    page = '{% import "macros/filters.html" as filters %}{{ filters.pagination("pages.firm_search", page, pages) }}'
    with app.test_request_context("/app/firms?q=pan&region=06&page=2"):
        middle = render_template_string(page, page=2, pages=3)
        first = render_template_string(page, page=1, pages=3)
        last = render_template_string(page, page=3, pages=3)
        single = render_template_string(page, page=1, pages=1)
    assert re.search(r'href="/app/firms\?q=pan&amp;region=06&amp;page=1" rel="prev">Anterior', middle)
    assert re.search(r'href="/app/firms\?q=pan&amp;region=06&amp;page=3" rel="next">Siguiente', middle)
    assert "Página 2 de 3" in middle
    assert 'rel="prev"' not in first and 'rel="next"' in first
    assert 'rel="next"' not in last and 'rel="prev"' in last
    assert "pagination" not in single
