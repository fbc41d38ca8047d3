"""``encadena report`` (batch recommendation reports) and ``encadena bench reports``.

Output is for program staff, so it is in Spanish. ``POST /api/v1/reports`` runs the same
``application.reports.build_report`` as a job.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from matching.program import PROJECT_KIND_LABELS
from matching.program import REPORT_DEFAULT_TOP as DEFAULT_TOP
from matching.program import REPORT_MAX_TOP as MAX_TOP

# Option names as staff type them, for error messages about a field of ReportParams.
OPTION_OF = {"region": "--region", "center": "--center", "project_type": "--project-type", "buyer": "--buyer",
             "top": "--top"}


def _now() -> str:
    return datetime.now(UTC).isoformat()


def parse_params(**values):
    """``ReportParams`` from the options, or a click error naming the option and why (Spanish)."""
    from pydantic import ValidationError

    from matching.messages import field_errors
    from matching.reports import ReportParams

    try:
        return ReportParams(**values)
    except ValidationError as exc:
        errors = field_errors(exc)
        raise click.UsageError("; ".join(f"{OPTION_OF.get(e.field, e.field)}: {e.message}" for e in errors)) from exc


@click.command()
@click.option("--region", help="Región de la necesidad: código CUT (06) o nombre (O'Higgins).")
@click.option("--center", help="Centro de Negocios que ejecuta el proyecto: id (ctr_...) o nombre.")
@click.option("--project-type", type=click.Choice(sorted(PROJECT_KIND_LABELS)), help="Tipo de proyecto.")
@click.option("--buyer", help="RUT del comprador.")
@click.option("--top", default=DEFAULT_TOP, show_default=True, type=int,
              help=f"Candidatos por necesidad (1 a {MAX_TOP}).")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Procesos en paralelo (por omisión, uno por núcleo disponible).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Carpeta donde escribir el informe.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]), default=None,
              help="Fecha de referencia (UTC) de los datos; por omisión, ahora. Fija el resultado para compararlo.")
def report(region, center, project_type, buyer, top, jobs, out_dir, as_of) -> None:
    """Informe de recomendaciones: mejores candidatos de cada necesidad abierta, brechas e indicadores.

    Escribe recommendations.csv, report.html, report.pdf y los gráficos en PNG en --out.
    """
    from application.reports.run import build_report, default_jobs
    from application.settings import Settings
    from matching.errors import InvalidInput
    from scripts.cli import open_driver

    params = parse_params(region=region, center=center, project_type=project_type, buyer=buyer, top=top)
    jobs = jobs or default_jobs()
    as_of_s = as_of.replace(tzinfo=UTC).timestamp() if as_of else None
    console = Console(stderr=True)
    with open_driver() as driver:
        started = time.perf_counter()
        try:
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=True) as bar:
                task = bar.add_task("Emparejando necesidades", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                def stage(text: str) -> None:
                    bar.update(task, description=text)

                paths = build_report(driver, Settings(), params, out_dir, jobs=jobs, as_of=as_of_s,
                                     progress=progress, stage=stage)
        except InvalidInput as exc:
            message = "; ".join(f"{OPTION_OF.get(e.field, e.field)}: {e.message}" for e in exc.errors)
            raise click.UsageError(message) from exc
    seconds = time.perf_counter() - started
    console.print(f"Informe listo en {seconds:.1f} s ({jobs} {'proceso' if jobs == 1 else 'procesos'}): "
                  f"{out_dir}")
    for path in paths:
        console.print(f"  {path.name}")


def register(main: click.Group) -> None:
    main.add_command(report)
    from scripts.cli import bench_group

    bench = bench_group(main)

    from scripts.bench_reports import bench_reports

    bench.add_command(bench_reports, "reports")

    from scripts.bench_load import bench_load

    bench.add_command(bench_load, "load")

    from scripts.bench_restart import bench_restart

    bench.add_command(bench_restart, "restart")
