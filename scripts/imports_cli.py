"""``encadena import firms FILE``, ``encadena dedupe`` and ``encadena bench dedupe|import``.

Import and dedupe output is for program staff, so it is in Spanish; benchmarks are for developers.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from matching.dedupe import DUPLICATE_THRESHOLD

_STAGES_ES = {
    "read": "Leyendo y validando filas",
    "write": "Escribiendo lotes",
    "dedupe": "Buscando posibles duplicados (bloques)",
    "compare": "Comparando nombres (bloques)",
    "record": "Registrando pares",
}


@contextmanager
def progress_bars(console: Console, labels: dict[str, str] = _STAGES_ES):
    """A rich progress display and an ``update(stage, done, total)`` callback for it."""
    tasks: dict[str, int] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as progress:
        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(labels.get(stage, stage), total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield update


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _summary(report: dict, console: Console) -> None:
    table = Table(title="Resultado de la importación" + (" (simulación: no se escribió nada)" if report["dry_run"]
                                                          else ""))
    table.add_column("Concepto")
    table.add_column("Cantidad", justify="right")
    f = report["file"]
    for label, value in (
        ("Filas leídas", f["rows"]),
        ("Empresas creadas", report["created"]),
        ("Empresas actualizadas", report["updated"]),
        ("Empresas sin cambios", report["unchanged"]),
        ("RUT repetidos fusionados en el archivo", report["merged_by_rut"]),
        ("Filas rechazadas", report["rejected_rows"]),
        ("Filas omitidas (RUT ya fusionado)", len(report["skipped"])),
        ("Posibles duplicados por revisar", report["possible_duplicates"]),
        ("Pares ya resueltos (no se reabren)", report["decided_pairs_not_reopened"]),
    ):
        table.add_row(label, f"{value:,}".replace(",", "."))
    console.print(table)
    console.print(f"Archivo: {f['format'].upper()}, codificación {f['encoding']}"
                  + (f", separador «{f['delimiter']}»" if f["delimiter"] else "")
                  + (f"; columnas ignoradas: {', '.join(f['ignored_columns'])}" if f["ignored_columns"] else "")
                  + f". Tiempo: {report['seconds']:.1f} s.")
    for err in report["rejected"][:50]:
        column = f" (columna «{err['column']}»)" if err.get("column") else ""
        console.print(f"  línea {err['line']}: {err['field']}{column}: {err['message']}", style="red")
    if report["rejected_rows"] > 50:
        console.print("  ... y más; use --report para ver todas las filas rechazadas.", style="red")
    for pair in report["possible_duplicates_detail"][:20]:
        a, b = pair["firms"]
        console.print(f"  posible duplicado {pair['id'] or '(nuevo)'} ({pair['score']:.0f}/100): "
                      f"{a['name']} ({a['rut']}) ≈ {b['name']} ({b['rut']})", style="yellow")


def _check_file(file: Path, out: Path, threshold: float) -> None:
    """``encadena dedupe --file``: possible duplicates among a file's own lines, written as CSV; no Neo4j."""
    from graph_schema.reference import package_catalog
    from matching.dedupe_file import PAIR_COLUMNS, duplicates_in_rows, read_file_rows
    from matching.errors import InvalidInput
    from matching.spreadsheets import write_rows

    console = Console(stderr=True)
    catalog = package_catalog()
    with progress_bars(console) as update:
        try:
            read = read_file_rows(file.read_bytes(), catalog,
                                  on_progress=lambda done, total: update("read", done, total))
        except InvalidInput as exc:
            raise click.ClickException(f"No se pudo leer {file.name}: {exc.detail}") from exc
        pairs = duplicates_in_rows(read.rows, threshold=threshold, catalog=catalog,
                                   on_progress=lambda done, total: update("dedupe", done, total))
    with out.open("w", encoding="utf-8", newline="") as fh:
        write_rows(fh, PAIR_COLUMNS, (pair.csv_row() for pair in pairs))  # names come from the file: formula-safe
    suspicious = sum(1 for p in pairs if p.cluster_size > 4)
    console.print(f"{len(read.rows):,} filas comparadas ({len(read.skipped):,} sin razón social, omitidas); "
                  f"{len(pairs):,} posibles duplicados sobre {threshold:g}/100"
                  + (f", {suspicious:,} de ellos en grupos grandes (revíselos con cuidado)" if suspicious else "")
                  + f". Escrito en {out}.")
    click.echo(json.dumps({"rows": len(read.rows), "skipped": len(read.skipped), "pairs": len(pairs),
                           "out": str(out)}))


def register(main: click.Group) -> None:
    @main.group("import")
    def import_group() -> None:
        """Importaciones masivas (CSV con comas o punto y coma, UTF-8 o Latin-1, planillas .xlsx o líneas JSON)."""

    @import_group.command("firms")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Validar y contar lo que cambiaría, sin escribir nada.")
    @click.option("--batch-size", type=click.IntRange(1, 50_000), default=None,
                  help="Empresas por transacción (por omisión 10000).")
    @click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
                  help="Escribir además el informe completo (cada fila rechazada y cada par) en JSON.")
    def import_firms(file: Path, dry_run: bool, batch_size: int | None, report_path: Path | None) -> None:
        """Importa empresas desde FILE: errores por fila, fusión por RUT y posibles duplicados para revisar."""
        from application import imports
        from application.duplicates import serving_pair_model
        from application.secrets import pair_model_signing_key
        from application.settings import Settings
        from graph_schema.reference import fetch_catalog
        from matching.imports import ImportFileError
        from scripts.cli import open_driver

        console = Console(stderr=True)
        with open_driver() as driver, progress_bars(console) as update:
            try:
                report = imports.import_file(
                    driver, fetch_catalog(driver), file.read_bytes(), now=_now(), source=f"import:{file.name}",
                    dry_run=dry_run, batch_size=batch_size or imports.DEFAULT_BATCH_SIZE, on_progress=update,
                    pair_model=serving_pair_model(driver, pair_model_signing_key(Settings())),
                )
            except ImportFileError as exc:
                raise click.ClickException(f"No se pudo leer {file.name}: {exc.detail}") from exc
        _summary(report.as_dict(), console)
        if report_path:
            report_path.write_text(json.dumps(report.as_dict(limit=None), ensure_ascii=False, indent=2) + "\n",
                                   encoding="utf-8")
            console.print(f"Reporte completo: {report_path}")
        click.echo(json.dumps({k: v for k, v in report.as_dict().items() if not isinstance(v, list)},
                              ensure_ascii=False))
        if report.created + report.updated + report.unchanged == 0 and report.rejected:
            raise SystemExit(1)

    @main.group("dedupe", invoke_without_command=True)
    @click.option("--threshold", type=click.FloatRange(0, 100), default=DUPLICATE_THRESHOLD, show_default=True,
                  help="Puntaje mínimo (0-100) para proponer un par.")
    @click.option("--dry-run", is_flag=True, help="Encontrar los pares sin registrarlos.")
    @click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="Revisar este archivo con el formato de importación (CSV o líneas JSON; RUT opcional) "
                       "contra sí mismo en vez de recorrer el grafo; no necesita la base de datos.")
    @click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
                  help="Con --file: escribir aquí los pares en CSV (left_line,right_line,score,left_name,right_name,"
                       "evidence).")
    @click.pass_context
    def dedupe(ctx: click.Context, threshold: float, dry_run: bool, file: Path | None, out: Path | None) -> None:
        """Busca posibles duplicados entre todas las empresas y registra los pares nuevos, o revisa un archivo
        (--file) antes de importarlo.

        `encadena dedupe train` aprende el modelo de pares de las decisiones de los asesores.
        """
        if ctx.invoked_subcommand is not None:
            return
        if file is not None:
            if out is None:
                raise click.UsageError("--file needs --out (the CSV of pairs to write).")
            _check_file(file, out, threshold)
            return
        from application.duplicates import scan, serving_pair_model
        from application.secrets import pair_model_signing_key
        from application.settings import Settings
        from graph_schema.reference import fetch_catalog
        from scripts.cli import open_driver

        console = Console(stderr=True)
        with open_driver() as driver, progress_bars(console) as update:
            model = serving_pair_model(driver, pair_model_signing_key(Settings()))
            result = scan(driver, threshold=threshold, now=_now(), dry_run=dry_run, on_progress=update, model=model,
                          adjacency=fetch_catalog(driver).adjacency)
        console.print(
            f"{result['firms']:,} empresas comparadas; {result['pairs']:,} pares sobre {threshold:g}/100: "
            f"{result['new']:,} nuevos, {result['open']:,} por revisar en total, "
            f"{result['decided']:,} ya resueltos (no se reabren)."
            + (" Simulación: no se registró nada." if dry_run else "")
        )
        click.echo(json.dumps({k: v for k, v in result.items() if k != "candidates"}))

    @dedupe.command("train")
    def dedupe_train() -> None:
        """Aprende el modelo de pares de las fusiones y «distintas» de los asesores; lo promueve solo si
        supera al previo."""
        from application.duplicates import train_pair_model
        from application.secrets import pair_model_signing_key
        from application.settings import Settings
        from graph_schema.reference import fetch_catalog
        from matching.errors import Conflict
        from scripts.cli import open_driver

        console = Console()
        with open_driver() as driver:
            try:
                report = train_pair_model(driver, fetch_catalog(driver), pair_model_signing_key(Settings()))
            except Conflict as exc:
                raise click.ClickException(str(exc)) from exc
        table = Table(title=f"Decisiones posteriores al {report.cutoff[:10]} ({report.holdout_decisions} reservadas; "
                            f"se entrenó con {report.train_decisions})", title_justify="left")
        table.add_column("modelo")
        for name in ("brier", "log_loss", "roc_auc", "accuracy"):
            table.add_column(name, justify="right")
        for key, label in (("learned", "aprendido de los asesores"), ("prior", "pesos documentados (prior)")):
            row = report.metrics[key]
            table.add_row(label, *("—" if row.get(m) is None else f"{row[m]:.3f}"
                                   for m in ("brier", "log_loss", "roc_auc", "accuracy")))
        console.print(table)
        verdict = "[green]promovido[/green]: las importaciones y revisiones lo usan desde ahora" if report.promoted \
            else "[yellow]no promovido[/yellow]: no supera a los pesos documentados, que siguen en uso"
        console.print(f"Modelo de pares {report.model.version}: {verdict}.", soft_wrap=True)

    from scripts.cli import bench_group

    bench = bench_group(main)

    from scripts import bench_dedupe

    bench.add_command(bench_dedupe.bench_dedupe, "dedupe")
    bench.add_command(bench_dedupe.bench_import, "import")
