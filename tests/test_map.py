"""The need's map drawn as SVG from the DPA polygons: what a person (and a screen reader) gets."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from graph_schema.shapes import comuna_shapes
from matching.catalog import haversine_km
from service.pages.map import need_map_svg

NS = {"svg": "http://www.w3.org/2000/svg"}
RANCAGUA, MACHALI, CODEGUA, RENGO, SAN_FERNANDO = "06101", "06108", "06102", "06115", "06301"
SANTIAGO, ARICA, PUNTA_ARENAS, ISLA_DE_PASCUA = "13101", "15101", "12101", "05201"
# Twenty candidates spread over metropolitan Santiago, some sharing a comuna.
METRO_CANDIDATES = [
    (cut, rank) for rank, cut in enumerate(
        ["13101", "13110", "13114", "13120", "13123", "13101", "13201", "13401", "13105", "13119",
         "13122", "13110", "13132", "13125", "13102", "13201", "13107", "13302", "13130", "13131"], start=1)
]


@pytest.fixture(scope="module")
def shapes():
    return comuna_shapes()


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def view_box(root: ET.Element) -> tuple[float, float, float, float]:
    x, y, w, h = map(float, root.attrib["viewBox"].split())
    return x, y, w, h


def candidate_markers(root: ET.Element) -> dict[str, str]:
    """Comuna CUT -> the rank text on its marker."""
    return {
        g.attrib["data-cut"]: g.find("svg:text", NS).text
        for g in root.iterfind(".//svg:g[@class='map-candidate']", NS)
    }


def marker_centre(root: ET.Element, cut: str) -> tuple[float, float]:
    rect = root.find(f".//svg:g[@data-cut='{cut}']/svg:rect", NS)
    return (float(rect.attrib["x"]) + float(rect.attrib["width"]) / 2,
            float(rect.attrib["y"]) + float(rect.attrib["height"]) / 2)


def label_texts(root: ET.Element) -> list[str]:
    return [t.text for t in root.iterfind(".//svg:g[@class='map-labels']/svg:text", NS)]


def test_rancagua_map_names_the_need_and_marks_each_candidate_comuna_with_its_ranks(shapes):
    svg = need_map_svg(shapes, RANCAGUA, 30, [(RANCAGUA, 1), (MACHALI, 2), (CODEGUA, 3), (RANCAGUA, 4), (RENGO, 5)])
    root = parse(svg)

    assert root.attrib["role"] == "img"
    assert root.attrib["width"] == "100%"
    assert root.find("svg:title", NS).text == "Mapa: Rancagua, radio de 30 km, 5 candidatos en 4 comunas"
    desc = root.find("svg:desc", NS).text
    assert "Rancagua: 1, 4" in desc and "Machalí: 2" in desc and "Codegua: 3" in desc and "Rengo: 5" in desc
    assert root.find("svg:title", NS).attrib["id"] in root.attrib["aria-labelledby"]
    assert root.find(".//svg:path[@class='map-need-comuna']", NS).attrib["data-cut"] == RANCAGUA
    assert candidate_markers(root) == {RANCAGUA: "1, 4", MACHALI: "2", CODEGUA: "3", RENGO: "5"}
    assert set(label_texts(root)) == {"Rancagua", "Machalí", "Codegua", "Rengo"}


def test_map_has_no_inline_style_or_script(shapes):
    svg = need_map_svg(shapes, RANCAGUA, 30, [(MACHALI, 1)], groups=[[RANCAGUA, MACHALI]])
    assert "style=" not in svg and "<script" not in svg and "javascript:" not in svg


@pytest.mark.parametrize(
    ("need", "radius_km", "other"),
    [(RANCAGUA, 30, SAN_FERNANDO), (RANCAGUA, 2000, SANTIAGO), (ARICA, 50, "15102"), (PUNTA_ARENAS, 80, "12103")],
    ids=["rancagua-30km", "rancagua-2000km", "arica-50km", "punta-arenas-80km"],
)
def test_radius_circle_measures_the_search_radius_at_the_need_latitude(shapes, need, radius_km, other):
    root = parse(need_map_svg(shapes, need, radius_km, [(other, 1)]))
    circle = root.find(".//svg:circle[@class='map-radius']", NS)
    cx, cy, r = (float(circle.attrib[k]) for k in ("cx", "cy", "r"))
    mx, my = marker_centre(root, other)
    km = haversine_km(shapes[need].lat, shapes[need].lon, shapes[other].lat, shapes[other].lon)
    units_per_km = math.hypot(mx - cx, my - cy) / km

    assert r / units_per_km == pytest.approx(radius_km, rel=0.03)


@pytest.mark.parametrize("radius_km", [1, 30, 2000])
def test_view_covers_the_radius_and_every_candidate(shapes, radius_km):
    root = parse(need_map_svg(shapes, RANCAGUA, radius_km, [(SANTIAGO, 1), (SAN_FERNANDO, 2)]))
    _, _, w, h = view_box(root)
    circle = root.find(".//svg:circle[@class='map-radius']", NS)
    cx, cy, r = (float(circle.attrib[k]) for k in ("cx", "cy", "r"))

    assert r > 0
    assert 0 <= cx - r and cx + r <= w and 0 <= cy - r and cy + r <= h
    for cut in (SANTIAGO, SAN_FERNANDO):
        x, y = marker_centre(root, cut)
        assert 0 < x < w and 0 < y < h


def test_one_km_radius_still_shows_the_comuna_around_it(shapes):
    root = parse(need_map_svg(shapes, RANCAGUA, 1))
    _, _, w, _ = view_box(root)
    circle = root.find(".//svg:circle[@class='map-radius']", NS)

    assert float(circle.attrib["r"]) < w / 10
    assert root.find(".//svg:path[@class='map-need-comuna']", NS).attrib["d"]
    assert root.find("svg:title", NS).text == "Mapa: Rancagua, radio de 1,0 km, sin candidatos"


@pytest.mark.parametrize("cut", [ARICA, PUNTA_ARENAS, ISLA_DE_PASCUA], ids=["arica", "punta-arenas", "isla-de-pascua"])
def test_comunas_at_the_edges_of_the_country_are_drawn(shapes, cut):
    root = parse(need_map_svg(shapes, cut, 30, [(cut, 1)]))

    assert root.find(".//svg:path[@class='map-need-comuna']", NS).attrib["d"].startswith("M")
    assert candidate_markers(root) == {cut: "1"}
    assert shapes[cut].name in label_texts(root)


def test_isla_de_pascua_is_drawn_alone(shapes):
    root = parse(need_map_svg(shapes, ISLA_DE_PASCUA, 30))
    assert root.findall(".//svg:g[@class='map-comunas']/svg:path", NS) == []


def test_metropolitan_map_with_twenty_candidates_stays_small(shapes):
    svg = need_map_svg(shapes, SANTIAGO, 30, METRO_CANDIDATES)
    root = parse(svg)

    assert len(svg.encode()) < 30_000
    assert root.find("svg:title", NS).text == "Mapa: Santiago, radio de 30 km, 20 candidatos en 17 comunas"
    assert candidate_markers(root)["13101"] == "1, 6"
    # Every candidate comuna is named: on the map where there is room, always in the marker's title.
    for cut in {cut for cut, _ in METRO_CANDIDATES}:
        title = root.find(f".//svg:g[@data-cut='{cut}']/svg:title", NS).text
        assert title.startswith(shapes[cut].name + ": candidato")


def test_country_wide_radius_stays_under_a_hundred_kilobytes(shapes):
    svg = need_map_svg(shapes, RANCAGUA, 2000, METRO_CANDIDATES)
    assert len(svg.encode()) < 100_000


def test_group_members_are_joined_by_one_line(shapes):
    root = parse(need_map_svg(shapes, RANCAGUA, 30, [(MACHALI, 1), (CODEGUA, 2), (RENGO, 3)],
                              groups=[[MACHALI, CODEGUA, RENGO]]))
    lines = root.findall(".//svg:path[@class='map-group']", NS)

    assert len(lines) == 1
    assert lines[0].attrib["d"].count("L") == 2
    assert "Grupo 1, unido por una línea: Machalí, Codegua, Rengo." in root.find("svg:desc", NS).text


def test_many_candidates_in_one_comuna_share_one_short_marker(shapes):
    root = parse(need_map_svg(shapes, RANCAGUA, 30, [(MACHALI, r) for r in (8, 2, 5, 11, 3, 20, 14)]))
    assert candidate_markers(root) == {MACHALI: "2, 3, 5, 8, 11 +2"}
    assert "Machalí: candidatos 2, 3, 5, 8, 11, 14, 20" in root.find(".//svg:g[@class='map-candidate']/svg:title",
                                                                      NS).text


def test_names_are_escaped(shapes):
    root = parse(need_map_svg(shapes, "11302", 30, [("11302", 1)]))  # O'Higgins
    assert "O'Higgins" in label_texts(root)


def test_unknown_comuna_is_refused(shapes):
    with pytest.raises(ValueError, match="99999"):
        need_map_svg(shapes, RANCAGUA, 30, [("99999", 1)])
