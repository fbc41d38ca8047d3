"""Write a computed report: recommendations.csv (also for Excel in Chile, and as .xlsx), the chart PNGs,
report.html and report.pdf.

The HTML is self-contained (CSS inline, charts as ``data:`` PNGs, no outside URL) and the PDF is
printed from that same HTML by WeasyPrint, whose URL fetcher here refuses anything but ``data:``.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from application.reports import charts
from application.reports.indicators import indicator_charts, indicator_rows
from matching.catalog import Catalog
from matching.explain import number
from matching.program import PROJECT_KIND_LABELS
from matching.reports import FEW_CANDIDATES, MAIN_REASONS, NeedResult
from matching.segments import SEGMENT_LABELS
from matching.spreadsheets import write_rows, xlsx_bytes

# Above this many needs the PDF lists each need in one line (its best candidate) and leaves the
# top-K with reasons to report.html and the CSV: WeasyPrint lays out 1,000 needs' details (some
# 200 pages) in minutes, and nobody prints them.
PDF_DETAIL_MAX_NEEDS = 100
CSV_NAME = "recommendations.csv"
# The same rows for a spreadsheet in Chile: semicolons and decimal commas (Excel in es-CL opens it as
# columns), and as a workbook with numbers as numbers.
CSV_ES_NAME = "recommendations_es-CL.csv"
XLSX_NAME = "recommendations.xlsx"
HTML_NAME = "report.html"
PDF_NAME = "report.pdf"
CSV_HEADER = (
    "id_necesidad", "rut_comprador", "comprador", "título", "región", "comuna", "lugar", "rut", "empresa",
    "puntaje", "tamaño", "cooperativa", "razones_principales",
)
_TEMPLATES = Path(__file__).resolve().parent / "templates"


def main_reasons(candidate: dict, limit: int = MAIN_REASONS) -> str:
    """The candidate's largest reasons, in one line."""
    return "; ".join(r["text"] for r in candidate["reasons"][:limit])


def csv_rows(needs: list[dict], results: dict[str, NeedResult], catalog: Catalog) -> list[list[str]]:
    """One row per need and candidate, need by need in id order; a need without candidates gets one row."""
    rows = []
    for need in needs:
        result = results[need["id"]]
        head = [need["id"], need["buyer_rut"], need.get("buyer_name") or "", need.get("title") or "",
                catalog.regions.get(need.get("region_cut") or "", ""), need.get("comuna") or ""]
        firms = {f["rut"]: f for f in result.top_firms}
        if not result.response["candidates"]:
            rows.append(head + ["", "", "", "", "", "", result.response.get("message") or ""])
        for cand in result.response["candidates"]:
            firm = firms.get(cand["rut"], {})
            rows.append(head + [
                str(cand["rank"]), cand["rut"], cand["name"], f"{cand['score']:.4f}",
                firm.get("size_segment") or "", "sí" if firm.get("cooperative") else "no", main_reasons(cand),
            ])
    return rows


# Columns of CSV_HEADER that hold numbers: the rank and the score.
_RANK, _SCORE = CSV_HEADER.index("lugar"), CSV_HEADER.index("puntaje")


def write_csv(path: Path, rows: list[list[str]]) -> None:
    # UTF-8 with a byte-order mark: spreadsheet programs then read the accents right.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        write_rows(fh, CSV_HEADER, rows)  # formula-safe: buyers write need titles


def write_csv_es(path: Path, rows: list[list[str]]) -> None:
    """The CSV as Excel in Chile reads it: semicolons, decimal commas, UTF-8 with BOM."""
    local = [[c.replace(".", ",") if i == _SCORE else c for i, c in enumerate(row)] for row in rows]
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        write_rows(fh, CSV_HEADER, local, delimiter=";")


def write_xlsx(path: Path, rows: list[list[str]], as_of: float) -> None:
    """The CSV's rows as a workbook: rank and score as numbers, text always text."""
    typed = [[(int(c) if i == _RANK else float(c)) if i in (_RANK, _SCORE) and c else c for i, c in enumerate(row)]
             for row in rows]
    path.write_bytes(xlsx_bytes(CSV_HEADER, typed, title="Recomendaciones", created=datetime.fromtimestamp(as_of, UTC)))


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def scope_text(data, catalog: Catalog) -> list[str]:
    """The filters, as a person reads them."""
    scope = data.scope
    parts = []
    if scope.region:
        parts.append(f"Región: {catalog.regions.get(scope.region, scope.region)}")
    if scope.center:
        center = next((n.get("center") for n in data.needs if n.get("center_id") == scope.center), None)
        parts.append(f"Centro: {center or scope.center}")
    if scope.project_type:
        parts.append(f"Tipo de proyecto: {PROJECT_KIND_LABELS[scope.project_type]}")
    if scope.buyer:
        buyer = next((n.get("buyer_name") for n in data.needs), None)
        parts.append(f"Comprador: {buyer + ' · ' if buyer else ''}RUT {scope.buyer}")
    return parts or ["Todas las necesidades abiertas"]


def make_charts(data, catalog: Catalog) -> dict[str, bytes]:
    """File name -> PNG bytes, in the order the report shows them."""
    summary = data.summary
    shares = summary["shares"]
    out = dict(indicator_charts(data.indicators))
    out["participacion.png"] = charts.shares_chart(
        shares["recommended"].shares(), shares["considered"].shares(), shares["recommended"].n,
        shares["considered"].n)
    out["brechas_region.png"] = charts.gaps_chart(
        summary["supply_gaps"]["by_region"], "Brechas de oferta por región", "Región de la necesidad")
    out["brechas_rubro.png"] = charts.gaps_chart(
        summary["supply_gaps"]["by_sector"], "Brechas de oferta por rubro (división CIIU)", "Rubro")
    out["brechas_certificacion.png"] = charts.certification_chart(summary["certification_gaps"], data.scope.top)
    return out


def render_html(data, catalog: Catalog, pngs: dict[str, bytes], condensed: bool = False) -> str:
    """The report page; ``condensed`` (for the PDF of a large scope) gives each need one line."""
    env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda v, d=0: "—" if v is None else number(v, d)
    env.filters["pct"] = charts.percent
    env.filters["segment"] = lambda s: SEGMENT_LABELS.get(s or "", s or "—")
    summary = data.summary
    return env.get_template("report.html.j2").render(
        title="Informe de recomendaciones de proveedores locales",
        as_of=datetime.fromtimestamp(data.as_of, UTC).strftime("%Y-%m-%d %H:%M UTC"),
        scope=scope_text(data, catalog),
        top=data.scope.top,
        few=FEW_CANDIDATES,
        model_version=data.model_version,
        indicators=indicator_rows(data.indicators),
        charts={name: _data_uri(png) for name, png in pngs.items()},
        summary=summary,
        recommended=summary["shares"]["recommended"],
        considered=summary["shares"]["considered"],
        needs=data.needs,
        results=data.results,
        regions=catalog.regions,
        kinds=PROJECT_KIND_LABELS,
        main_reasons=main_reasons,
        condensed=condensed,
        detail_max=PDF_DETAIL_MAX_NEEDS,
    )


def _fetcher():
    """WeasyPrint's fetcher: the report embeds everything, so any non-``data:`` URL fails the PDF."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def write_pdf(path: Path, html: str) -> None:
    from weasyprint import HTML

    HTML(string=html, url_fetcher=_fetcher()).write_pdf(path)


def write_all(data, catalog: Catalog, out_dir: Path, stage: Callable[[str], None] | None = None) -> list[Path]:
    """Every file of the report in ``out_dir`` (created if needed); returns their paths."""
    say = stage or (lambda _msg: None)
    out_dir.mkdir(parents=True, exist_ok=True)
    say("Escribiendo recommendations.csv (y para Excel: punto y coma y .xlsx)")
    rows = csv_rows(data.needs, data.results, catalog)
    write_csv(out_dir / CSV_NAME, rows)
    write_csv_es(out_dir / CSV_ES_NAME, rows)
    write_xlsx(out_dir / XLSX_NAME, rows, data.as_of)
    say("Dibujando gráficos")
    pngs = make_charts(data, catalog)
    paths = [out_dir / CSV_NAME, out_dir / CSV_ES_NAME, out_dir / XLSX_NAME]
    for name, png in pngs.items():
        (out_dir / name).write_bytes(png)
        paths.append(out_dir / name)
    say("Componiendo report.html")
    html = render_html(data, catalog, pngs)
    (out_dir / HTML_NAME).write_text(html, encoding="utf-8")
    say("Imprimiendo report.pdf")
    condensed = len(data.needs) > PDF_DETAIL_MAX_NEEDS
    write_pdf(out_dir / PDF_NAME, render_html(data, catalog, pngs, condensed=True) if condensed else html)
    return [*paths, out_dir / HTML_NAME, out_dir / PDF_NAME]


def pdf_bytes(html: str) -> bytes:
    """The PDF of ``html`` in memory (tests and benchmarks)."""
    from weasyprint import HTML

    buf = io.BytesIO()
    HTML(string=html, url_fetcher=_fetcher()).write_pdf(buf)
    return buf.getvalue()
