"""The report's charts (matplotlib, Agg, no pyplot state): Spanish labels, values written on the bars.

Each function returns PNG bytes; the same bytes are saved as files and embedded in the HTML, so
what a person sees in the page, the PDF and the PNG files is one picture. PNG metadata carries no
date or version, so equal data give equal files.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes  # noqa: E402  (after choosing the backend)
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from matching.explain import number  # noqa: E402

WIDTH_IN = 8.0
DPI = 150
GAP_COLORS = {"sin_candidatos": "#c0392b", "pocos": "#e67e22", "suficientes": "#95a5a6"}
GAP_LABELS = {"sin_candidatos": "Sin candidatos", "pocos": "Pocos candidatos (1 a 4)", "suficientes": "Suficientes"}
SERIES_COLORS = ("#1f6f8b", "#99c1b9")


def percent(share: float | None) -> str:
    """``0.725`` -> ``"72,5 %"`` (Spanish decimal comma); ``None`` -> ``"—"``."""
    return "—" if share is None else f"{number(100 * share, 1)} %"


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _figure(rows: int, per_row: float = 0.42, minimum: float = 2.6) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(WIDTH_IN, max(minimum, 1.3 + per_row * rows)))
    ax = fig.subplots()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _legend_below(ax) -> None:
    """The legend under the axis, never over a bar."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, fontsize=8, frameon=False)


def _shorten(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def shares_chart(recommended: dict, considered: dict, n_recommended: int, n_considered: int) -> bytes:
    """Micro, women-owned and cooperative firms: share among recommendations vs among all candidates."""
    labels = ["Microempresas", "Lideradas por mujeres", "Cooperativas"]
    keys = ["micro", "women", "cooperative"]
    fig, ax = _figure(3, per_row=0.9)
    height = 0.38
    series = ((f"Recomendadas (n = {number(n_recommended)})", recommended),
              (f"Todas las candidatas (n = {number(n_considered)})", considered))
    for offset, ((name, shares), color) in enumerate(zip(series, SERIES_COLORS, strict=True)):
        ys = [i + (offset - 0.5) * height for i in range(len(keys))]
        values = [100 * (shares[k] or 0.0) for k in keys]
        bars = ax.barh(ys, values, height=height, color=color, label=name)
        for bar, key in zip(bars, keys, strict=True):
            ax.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, percent(shares[key]),
                    va="center", fontsize=9)
    ax.set_yticks(range(len(keys)), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.set_xlabel("Porcentaje de pares necesidad–empresa")
    ax.set_title("Participación entre recomendadas y entre todas las candidatas", loc="left", fontsize=11)
    _legend_below(ax)
    return _png(fig)


def gaps_chart(rows: list[dict], title: str, axis_label: str, limit: int = 16) -> bytes:
    """Needs per group, stacked: without candidates, with few, with enough (``rows``: summarize's tables)."""
    rows = rows[:limit]
    fig, ax = _figure(len(rows))
    labels = [_shorten(r["label"]) for r in rows]
    left = [0.0] * len(rows)
    for level in ("sin_candidatos", "pocos", "suficientes"):
        values = [float(r[level]) for r in rows]
        bars = ax.barh(range(len(rows)), values, left=left, color=GAP_COLORS[level], label=GAP_LABELS[level])
        for bar, value in zip(bars, values, strict=True):
            if value and level != "suficientes":
                ax.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2, number(value),
                        ha="center", va="center", fontsize=8, color="white", fontweight="bold")
        left = [a + b for a, b in zip(left, values, strict=True)]
    for i, total in enumerate(left):
        ax.text(total + max(left + [1]) * 0.01, i, f"{number(total)} en total", va="center", fontsize=8,
                color="#555555")
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max(left + [1]) * 1.25)
    ax.set_xlabel("Necesidades abiertas")
    ax.set_ylabel(axis_label)
    ax.set_title(title, loc="left", fontsize=11)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _legend_below(ax)
    return _png(fig)


def certification_chart(rows: list[dict], top: int, limit: int = 14) -> bytes:
    """Needs whose top-K would change per certification, if in-progress holders got it."""
    rows = rows[:limit]
    fig, ax = _figure(max(len(rows), 1))
    labels = [_shorten(r["name"].split(" (")[0], 40) for r in rows]
    values = [r["needs_changed"] for r in rows]
    bars = ax.barh(range(len(rows)), values, color=SERIES_COLORS[0])
    for bar, row in zip(bars, rows, strict=True):
        ax.text(bar.get_width() + max(values + [1]) * 0.01, bar.get_y() + bar.get_height() / 2,
                f"{number(row['needs_changed'])} necesidades · {number(row['firms_entering'])} empresas entrarían",
                va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, max(values + [1]) * 1.6)
    ax.set_xlabel(f"Necesidades cuyo top {top} cambiaría")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Certificaciones en trámite que más cambiarían las recomendaciones", loc="left", fontsize=11)
    if not rows:
        ax.text(0.5, 0.5, "Ninguna candidata tiene certificaciones en trámite", transform=ax.transAxes,
                ha="center", va="center")
    return _png(fig)


def bars_chart(labels: list[str], values: list[float], title: str, axis_label: str,
               value_text: list[str] | None = None) -> bytes:
    """Plain horizontal bars with their values (program indicators by project type, for instance)."""
    fig, ax = _figure(max(len(labels), 1))
    bars = ax.barh(range(len(labels)), values, color=SERIES_COLORS[0])
    texts = value_text or [number(v) for v in values]
    for bar, text in zip(bars, texts, strict=True):
        ax.text(bar.get_width() + max(values + [1]) * 0.01, bar.get_y() + bar.get_height() / 2, text,
                va="center", fontsize=9)
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, max(values + [1]) * 1.25)
    ax.set_xlabel(axis_label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title, loc="left", fontsize=11)
    return _png(fig)
