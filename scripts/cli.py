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
    """Encadena: match large buyers with local mipymes and cooperatives (Neo4j + scikit-learn)."""


@main.group()
def bench() -> None:
    """Benchmarks: each figure beside a baseline measured in the same run."""


def bench_group(root: click.Group) -> click.Group:
    """The ``bench`` group the command modules add their benchmarks to."""
    group = root.commands["bench"]
    assert isinstance(group, click.Group)
    return group


@main.command("config")
def config() -> None:
    """Print every setting Encadena reads from the environment, with its default (a Markdown table)."""
    from application.settings import configuration_table

    click.echo(configuration_table())


# -- Neo4j --------------------------------------------------------------------------------------

@main.group()
def neo4j() -> None:
    """The project's own Neo4j Community 5.26 server (from Maven Central).

    Which instance: ENCADENA_NEO4J_HOME (default .data/neo4j), port from NEO4J_URI,
    memory from NEO4J_HEAP and NEO4J_PAGECACHE (default 2g each).
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
    """Fetch Neo4j with Maven, write the config and set the initial password."""
    _neo4j_action("install")


@neo4j.command("start")
@click.option("--no-warm", is_flag=True, help="Do not read the firm graph into the page cache after the start.")
def neo4j_start(no_warm: bool) -> None:
    """Start Neo4j in the background, wait until Bolt answers (installs first if needed), then warm its
    page cache with the firm graph (so the first requests after a restart are not the slow ones)."""
    from scripts import neo4j_server

    inst = neo4j_server.Instance(Settings())
    was_running = neo4j_server.running_pid(inst) is not None
    _neo4j_action("start")
    if not no_warm and not was_running:
        _warm_page_cache()


@neo4j.command("warm")
def neo4j_warm() -> None:
    """Read the firm graph into Neo4j's page cache (what `neo4j start` does after a start)."""
    _warm_page_cache()


def _warm_page_cache() -> None:
    from application.warmup import warm_page_cache

    click.echo("Calentando la caché de páginas de Neo4j (empresas, sus relaciones, necesidades y compradores)...")
    with open_driver() as driver:
        seconds = warm_page_cache(driver, echo=click.echo)
    click.echo(f"Caché de páginas lista en {seconds:.1f} s.")


@neo4j.command("stop")
def neo4j_stop() -> None:
    """Stop Neo4j; the data stays for the next start."""
    _neo4j_action("stop")


@neo4j.command("status")
def neo4j_status() -> None:
    """Say whether Neo4j runs, its version, and where its log is (exit code 3 when down)."""
    _neo4j_action("status")


# -- schema and reference data --------------------------------------------------------------

@main.command()
def migrate() -> None:
    """Apply pending schema migrations (constraints, indexes); safe to run again."""
    from graph_schema.migrate import migrate as run

    with open_driver() as driver:
        run(driver, echo=click.echo)


@main.command("load-reference")
def load_reference() -> None:
    """Load regions, provinces, comunas (DPA 2023), ISIC Rev. 4 and certifications; idempotent."""
    from graph_schema.reference import load_reference as run

    with open_driver() as driver:
        run(driver, echo=click.echo)


# -- API keys -------------------------------------------------------------------------------

@main.group()
def keys() -> None:
    """API keys (stored hashed; a key is shown only when created)."""


@keys.command("create")
@click.option("--role", type=click.Choice(["admin", "advisor", "buyer"]), required=True)
@click.option("--buyer", "buyer_rut", help="RUT of the buyer a buyer key is bound to.")
@click.option("--advisor", "advisor_id", help="Advisor id an advisor key acts as (optional).")
@click.option("--label", help="A note to recognise the key later.")
@click.option("--expires-in-days", type=click.IntRange(1, 3650), default=None,
              help="The key stops working after this many days (default: never).")
def keys_create(role: str, buyer_rut: str | None, advisor_id: str | None, label: str | None,
                expires_in_days: int | None) -> None:
    """Create a key; the key itself is the last line of stdout."""
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
    """List keys: id, role, state, buyer, created, expires, last used, label (never the secrets)."""
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
    """Revoke a key by id: every worker refuses it within API_KEY_CACHE_SECONDS (1 s by default)."""
    from graph_schema.keys import revoke_key
    from matching.errors import NotFound

    with open_driver() as driver:
        try:
            revoke_key(driver, key_id)
        except NotFound as exc:
            raise click.ClickException(f"No key with id {key_id}.") from exc
    click.echo(f"revoked {key_id}")


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
