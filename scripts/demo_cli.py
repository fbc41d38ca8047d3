"""``encadena demo-data``, ``encadena stats`` and ``encadena keys demo``.

The generation logic lives in ``scripts/demo/`` (pure), the indicators in
``graph_schema/indicators.py``; this module only wires them to the command line.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from matching.program import PROJECT_KIND_LABELS
from scripts.demo import calibration as cal

# A graph holds this run's demo data when it has as many demo firms and one of its first RUTs.
FINGERPRINT_RUTS = 5

TABLE_LABELS = {
    "centers": "Centros", "advisors": "Asesores", "buyers": "Compradores", "projects": "Proyectos",
    "firms": "Empresas", "memberships": "Socios de cooperativas",
    "needs": "Necesidades", "proposals": "Propuestas", "alliances": "Alianzas",
}


def register(main: click.Group) -> None:
    main.add_command(demo_data)
    main.add_command(stats)
    keys = main.commands.get("keys")
    if isinstance(keys, click.Group):
        keys.add_command(keys_demo)


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console)


def _n(value: float | None, decimals: int = 0) -> str:
    """Chilean number format: 91.000 and 9.300,5."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _pct(share: float | None) -> str:
    """48,1 %; a round reference figure prints without decimals (48 %)."""
    if share is None:
        return "—"
    return f"{_n(share * 100, 1).removesuffix(',0')} %"


# -- demo-data ------------------------------------------------------------------------------------

@click.command("demo-data")
@click.option("--firms", type=click.IntRange(cal.MIN_FIRMS, 2_000_000), default=cal.DEFAULT_FIRMS, show_default=True,
              help="Empresas a generar; todo lo demás escala con ellas.")
@click.option("--seed", type=int, default=1, show_default=True, help="La misma semilla y tamaño dan el mismo grafo.")
@click.option("--reset", is_flag=True,
              help="Borrar antes los datos de demostración anteriores (nunca los datos de referencia ni las claves).")
@click.option("--remove", is_flag=True, help="Solo borrar los datos de demostración y terminar.")
def demo_data(firms: int, seed: int, reset: bool, remove: bool) -> None:
    """Carga un conjunto de datos de demostración reproducible, calibrado con las cifras del programa."""
    from graph_schema.reference import fetch_catalog
    from scripts.cli import open_driver
    from scripts.demo.duplicates import review_history
    from scripts.demo.generator import FIRM_RUT_RANGE, firm_ruts, generate_chunks, rut_from_number
    from scripts.demo.writer import demo_counts, demo_firm_exists, reset_demo, write_demo

    console = Console()
    started = time.monotonic()
    with open_driver() as driver:
        catalog = fetch_catalog(driver)
        if not catalog.comunas or not catalog.sectors:
            raise click.ClickException("Faltan los datos de referencia: ejecute primero `encadena load-reference`.")
        existing = demo_counts(driver)
        if reset or remove:
            if any(existing.values()):
                with _progress(console) as bar:
                    task = bar.add_task("Borrando datos demo", total=sum(existing.values()))
                    removed = reset_demo(driver, lambda _label, n, _total: bar.advance(task, n))
                console.print(f"Se eliminaron {_n(removed)} nodos de demostración.")
            if remove:
                return
            existing = demo_counts(driver)
        elif existing["firms"] and (existing["firms"] > firms or not any(
                demo_firm_exists(driver, rut) for rut in firm_ruts(firms, seed)[:FINGERPRINT_RUTS])):
            raise click.ClickException(
                f"El grafo ya tiene datos de demostración de otra corrida ({_n(existing['firms'])} empresas). "
                "Use --reset para reemplazarlos."
            )
        fresh = not any(existing.values())
        with _progress(console) as bar:
            tasks = {name: bar.add_task(label, total=None) for name, label in TABLE_LABELS.items()}

            def advance(table: str, n: int, total: int) -> None:
                bar.update(tasks[table], total=total, advance=n)

            written = write_demo(driver, generate_chunks(catalog, firms=firms, seed=seed), fresh=fresh,
                                 progress=advance)
            review = bar.add_task("Revisión de duplicados", total=None)
            history = review_history(driver, catalog, seed, rut_from_number, FIRM_RUT_RANGE,
                                     progress=lambda done, total: bar.update(review, completed=done, total=total))
    console.print(
        f"Listo en {_n(time.monotonic() - started, 1)} s: {_n(written.get('firms', 0))} empresas, "
        f"{_n(written.get('buyers', 0))} compradores, {_n(written.get('projects', 0))} proyectos, "
        f"{_n(written.get('alliances', 0))} alianzas, {_n(written.get('needs', 0))} necesidades y "
        f"{_n(written.get('proposals', 0))} propuestas (semilla {seed})."
    )
    if not history["skipped"]:
        console.print(
            f"Revisión de duplicados: {_n(history['planted'])} empresas registradas dos veces, {_n(history['pairs'])} "
            f"pares encontrados; la asesora simulada fusionó {_n(history['merged'])}, marcó "
            f"{_n(history['distinct'])} como distintas y dejó {_n(history['open'])} por revisar."
        )


# -- stats ----------------------------------------------------------------------------------------

@click.command()
@click.option("--json", "as_json", is_flag=True, help="Escribir los indicadores y las cifras de referencia en JSON.")
@click.option("--demo-only", is_flag=True, help="Contar solo los nodos de los datos de demostración.")
def stats(as_json: bool, demo_only: bool) -> None:
    """Los indicadores del programa leídos del grafo, junto a las cifras publicadas del programa."""
    from graph_schema.indicators import program_indicators
    from scripts.cli import open_driver

    with open_driver() as driver:
        ind = program_indicators(driver, demo_only=demo_only)
    if as_json:
        click.echo(json.dumps({"indicators": ind, "reference": cal.PROGRAM_FIGURES}, ensure_ascii=False, indent=2))
        return
    Console().print(indicator_table(ind))


def indicator_table(ind: dict) -> Table:
    """The indicators as a Spanish table with DESIGN.md's reference beside each one."""
    ref = cal.PROGRAM_FIGURES
    firms, adv, props = ind["participating_firms"], ind["advisory"], ind["proposals"]
    table = Table(title="Indicadores del programa (grafo) frente a las cifras de referencia 2025 (DESIGN.md)")
    table.add_column("Indicador")
    table.add_column("En el grafo", justify="right")
    table.add_column("Referencia", justify="right")
    rows: list[tuple[str, str, str]] = [
        ("Proyectos de encadenamiento", _n(ind["projects"]["total"]), _n(ref["projects"])),
    ]
    kinds = ind["projects"]["by_kind"]
    for kind, label in PROJECT_KIND_LABELS.items():
        rows.append((f"  {label}", _n(kinds.get(kind, 0)), "la mayoría" if kind == "cadena_productiva_local" else ""))
    rows += [
        ("Alianzas estratégicas", _n(ind["alliances"]["total"]), f"≈ {_n(ref['alliances'])}"),
        ("  originadas en propuestas aceptadas", _n(ind["alliances"]["from_proposals"]), ""),
        ("Empresas participantes (en alianzas)", _n(firms["total"]), f"≈ {_n(ref['participating_firms'])}"),
        ("  % micro", _pct(firms["micro_share"]), f"más de {_pct(ref['micro_share_min'])}"),
        ("  % micro 1 entre las micro (0,01–200 UF)", _pct(firms["micro_1_share_of_micro"]),
         f"≈ {_pct(ref['micro_1_share_of_micro'])}"),
        ("  % mujeres (total)", _pct(firms["women_share"]), _pct(ref["women_share"])),
        ("  % mujeres (con género informado)", _pct(firms["women_share_known"]), _pct(ref["women_share_known"])),
        ("  % sin género informado", _pct(firms["unknown_gender_share"]), f"≈ {_pct(ref['unknown_gender_share'])}"),
        ("Sesiones de asesoría (red CDN)", _n(adv["sessions"]), f"≈ {_n(ref['sessions'])}"),
        ("  horas", _n(adv["hours"]), ""),
        ("Sesiones con clientes de proyectos", _n(adv["project_sessions"]), f"≈ {_n(ref['project_sessions'])}"),
        ("  horas", _n(adv["project_hours"]), f"más de {_n(ref['project_hours_min'])}"),
        ("Certificaciones vigentes", _n(ind["certifications"]["valid"]), ""),
        ("Certificaciones en trámite (Mejora Negocios)", _n(ind["certifications"]["in_progress"]), ""),
        ("Certificaciones vencidas", _n(ind["certifications"]["expired"]), ""),
        ("Necesidades abiertas", _n(ind["needs"]["open"]), ""),
        ("Propuestas decididas", _n(props["decided"]), "≥ 3.000 (demo)"),
        ("  tasa de aceptación", _pct(props["acceptance_rate"]), "30–45 % (demo)"),
        ("  propuestas pendientes", _n(props["pending"]), ""),
        ("Centros (CDN y CDN de Cooperativas)", f"{_n(ind['network']['centers'])} en "
         f"{_n(ind['network']['regions'])} regiones", "red CDN en 16 regiones + CDN de Cooperativas"),
        ("Asesores", _n(ind["network"]["advisors"]), ""),
        ("Compradores", _n(ind["network"]["buyers"]), ""),
        ("Empresas registradas", _n(ind["network"]["firms"]), ""),
        ("Cooperativas (empresas socias)",
         f"{_n(ind['network']['cooperatives'])} ({_n(ind['network']['cooperative_members'])})", ""),
    ]
    for row in rows:
        table.add_row(*row)
    return table


# -- keys demo ------------------------------------------------------------------------------------

@click.command("demo")
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path(".data/demo-keys.env"), show_default=True,
              help="Archivo de shell donde leer y escribir las claves.")
def keys_demo(path: Path) -> None:
    """Asegura claves de demostración de administrador, asesor y comprador y las escribe en un archivo para la shell."""
    from scripts.cli import open_driver
    from scripts.demo.keys import ENV_ORDER, NoDemoData, ensure_demo_keys

    with open_driver() as driver:
        try:
            result = ensure_demo_keys(driver, path)
        except NoDemoData as exc:
            raise click.ClickException(
                "No hay un comprador de demostración con necesidades abiertas: ejecute antes `encadena demo-data`."
            ) from exc
    parts = []
    if result.reused:
        parts.append(f"{len(result.reused)} reutilizadas")
    if result.created:
        parts.append(f"{len(result.created)} creadas")
    if result.revoked:
        parts.append(f"{len(result.revoked)} revocadas por no corresponder")
    click.echo(f"Llaves de demostración en {path}: {', '.join(parts)}.", err=True)
    for name in ENV_ORDER:
        click.echo(f"{name}={result.values[name]}")
