"""Charts for the pages, drawn here as SVG: horizontal bars and one stacked bar, no chart library, no script.

Each chart is an ``<svg role="img">`` with a title and a description that say in words what it shows;
every bar carries its value as text, so nothing is told by colour alone. Sizes are in view-box units
``WIDTH`` across and the SVG scales to its column, text with it: at a phone's 358 px the 13-unit text
is about 12 px. Styling is by presentation attributes only (the pages' CSP forbids inline style).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 400
FONT = 13
ROW = 46  # a label line, then its bar
BAR = 18
BAR_FILL = "#1e3a8a"  # 10:1 on white; white text on it too
REFERENCE = "#b45309"  # the program's 2025 figure: a dashed amber tick
TEXT = "#111827"
MUTED = "#4b5563"
# Stacked parts: fills that differ in lightness as well as hue, each labelled in the legend with its value.
PART_FILLS = ("#1e3a8a", "#60a5fa", "#d1d5db", "#0f766e", "#b45309")
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Liberation Sans', 'DejaVu Sans', sans-serif"
BOLD_CHAR = 0.66  # the same for bold digits, spaces and brackets (a value's text)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as people read it ("1.462", "72,8 %")
    reference: float | None = None  # the program's figure on the same scale, drawn as a tick
    reference_text: str | None = None


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open(id_prefix: str, height: float, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {_n(height)}" role="img" '
        f'aria-labelledby="{id_prefix}-title {id_prefix}-desc" font-family="{escape(FONT_FAMILY)}" font-size="{FONT}">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(description)}</desc>',
    ]


def bar_chart(id_prefix: str, title: str, bars: Sequence[Bar], note: str = "") -> Markup:
    """Horizontal bars, one per row (its label above it), the value written just after the bar's end (room
    for the longest value is kept, so no text ever sits on a bar); where a row has the program's figure,
    a dashed tick marks it and the label names it."""
    top = max([b.value for b in bars] + [b.reference or 0 for b in bars] + [1e-9])
    room = WIDTH - max([len(b.text) for b in bars] + [1]) * FONT * BOLD_CHAR - 8
    words = "; ".join(f"{b.label}: {b.text}" + (f" (programa 2025: {b.reference_text})" if b.reference_text else "")
                      for b in bars)
    height = len(bars) * ROW + 6
    parts = _open(id_prefix, height, title, f"{words}. {note}".strip())
    for i, b in enumerate(bars):
        y = i * ROW
        width = room * b.value / top
        label = b.label + (f" · programa 2025: {b.reference_text}" if b.reference_text else "")
        parts.append(f'<text x="0" y="{_n(y + FONT)}" fill="{TEXT}">{escape(label)}</text>')
        parts.append(f'<rect x="0" y="{_n(y + FONT + 5)}" width="{_n(width)}" height="{BAR}" fill="{BAR_FILL}"/>')
        if b.reference is not None:
            rx = room * b.reference / top
            parts.append(f'<line x1="{_n(rx)}" x2="{_n(rx)}" y1="{_n(y + FONT + 1)}" y2="{_n(y + FONT + 9 + BAR)}" '
                         f'stroke="{REFERENCE}" stroke-width="3" stroke-dasharray="4 2"/>')
        # A white halo keeps the value readable where a reference tick passes behind it.
        parts.append(f'<text x="{_n(width + 5)}" y="{_n(y + FONT + 5 + BAR * 0.72)}" font-weight="700" '
                     f'fill="{TEXT}" stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(b.text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bar(id_prefix: str, title: str, parts_: Sequence[tuple[str, float, str]],
                reference: tuple[float, str] | None = None) -> Markup:
    """One bar split into parts (label, value, text), a legend row per part with its value; ``reference``
    (share of the whole, text) marks the program's figure for the first part with a dashed tick."""
    total = sum(v for _, v, _ in parts_) or 1.0
    legend_rows = len(parts_) + (1 if reference else 0)
    height = BAR + 10 + legend_rows * (FONT + 9) + 6  # room for the last line's descenders
    words = "; ".join(f"{label}: {text}" for label, _, text in parts_)
    if reference:
        words += f"; programa 2025: {reference[1]}"
    out = _open(id_prefix, height, title, words)
    x = 0.0
    for (label, value, _), fill in zip(parts_, PART_FILLS, strict=False):
        width = WIDTH * value / total
        out.append(f'<rect x="{_n(x)}" y="0" width="{_n(width)}" height="{BAR + 6}" fill="{fill}"><title>'
                   f'{escape(label)}</title></rect>')
        x += width
    if reference:
        rx = WIDTH * reference[0]
        out.append(f'<line x1="{_n(rx)}" x2="{_n(rx)}" y1="-2" y2="{BAR + 8}" stroke="{REFERENCE}" stroke-width="3" '
                   'stroke-dasharray="4 2"/>')
    y = BAR + 10
    for (label, _, text), fill in zip(parts_, PART_FILLS, strict=False):
        y += FONT + 9
        out.append(f'<rect x="0" y="{_n(y - FONT + 1)}" width="{FONT}" height="{FONT}" fill="{fill}" '
                   f'stroke="{MUTED}" stroke-width="0.5"/>')
        out.append(f'<text x="{FONT + 6}" y="{_n(y)}" fill="{TEXT}">{escape(label)}: {escape(text)}</text>')
    if reference:
        y += FONT + 9
        out.append(f'<line x1="{FONT / 2}" x2="{FONT / 2}" y1="{_n(y - FONT + 1)}" y2="{_n(y + 1)}" '
                   f'stroke="{REFERENCE}" stroke-width="3" stroke-dasharray="4 2"/>')
        out.append(f'<text x="{FONT + 6}" y="{_n(y)}" fill="{TEXT}">Programa 2025: {escape(reference[1])}</text>')
    out.append("</svg>")
    return Markup("".join(out))
