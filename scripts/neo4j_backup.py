"""``encadena backup`` and ``encadena restore``: offline dumps of the local Neo4j with ``neo4j-admin``.

The Maven classpath of ``encadena neo4j`` holds Neo4j's admin tool (``org.neo4j.cli.AdminTool``), so
``neo4j-admin database dump|load`` run from the same artifacts as the server. Both need the database
offline: a running server is stopped first and started again afterwards. Each dump gets a
``.sha256`` beside it and ``restore`` refuses a file whose checksum does not match.

On Aura or a cluster there is no local store: Aura takes daily snapshots and exports on demand
(console or Aura API), and an Enterprise cluster uses ``neo4j-admin database backup`` online. See
docs/operations.md.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click

from application.settings import Settings
from scripts import neo4j_server as server


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _admin(inst: server.Instance, *args: str) -> None:
    env = {**os.environ, "NEO4J_HOME": str(inst.home), "NEO4J_CONF": str(inst.conf_dir)}
    done = subprocess.run([server._java(), *server.JVM_FLAGS, "-cp", server._classpath(inst), server.ADMIN_TOOL,
                           *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise server.Neo4jSetupError(f"neo4j-admin {' '.join(args[:2])} falló:\n{done.stdout}{done.stderr}")


class _Offline:
    """Stop the server for the block if it runs, and start it again after (even when the block fails)."""

    def __init__(self, inst: server.Instance, echo) -> None:
        self.inst, self.echo = inst, echo
        self.was_running = False

    def __enter__(self) -> _Offline:
        server.install(self.inst, self.echo)
        self.was_running = server.running_pid(self.inst) is not None
        if self.was_running:
            self.echo("Deteniendo Neo4j: el respaldo y la restauración necesitan la base detenida.")
            server.stop(self.inst, self.echo)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.was_running:
            server.start(self.inst, self.echo)


def dump(inst: server.Instance, out_dir: Path, echo=print) -> Path:
    """Dump the configured database into ``out_dir/<database>.dump`` (+ ``.sha256``); the dump's path."""
    database = inst.settings.neo4j_database
    out_dir.mkdir(parents=True, exist_ok=True)
    with _Offline(inst, echo):
        _admin(inst, "database", "dump", database, f"--to-path={out_dir}", "--overwrite-destination=true")
    path = out_dir / f"{database}.dump"
    (out_dir / f"{database}.dump.sha256").write_text(f"{_sha256(path)}  {path.name}\n")
    return path


def load(inst: server.Instance, dump_path: Path, echo=print) -> None:
    """Replace the configured database with ``dump_path`` (checked against its ``.sha256`` when present)."""
    database = inst.settings.neo4j_database
    checksum = dump_path.with_name(dump_path.name + ".sha256")
    if checksum.exists() and checksum.read_text().split()[0] != _sha256(dump_path):
        raise server.Neo4jSetupError(f"{dump_path} no coincide con {checksum.name}: el archivo está dañado.")
    with tempfile.TemporaryDirectory(prefix="encadena-restore-") as staging, _Offline(inst, echo):
        # neo4j-admin loads <database>.dump from a folder: stage the file under that name.
        source = Path(staging) / f"{database}.dump"
        shutil.copyfile(dump_path, source)
        _admin(inst, "database", "load", database, f"--from-path={staging}", "--overwrite-destination=true")


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Carpeta del respaldo (por omisión, ENCADENA_DATA_DIR/backups/<hora UTC>).")
def backup(out_dir: Path | None) -> None:
    """Respalda la base de datos Neo4j local (detiene y reinicia el servidor si corre); muestra el respaldo
    y su SHA-256."""
    settings = Settings()
    out_dir = out_dir or Path(settings.data_dir) / "backups" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        path = dump(server.Instance(settings), out_dir, echo=lambda m: click.echo(m, err=True))
    except server.Neo4jSetupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{path} ({path.stat().st_size:,} bytes, sha256 {_sha256(path)})")


@click.command()
@click.argument("dump_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirmar que se reemplaza la base de datos actual.")
def restore(dump_path: Path, yes: bool) -> None:
    """Reemplaza la base de datos Neo4j local con DUMP_PATH (un archivo hecho por `encadena backup`)."""
    if not yes:
        raise click.UsageError("restore replaces every node of the database: add --yes to confirm.")
    settings = Settings()
    try:
        load(server.Instance(settings), dump_path, echo=lambda m: click.echo(m, err=True))
    except server.Neo4jSetupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Base {settings.neo4j_database} restaurada desde {dump_path}. Reinicie la API y los workers: los "
               "marcadores que guardan nombran transacciones que la base restaurada nunca tuvo.")


def register(main: click.Group) -> None:
    main.add_command(backup)
    main.add_command(restore)
