"""The need's map: comunas around a need, its search radius and its candidates, as an SVG drawn here.

No tiles, no map library, nothing fetched: ``need_map_svg`` is a pure function of the comuna
shapes (``graph_schema.shapes.comuna_shapes()``) and the need, and returns markup a template can
insert as it is. The projection is equirectangular around the centroid of the need's comuna, with
longitudes scaled by cos(latitude) there, so near the need a km is the same length in every
direction and the search radius is a circle. Everything is measured in view-box units
(``width`` across), font sizes included, so the map scales to any width and its text with it.

Styling is by presentation attributes (and classes ``app.css`` may refine), never ``style=""``
nor script: the pages' Content-Security-Policy allows neither inline.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from markupsafe import Markup, escape

from graph_schema.shapes import KM_PER_DEGREE, SIMPLIFY_TOLERANCE_DEG, ComunaShape, ComunaShapes
from matching.explain import km_text

DEFAULT_WIDTH = 1000
# The view shows at least this many km each way from the need, so a 1 km radius still shows
# the comuna around it.
MIN_HALF_SPAN_KM = 10.0
MARGIN = 0.08  # of the larger span, on each side
# Height / width stays between these, so a need with a far candidate is not a sliver.
MIN_ASPECT, MAX_ASPECT = 0.6, 1.4
# Text size as a share of the width: 13.5 px when the map is drawn 358 px wide on a phone (390 less
# the page margins), 24 px at its widest on a desktop (40rem, app.css).
FONT = 0.038
CHAR_WIDTH = 0.6  # of the font size, a generous average for a sans-serif (labels must not collide)
MAX_RANKS_SHOWN = 5
MIN_RING_AREA = 3.0  # square view units: rings smaller than this are not drawn

# Colours: grey land, amber need comuna, blue search radius, navy markers with white numbers
# (contrast 11:1), violet group lines; names in near-black on a white halo.
LAND_FILL, LAND_STROKE = "#e5e7eb", "#8b95a3"
NEED_FILL, NEED_STROKE = "#fcd34d", "#92400e"
RADIUS_COLOUR = "#1d4ed8"
MARKER_FILL, MARKER_TEXT = "#1e3a8a", "#ffffff"
GROUP_COLOUR = "#6d28d9"
# Group lines differ by dash as well as colour, so they stay apart for anyone (and in print).
GROUP_STYLES = (("#6d28d9", ""), ("#0f766e", "10 6"), ("#b45309", "3 5"), ("#be185d", "14 5 3 5"),
                ("#334155", "6 3"))
LABEL_COLOUR = "#111827"
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Liberation Sans', 'DejaVu Sans', sans-serif"


@dataclass(frozen=True)
class _View:
    """Equirectangular projection around (lon0, lat0), scaled so the view box is ``width`` wide."""

    lon0: float
    lat0: float
    x0: float  # km east of the need where the view starts
    y0: float  # km south of the need where the view starts (y grows southwards, as in SVG)
    scale: float  # view units per km
    width: int
    height: int

    @property
    def km_per_lon(self) -> float:
        return KM_PER_DEGREE * math.cos(math.radians(self.lat0))

    def xy(self, lon, lat):
        """View coordinates of lon/lat (scalars or arrays)."""
        return (
            ((np.asarray(lon) - self.lon0) * self.km_per_lon - self.x0) * self.scale,
            ((self.lat0 - np.asarray(lat)) * KM_PER_DEGREE - self.y0) * self.scale,
        )

    def bbox(self, pad: float = 0.0) -> tuple[float, float, float, float]:
        """The view as (min_lon, min_lat, max_lon, max_lat), grown by ``pad`` of its size."""
        w_km, h_km = self.width / self.scale, self.height / self.scale
        x0, x1 = self.x0 - pad * w_km, self.x0 + (1 + pad) * w_km
        y0, y1 = self.y0 - pad * h_km, self.y0 + (1 + pad) * h_km
        return (
            self.lon0 + x0 / self.km_per_lon, self.lat0 - y1 / KM_PER_DEGREE,
            self.lon0 + x1 / self.km_per_lon, self.lat0 - y0 / KM_PER_DEGREE,
        )


def need_map_svg(
    shapes: ComunaShapes,
    need_cut: str,
    radius_km: float,
    candidates: Iterable[tuple[str, int]] = (),
    groups: Iterable[Sequence[str]] | None = None,
    width: int = DEFAULT_WIDTH,
    id_prefix: str = "mapa",
    noun: tuple[str, str] = ("candidato", "candidatos"),
    fit_radius: bool = True,
) -> Markup:
    """An SVG map of a need: its comuna, search radius, candidates by rank and group links.

    ``candidates`` are ``(comuna CUT, rank)`` pairs; candidates sharing a comuna share one marker
    listing their ranks. ``groups`` are lists of comuna CUTs joined by a line, in order. ``width``
    is the view box's width in user units (the SVG itself is drawn 100% wide); ``id_prefix`` keeps
    the title and description ids unique when a page shows more than one map. ``noun`` names what
    the markers' numbers count, singular and plural (the group offers' map numbers groups).
    ``fit_radius=False`` frames the marked comunas rather than the whole search radius (groups
    gather near the buyer; the radius would leave their lines a few pixels long).
    """
    candidates = list(candidates)
    groups = [list(g) for g in groups or ()]
    for cut in (need_cut, *(c for c, _ in candidates), *(c for g in groups for c in g)):
        if cut not in shapes:
            raise ValueError(f"unknown comuna CUT {cut!r}")
    need = shapes[need_cut]
    ranks: dict[str, list[int]] = {}
    for cut, rank in sorted(set(candidates), key=lambda c: c[1]):
        ranks.setdefault(cut, []).append(rank)
    shown = dict.fromkeys([*ranks, *(c for g in groups for c in g)])
    view = _fit_view(need, radius_km if fit_radius else 0.0, [shapes[c] for c in shown], width)
    font = FONT * width

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="need-map" viewBox="0 0 {view.width} {view.height}" '
        f'width="100%" role="img" aria-labelledby="{id_prefix}-title" aria-describedby="{id_prefix}-desc" '
        f'font-family="{escape(FONT_FAMILY)}" font-size="{_n(font)}">',
        f'<title id="{id_prefix}-title">{escape(_title(need, radius_km, ranks, noun))}</title>',
        f'<desc id="{id_prefix}-desc">{escape(_description(shapes, ranks, groups, noun))}</desc>',
    ]

    paths = [(s.cut, _path(s.geometry, view)) for s in shapes.in_bbox(*view.bbox(pad=0.02))]
    parts.append(
        f'<g class="map-comunas" fill="{LAND_FILL}" stroke="{LAND_STROKE}" stroke-width="1" '
        'vector-effect="non-scaling-stroke" fill-rule="evenodd">'
    )
    parts += [f'<path data-cut="{cut}" d="{d}"/>' for cut, d in paths if d and cut != need.cut]
    parts.append("</g>")
    parts.append(
        f'<path class="map-need-comuna" data-cut="{need.cut}" fill="{NEED_FILL}" stroke="{NEED_STROKE}" '
        f'stroke-width="2" vector-effect="non-scaling-stroke" fill-rule="evenodd" d="{_path(need.geometry, view)}"/>'
    )

    cx, cy = view.xy(need.lon, need.lat)
    parts.append(
        f'<circle class="map-radius" cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(radius_km * view.scale)}" '
        f'fill="{RADIUS_COLOUR}" fill-opacity="0.06" stroke="{RADIUS_COLOUR}" stroke-width="2" '
        'stroke-dasharray="8 5" vector-effect="non-scaling-stroke"/>'
    )
    parts.append(f'<circle class="map-centre" cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(font * 0.2)}" fill="{NEED_STROKE}"/>')

    for i, group in enumerate(groups):
        stops = [view.xy(shapes[c].lon, shapes[c].lat) for c in dict.fromkeys(group)]
        if len(stops) > 1:
            colour, dashes = GROUP_STYLES[i % len(GROUP_STYLES)]
            dash = f' stroke-dasharray="{dashes}"' if dashes else ""
            d = "M" + " L".join(f"{_n(x)} {_n(y)}" for x, y in stops)
            parts.append(
                f'<path class="map-group" data-group="{i + 1}" d="{d}" fill="none" stroke="{colour}"{dash} '
                'stroke-width="3" stroke-linecap="round" stroke-linejoin="round" vector-effect="non-scaling-stroke"/>'
            )

    # Markers (moved off each other when they would overlap), then names placed where they
    # overlap no marker and no other name.
    h = font * 1.45
    texts = {cut: _ranks_text(rs) for cut, rs in ranks.items()}
    halves = {cut: (max(h, len(t) * CHAR_WIDTH * font + font * 0.8) / 2, h / 2) for cut, t in texts.items()}
    points = {cut: _point(view, shapes[cut]) for cut in ranks}
    at = _spread(points, halves, view)
    leaders = [
        f'<path d="M{_n(points[c][0])} {_n(points[c][1])}L{_n(at[c][0])} {_n(at[c][1])}"/>'
        for c in ranks if at[c] != points[c]
    ]
    if leaders:
        parts.append(f'<g class="map-leaders" stroke="{MARKER_FILL}" stroke-width="1.5" '
                     'vector-effect="non-scaling-stroke">')
        parts += leaders
        parts += [f'<circle cx="{_n(points[c][0])}" cy="{_n(points[c][1])}" r="{_n(font * 0.15)}" '
                  f'fill="{MARKER_FILL}"/>' for c in ranks if at[c] != points[c]]
        parts.append("</g>")
    for cut, rs in ranks.items():
        (x, y), (hw, hh) = at[cut], halves[cut]
        parts.append(
            f'<g class="map-candidate" data-cut="{cut}"><title>{escape(shapes[cut].name)}: '
            f'{noun[0] if len(rs) == 1 else noun[1]} {", ".join(map(str, rs))}</title>'
            f'<rect x="{_n(x - hw)}" y="{_n(y - hh)}" width="{_n(2 * hw)}" height="{_n(2 * hh)}" rx="{_n(hh)}" '
            f'fill="{MARKER_FILL}" stroke="{MARKER_TEXT}" stroke-width="1.5" vector-effect="non-scaling-stroke"/>'
            f'<text class="map-rank" x="{_n(x)}" y="{_n(y + font * 0.35)}" text-anchor="middle" '
            f'fill="{MARKER_TEXT}" font-weight="700">{escape(texts[cut])}</text></g>'
        )

    if need.cut not in ranks:
        at[need.cut], halves[need.cut] = _point(view, need), (font * 0.4, font * 0.4)
    taken = [_box(*at[c], *halves[c]) for c in at]
    labels = []
    for shape in [need, *(shapes[c] for c in ranks if c != need.cut)]:
        label = _place_label(shape.name, *at[shape.cut], *halves[shape.cut], font, shape is need, taken, view)
        if label:
            labels.append(label)
    parts.append(
        f'<g class="map-labels" fill="{LABEL_COLOUR}" stroke="#ffffff" stroke-width="{_n(font * 0.22)}" '
        'stroke-linejoin="round" paint-order="stroke">'
    )
    parts += labels
    parts.append("</g></svg>")
    return Markup("".join(parts))


def _fit_view(need: ComunaShape, radius_km: float, candidates: list[ComunaShape], width: int) -> _View:
    """The view box around the search radius and every candidate's comuna, with a margin."""
    km_per_lon = KM_PER_DEGREE * math.cos(math.radians(need.lat))
    half = max(radius_km, MIN_HALF_SPAN_KM)
    xs = [-half, half] + [(c.lon - need.lon) * km_per_lon for c in candidates]
    ys = [-half, half] + [(need.lat - c.lat) * KM_PER_DEGREE for c in candidates]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    pad = MARGIN * max(x1 - x0, y1 - y0)
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    w_km, h_km = x1 - x0, y1 - y0
    if h_km > MAX_ASPECT * w_km:
        grow = h_km / MAX_ASPECT - w_km
        x0, w_km = x0 - grow / 2, w_km + grow
    elif h_km < MIN_ASPECT * w_km:
        grow = MIN_ASPECT * w_km - h_km
        y0, h_km = y0 - grow / 2, h_km + grow
    scale = width / w_km
    return _View(need.lon, need.lat, x0, y0, scale, width, round(h_km * scale))


def _path(geometry, view: _View) -> str:
    """Path data for a (Multi)Polygon clipped to the view: integer units, relative moves, rings
    too small to see left out; simplified again when a view unit is coarser than the shapes."""
    geometry = shapely.clip_by_rect(geometry, *view.bbox(pad=0.02))
    tolerance = 0.75 / view.scale / KM_PER_DEGREE  # three quarters of a view unit, in degrees
    if tolerance > SIMPLIFY_TOLERANCE_DEG:
        geometry = shapely.simplify(geometry, tolerance, preserve_topology=False)
    out = []
    for polygon in shapely.get_parts(geometry):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        outer = _ring(polygon.exterior.coords, view)
        if not outer:
            continue
        out.append(outer)
        out += filter(None, (_ring(hole.coords, view) for hole in polygon.interiors))
    return "".join(out)


def _ring(coords, view: _View) -> str:
    xy = np.asarray(coords)
    x, y = view.xy(xy[:, 0], xy[:, 1])
    pts = np.rint(np.column_stack([x, y])).astype(int)
    keep = np.ones(len(pts), bool)
    keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
    pts = pts[keep]
    if len(pts) > 1 and (pts[0] == pts[-1]).all():
        pts = pts[:-1]
    if len(pts) < 3:
        return ""
    area = 0.5 * abs(np.dot(pts[:, 0], np.roll(pts[:, 1], 1)) - np.dot(pts[:, 1], np.roll(pts[:, 0], 1)))
    if area < MIN_RING_AREA:
        return ""
    steps = np.diff(pts, axis=0).ravel()
    text = f"M{pts[0, 0]} {pts[0, 1]}l" + " ".join(map(str, steps.tolist())) + "z"
    return text.replace(" -", "-")


def _point(view: _View, shape: ComunaShape) -> tuple[float, float]:
    x, y = view.xy(shape.lon, shape.lat)
    return float(x), float(y)


Point = tuple[float, float]


def _spread(points: dict[str, Point], halves: dict[str, Point], view: _View) -> dict[str, Point]:
    """Marker centres: each at its comuna's centroid (moved inside the view when a long marker near
    the edge would be cut), or, when that would cover a marker placed before it (a better rank), at
    the nearest free spot within a few marker heights."""
    placed: dict[str, Point] = {}
    boxes: list[tuple[float, float, float, float]] = []
    for cut, (x, y) in points.items():
        hw, hh = halves[cut]
        x = min(max(x, hw), view.width - hw)
        y = min(max(y, hh), view.height - hh)
        spot = (x, y)
        if any(_overlap(_box(x, y, hw, hh), b) for b in boxes):
            tries = (
                (x + dx * step * hw * 2, y + dy * step * hh * 2)
                for step in (1.1, 1.6, 2.2, 3.0)
                for dx, dy in ((1, 0), (-1, 0), (0, -1), (0, 1), (0.7, -0.7), (-0.7, -0.7), (0.7, 0.7), (-0.7, 0.7))
            )
            spot = next(
                (
                    (tx, ty) for tx, ty in tries
                    if hw <= tx <= view.width - hw and hh <= ty <= view.height - hh
                    and not any(_overlap(_box(tx, ty, hw, hh), b) for b in boxes)
                ),
                (x, y),
            )
        placed[cut] = spot
        boxes.append(_box(*spot, hw, hh))
    return placed


def _place_label(name, x, y, half_w, half_h, font, bold, taken, view: _View) -> str:
    """A name beside its marker where it overlaps nothing taken and stays in view; else '' (the
    bold name of the need's comuna is never left out: it takes the first position in view)."""
    w = len(name) * CHAR_WIDTH * font * (1.08 if bold else 1.0)
    gap = font * 0.3
    above, below = y - half_h - gap - font * 0.5, y + half_h + gap + font * 0.5
    options = [  # (anchor, text x, box centre x, box centre y)
        ("start", x + half_w + gap, x + half_w + gap + w / 2, y),
        ("end", x - half_w - gap, x - half_w - gap - w / 2, y),
        ("middle", x, x, above),
        ("middle", x, x, below),
        ("start", x + half_w * 0.5, x + half_w * 0.5 + w / 2, above),
        ("end", x - half_w * 0.5, x - half_w * 0.5 - w / 2, above),
        ("start", x + half_w * 0.5, x + half_w * 0.5 + w / 2, below),
        ("end", x - half_w * 0.5, x - half_w * 0.5 - w / 2, below),
    ]
    fallback = None
    for anchor, tx, bx, by in options:
        box = _box(bx, by, w / 2, font * 0.6)
        if box[0] < 0 or box[1] < 0 or box[2] > view.width or box[3] > view.height:
            continue
        fallback = fallback or (anchor, tx, by, box)
        if not any(_overlap(box, other) for other in taken):
            break
    else:
        if not (bold and fallback):
            return ""
        anchor, tx, by, box = fallback
    taken.append(box)
    weight = ' font-weight="700"' if bold else ""
    return (
        f'<text x="{_n(tx)}" y="{_n(by + font * 0.35)}" text-anchor="{anchor}"{weight}>{escape(name)}</text>'
    )


def _title(need: ComunaShape, radius_km: float, ranks: dict[str, list[int]], noun: tuple[str, str]) -> str:
    n = len({r for rs in ranks.values() for r in rs})
    if not n:
        found = f"sin {noun[1]}"
    else:
        found = (f"{n} {noun[0] if n == 1 else noun[1]} en "
                 f"{len(ranks)} {'comuna' if len(ranks) == 1 else 'comunas'}")
    return f"Mapa: {need.name}, radio de {km_text(radius_km)}, {found}"


def _description(shapes: ComunaShapes, ranks: dict[str, list[int]], groups, noun: tuple[str, str]) -> str:
    sentences = [
        "La comuna de la necesidad aparece destacada y el radio de búsqueda como un círculo punteado."
    ]
    if ranks:
        listed = "; ".join(f"{shapes[c].name}: {', '.join(map(str, rs))}" for c, rs in ranks.items())
        sentences.append(f"{noun[1].capitalize()} por comuna, con su número en la lista: {listed}.")
    for i, group in enumerate(groups, start=1):
        names = ", ".join(shapes[c].name for c in dict.fromkeys(group))
        sentences.append(f"Grupo {i}, unido por una línea: {names}.")
    return " ".join(sentences)


def _ranks_text(ranks: list[int]) -> str:
    shown = ", ".join(map(str, ranks[:MAX_RANKS_SHOWN]))
    return shown if len(ranks) <= MAX_RANKS_SHOWN else f"{shown} +{len(ranks) - MAX_RANKS_SHOWN}"


def _box(cx: float, cy: float, half_w: float, half_h: float) -> tuple[float, float, float, float]:
    return (cx - half_w, cy - half_h, cx + half_w, cy + half_h)


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _n(value) -> str:
    """A coordinate with one decimal at most: ``12``, ``12.5``."""
    text = f"{float(value):.1f}"
    return text[:-2] if text.endswith(".0") else text
