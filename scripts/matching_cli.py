"""``encadena train``, ``encadena evaluate`` and ``encadena bench matching``: the ranker's jobs.

Output is for program staff, so it is in Spanish.
"""

from __future__ import annotations

from contextlib import contextmanager

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from matching.evaluation import NDCG_K, RECALL_K

_LABELS = {"learned": "modelo entrenado", "prior": "regla base (prior-v1)", "sector_only": "solo rubro, más cercano"}


def metrics_table(metrics: dict[str, dict], title: str) -> Table:
    """NDCG@10, MAP and recall@20 of each ranker, side by side."""
    table = Table(title=title, title_justify="left")
    table.add_column("ranking")
    for name in (f"NDCG@{NDCG_K}", "MAP", f"recall@{RECALL_K}"):
        table.add_column(name, justify="right")
    for key, label in _LABELS.items():
        row = metrics.get(key)
        if row is None:
            continue
        cells = [row.get(f"ndcg@{NDCG_K}"), row.get("map"), row.get(f"recall@{RECALL_K}")]
        table.add_row(label, *("—" if v is None else f"{v:.3f}" for v in cells))
    return table


@contextmanager
def need_progress(console: Console):
    """A progress bar over the needs whose history is being read; yields the callback."""
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("leyendo decisiones por necesidad", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


@click.command()
def train() -> None:
    """Entrena el ordenamiento con las decisiones de los compradores; lo promueve solo si supera al previo
    en decisiones posteriores."""
    from application.secrets import model_signing_key
    from application.settings import Settings
    from application.training import train_and_store
    from graph_schema.reference import fetch_catalog
    from matching.errors import Conflict
    from scripts.cli import open_driver

    console = Console()
    with open_driver() as driver:
        catalog = fetch_catalog(driver)
        try:
            with need_progress(console) as advance:
                report = train_and_store(driver, catalog, model_signing_key(Settings()), progress=advance)
        except Conflict as exc:
            raise click.ClickException(str(exc)) from exc
    console.print(metrics_table(
        report.metrics,
        f"Evaluación en decisiones posteriores al {report.cutoff[:10]} ({report.holdout_needs} necesidades reservadas)",
    ))
    verdict = "[green]promovido[/green]: lo usan todos los procesos en menos de 30 s" if report.promoted else \
        "[yellow]no promovido[/yellow]: no supera a la regla base, que sigue en uso"
    console.print(f"Modelo {report.ranker.version} guardado ({report.training_size} ejemplos, "
                  f"{report.decisions} decisiones): {verdict}.", soft_wrap=True)


@click.command()
@click.option("--holdout", default=0.25, show_default=True, type=click.FloatRange(0.05, 0.8),
              help="Fracción de las decisiones más recientes que se reserva para evaluar.")
def evaluate(holdout: float) -> None:
    """Muestra NDCG@10, MAP y recall@20 del modelo entrenado, del previo y de una referencia solo por rubro."""
    from application.training import evaluate_rankers
    from graph_schema.reference import fetch_catalog
    from matching.errors import Conflict
    from scripts.cli import open_driver

    console = Console()
    with open_driver() as driver:
        catalog = fetch_catalog(driver)
        try:
            with need_progress(console) as advance:
                metrics, info, served = evaluate_rankers(driver, catalog, holdout, progress=advance)
        except Conflict as exc:
            raise click.ClickException(str(exc)) from exc
    console.print(metrics_table(
        metrics, f"Decisiones posteriores al {info['cutoff'][:10]}: {info['holdout_needs']} necesidades reservadas; "
                 f"el modelo se entrena con las {info['train_decisions']} decisiones anteriores",
    ))
    console.print(f"Modelo en uso: {served}.", soft_wrap=True)


def register(main: click.Group) -> None:
    main.add_command(train)
    main.add_command(evaluate)
    from scripts.cli import bench_group

    bench = bench_group(main)

    from scripts.bench_group_supply import bench_groups
    from scripts.bench_matching import bench_matching

    bench.add_command(bench_matching, "matching")
    bench.add_command(bench_groups, "groups")
