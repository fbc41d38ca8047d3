"""``encadena``: the command line for setting up, loading and operating Encadena.

Every command reads the same settings as the service (``application.settings.Settings``: ``NEO4J_URI``,
``NEO4J_USERNAME``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``...). Run ``encadena COMMAND --help`` for
each command's options.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

import click

from application.settings import Settings


@contextmanager
def open_driver():
    """A driver to the configured Neo4j, closed afterwards; exits with a clear message if down."""
    from neo4j.exceptions import AuthError, ServiceUnavailable

    from graph_schema.driver import graph_from_settings

    s = Settings()
    driver = graph_from_settings(s)
    try:
        try:
            driver.verify_connectivity()
        except ServiceUnavailable as exc:
            raise click.ClickException(
                f"Neo4j does not answer at {s.neo4j_uri}. Start it with `encadena neo4j start`. ({exc})"
            ) from exc
        except AuthError as exc:
            raise click.ClickException(
                f"Neo4j at {s.neo4j_uri} refused the credentials in NEO4J_USERNAME/NEO4J_PASSWORD."
            ) from exc
        yield driver
    finally:
        driver.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Encadena: une a grandes compradores con mipymes y cooperativas de su territorio (Neo4j + scikit-learn)."""


@main.group()
def bench() -> None:
    """Mediciones de rendimiento: cada cifra junto a una referencia medida en la misma corrida."""


def bench_group(root: click.Group) -> click.Group:
    """The ``bench`` group the command modules add their benchmarks to."""
    group = root.commands["bench"]
    assert isinstance(group, click.Group)
    return group


@main.command("config")
def config() -> None:
    """Muestra cada ajuste que Encadena lee del entorno, con su valor por omisión (una tabla Markdown)."""
    from application.settings import configuration_table

    click.echo(configuration_table())


# -- Neo4j --------------------------------------------------------------------------------------

@main.group()
def neo4j() -> None:
    """El servidor Neo4j Community 5.26 propio del proyecto (desde Maven Central).

    Qué instancia: ENCADENA_NEO4J_HOME (por omisión .data/neo4j), el puerto de NEO4J_URI y la
    memoria de NEO4J_HEAP y NEO4J_PAGECACHE (2g cada una por omisión).
    """


def _neo4j_action(action: str) -> None:
    from scripts import neo4j_server

    inst = neo4j_server.Instance(Settings())
    try:
        ok = getattr(neo4j_server, action)(inst, echo=click.echo)
    except neo4j_server.Neo4jSetupError as exc:
        raise click.ClickException(str(exc)) from exc
    if ok is False:
        sys.exit(3)


@neo4j.command("install")
def neo4j_install() -> None:
    """Descarga Neo4j con Maven, escribe su configuración y fija la contraseña inicial."""
    _neo4j_action("install")


@neo4j.command("start")
@click.option("--no-warm", is_flag=True, help="No cargar las empresas en la caché de páginas después de iniciar.")
def neo4j_start(no_warm: bool) -> None:
    """Inicia Neo4j en segundo plano, espera a que Bolt responda (lo instala antes si hace falta) y carga
    las empresas en su caché de páginas (para que las primeras consultas tras un reinicio no sean lentas)."""
    from scripts import neo4j_server

    inst = neo4j_server.Instance(Settings())
    was_running = neo4j_server.running_pid(inst) is not None
    _neo4j_action("start")
    if not no_warm and not was_running:
        _warm_page_cache()


@neo4j.command("warm")
def neo4j_warm() -> None:
    """Carga las empresas en la caché de páginas de Neo4j (lo que hace `neo4j start` al iniciar)."""
    _warm_page_cache()


def _warm_page_cache() -> None:
    from application.warmup import warm_page_cache

    click.echo("Calentando la caché de páginas de Neo4j (empresas, sus relaciones, necesidades y compradores)...")
    with open_driver() as driver:
        seconds = warm_page_cache(driver, echo=click.echo)
    click.echo(f"Caché de páginas lista en {seconds:.1f} s.")


@neo4j.command("stop")
def neo4j_stop() -> None:
    """Detiene Neo4j; los datos quedan para el próximo inicio."""
    _neo4j_action("stop")


@neo4j.command("status")
def neo4j_status() -> None:
    """Dice si Neo4j está corriendo, su versión y dónde está su registro (código de salida 3 si está detenido)."""
    _neo4j_action("status")


# -- schema and reference data --------------------------------------------------------------

@main.command()
def migrate() -> None:
    """Aplica las migraciones pendientes del esquema (restricciones, índices); se puede repetir sin riesgo."""
    from graph_schema.migrate import migrate as run

    with open_driver() as driver:
        run(driver, echo=click.echo)


@main.command("load-reference")
def load_reference() -> None:
    """Carga regiones, provincias, comunas (DPA 2023), CIIU Rev. 4 y certificaciones; se puede repetir."""
    from graph_schema.reference import load_reference as run

    with open_driver() as driver:
        run(driver, echo=click.echo)


# -- API keys -------------------------------------------------------------------------------

@main.group()
def keys() -> None:
    """Claves de la API (se guardan cifradas; una clave se muestra solo al crearla)."""


@keys.command("create")
@click.option("--role", type=click.Choice(["admin", "advisor", "buyer"]), required=True)
@click.option("--buyer", "buyer_rut", help="RUT del comprador al que queda ligada una clave de comprador.")
@click.option("--advisor", "advisor_id", help="Id del asesor en cuyo nombre actúa una clave de asesor (opcional).")
@click.option("--label", help="Una nota para reconocer la clave después.")
@click.option("--expires-in-days", type=click.IntRange(1, 3650), default=None,
              help="La clave deja de funcionar después de estos días (por omisión, nunca).")
def keys_create(role: str, buyer_rut: str | None, advisor_id: str | None, label: str | None,
                expires_in_days: int | None) -> None:
    """Crea una clave; la clave misma es la última línea de la salida estándar."""
    from datetime import UTC, datetime, timedelta

    from graph_schema.keys import create_key
    from matching.errors import InvalidInput
    from matching.rut import InvalidRut, canonical_rut

    try:
        rut = canonical_rut(buyer_rut) if buyer_rut else None
    except InvalidRut as exc:
        raise click.BadParameter(str(exc), param_hint="--buyer") from exc
    with open_driver() as driver:
        try:
            expires = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
            key_id, secret = create_key(driver, role, rut, advisor_id, label, expires_at=expires, created_by="cli")
        except InvalidInput as exc:
            raise click.ClickException(exc.detail) from exc
    click.echo(f"created {role} key {key_id}" + (f" for buyer {rut}" if rut else ""), err=True)
    click.echo(secret)


@keys.command("list")
def keys_list() -> None:
    """Lista las claves: id, rol, estado, comprador, creación, vencimiento, último uso y nota (nunca el secreto)."""
    from datetime import UTC, datetime

    from graph_schema.keys import list_keys

    now = datetime.now(UTC).isoformat()
    with open_driver() as driver:
        for key in list_keys(driver):
            expired = key.get("expires_at") and key["expires_at"] <= now
            state = "revoked" if key["revoked"] else "expired" if expired else "active"
            click.echo(f"{key['id']}  {key['role']:<8} {state:<8} {key.get('buyer_rut') or '-':<12} "
                       f"created {key['created_at'][:19]}  expires {(key.get('expires_at') or 'never')[:19]}  "
                       f"last used {(key.get('last_used_at') or 'never')[:19]}  {key.get('label') or ''}")


@keys.command("revoke")
@click.argument("key_id")
def keys_revoke(key_id: str) -> None:
    """Revoca una clave por su id: todo proceso la rechaza en API_KEY_CACHE_SECONDS (1 s por omisión)."""
    from graph_schema.keys import revoke_key
    from matching.errors import NotFound

    with open_driver() as driver:
        try:
            revoke_key(driver, key_id)
        except NotFound as exc:
            raise click.ClickException(f"No hay una llave con id {key_id}.") from exc
    click.echo(f"Llave {key_id} revocada.")


# The modules that add commands (each with ``register(main)``), listed rather than discovered, so a
# new file never adds or hides a command by accident.
COMMAND_MODULES = ("scripts.demo_cli", "scripts.imports_cli", "scripts.matching_cli", "scripts.report_cli",
                   "scripts.users_cli", "scripts.worker_cli", "scripts.neo4j_backup")


def _register_command_modules() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(main)


_register_command_modules()


if __name__ == "__main__":
    main()
