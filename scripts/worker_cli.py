"""``encadena worker`` (runs jobs from the queue) and ``encadena jobs list|show`` (what they are doing).

Output is for program staff, so it is in Spanish; the worker's log lines are for operators (English).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import click

from application.jobs import KINDS, STATUSES


@click.command()
@click.option("--workers", type=click.IntRange(1, 32), default=1, show_default=True,
              help="Trabajos que este proceso ejecuta a la vez.")
@click.option("--worker-type", type=click.Choice(["process", "thread"]), default="process", show_default=True,
              help="process: cada trabajo en su propio proceso, reemplazado si muere; thread: todos en este proceso.")
@click.option("--pid-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Escribir aquí el id de este proceso (lo lee `make stop`).")
def worker(workers: int, worker_type: str, pid_file: Path | None) -> None:
    """Ejecuta los trabajos de la cola (importaciones, entrenamiento, informes, búsqueda de duplicados)
    hasta que se lo detenga (Ctrl-C o SIGTERM).

    La cola es Redis si REDIS_URL está definida (procesos en cualquier número de máquinas) o, si no, un
    archivo SQLite en ENCADENA_DATA_DIR (procesos en esta máquina). Cada proceso también vuelve a encolar
    los trabajos cuyo proceso murió.
    """
    from application.job_queue import make_consumer
    from application.settings import Settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")
    settings = Settings()
    if pid_file:
        pid_file.parent.mkdir(parents=True, exist_ok=True)
        pid_file.write_text(str(os.getpid()))
    queue = "Redis" if settings.redis_url else f"SQLite en {Path(settings.data_dir) / 'jobs.sqlite'}"
    click.echo(f"Worker de Encadena: {workers} {'proceso(s)' if worker_type == 'process' else 'hilo(s)'}, "
               f"cola {queue}, Neo4j {settings.neo4j_uri}.", err=True)
    try:
        make_consumer(settings, workers, worker_type).run()
    finally:
        if pid_file and pid_file.exists() and pid_file.read_text().strip() == str(os.getpid()):
            pid_file.unlink()


@click.group()
def jobs() -> None:
    """Trabajos (importaciones, entrenamiento, informes, búsqueda de duplicados) y su estado."""


@jobs.command("list")
@click.option("--kind", type=click.Choice(KINDS))
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
def jobs_list(kind: str | None, status: str | None, limit: int) -> None:
    """Los últimos trabajos, el más nuevo primero: id, tipo, estado, avance, intentos, creación y error."""
    from graph_schema.jobs import list_jobs
    from scripts.cli import open_driver

    with open_driver() as driver:
        for job in list_jobs(driver, kind=kind, status=status, limit=limit):
            progress = f"{job.get('stage') or '-'} {job.get('done') or 0}/{job.get('total') or '?'}"
            click.echo(f"{job['id']}  {job['kind']:<7} {job['status']:<8} {progress:<22} "
                       f"intentos {job.get('attempts') or 0}/{job.get('max_attempts')}  {job['created_at'][:19]}  "
                       f"{job.get('error') or ''}")


@jobs.command("show")
@click.argument("job_id")
def jobs_show(job_id: str) -> None:
    """El registro completo de un trabajo en JSON (parámetros, avance, resultado, error)."""
    from graph_schema.jobs import get_job
    from scripts.cli import open_driver

    with open_driver() as driver:
        job = get_job(driver, job_id)
    if job is None:
        raise click.ClickException(f"No existe un trabajo con id {job_id}.")
    click.echo(json.dumps(job, ensure_ascii=False, indent=2))


def register(main: click.Group) -> None:
    main.add_command(worker)
    main.add_command(jobs)
