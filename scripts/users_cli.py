"""``encadena users create|list|disable|enable|demo``: people's accounts for the pages (and ``encadena bench
pages``, their pages' server time).

Output is for program staff, so it is in Spanish. A password comes from standard input (its first
line) when input is piped, and is generated and printed once otherwise; it is never stored in clear.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

ROLE_CHOICES = ["admin", "advisor", "buyer"]


def register(main: click.Group) -> None:
    from scripts.bench_pages import bench_pages
    from scripts.cli import bench_group

    main.add_command(users)
    bench_group(main).add_command(bench_pages, "pages")


@click.group()
def users() -> None:
    """Cuentas de personas para las páginas web (/app/): admin, asesor (ligado a un Advisor) y comprador
    (ligado a un RUT)."""


def _fail_on_invalid(exc) -> click.ClickException:
    return click.ClickException("; ".join(f"{e.field}: {e.message}" for e in exc.errors))


@users.command("create")
@click.option("--email", required=True, help="Correo con que la persona inicia sesión.")
@click.option("--role", type=click.Choice(ROLE_CHOICES), required=True)
@click.option("--name", help="Nombre de la persona (por omisión, la parte del correo antes de la @).")
@click.option("--buyer", "buyer_rut", help="RUT del comprador de una cuenta de comprador.")
@click.option("--advisor", "advisor_id", help="Id del asesor (Advisor) de una cuenta de asesor.")
@click.option("--generate", is_flag=True, help="Generar la contraseña aunque la entrada estándar no sea una terminal.")
def users_create(email: str, role: str, name: str | None, buyer_rut: str | None, advisor_id: str | None,
                 generate: bool) -> None:
    """Crea una cuenta; la contraseña se lee de la entrada estándar o se genera y se muestra una sola vez."""
    from application.users import create_user, generate_password
    from matching.errors import Conflict, InvalidInput
    from scripts.cli import open_driver

    generated = generate or sys.stdin.isatty()
    password = generate_password() if generated else sys.stdin.readline().rstrip("\r\n")
    with open_driver() as driver:
        try:
            user = create_user(driver, email=email, name=name or email.split("@")[0], role=role, password=password,
                               buyer_rut=buyer_rut, advisor_id=advisor_id, created_by="cli")
        except InvalidInput as exc:
            raise _fail_on_invalid(exc) from exc
        except Conflict as exc:
            raise click.ClickException(str(exc)) from exc
    binding = f" del comprador {user['buyer_rut']}" if user.get("buyer_rut") else (
        f" del asesor {user['advisor_id']}" if user.get("advisor_id") else "")
    click.echo(f"Cuenta {user['id']} creada: {user['email']}, rol {role}{binding}.", err=True)
    if generated:
        click.echo("Contraseña (se muestra solo esta vez):", err=True)
        click.echo(password)


@users.command("list")
def users_list() -> None:
    """Lista las cuentas: correo, rol, vínculo, estado, creación y último ingreso (nunca contraseñas)."""
    from application.users import list_users
    from scripts.cli import open_driver

    with open_driver() as driver:
        found = list_users(driver)
    if not found:
        click.echo("No hay cuentas. Cree una con: encadena users create --email ... --role ...")
        return
    for user in found:
        binding = user.get("buyer_rut") or user.get("advisor_id") or "-"
        state = "deshabilitada" if user.get("disabled") else "activa"
        last = (user.get("last_sign_in_at") or "nunca")[:19]
        click.echo(f"{user['email']:<36} {user['role']:<8} {binding:<18} {state:<13} "
                   f"creada {user['created_at'][:19]}  último ingreso {last}  {user.get('name') or ''}")


@users.command("disable")
@click.argument("email")
def users_disable(email: str) -> None:
    """Desactiva una cuenta: no puede iniciar sesión y sus sesiones abiertas terminan en su próxima solicitud."""
    from application.users import disable_user
    from matching.errors import NotFound
    from scripts.cli import open_driver

    with open_driver() as driver:
        try:
            user = disable_user(driver, email)
        except NotFound as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Cuenta {user['email']} deshabilitada.")


@users.command("enable")
@click.argument("email")
def users_enable(email: str) -> None:
    """Vuelve a activar una cuenta desactivada."""
    from application.users import enable_user
    from matching.errors import NotFound
    from scripts.cli import open_driver

    with open_driver() as driver:
        try:
            user = enable_user(driver, email)
        except NotFound as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Cuenta {user['email']} habilitada.")


@users.command("demo")
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path), default=Path(".data/demo-users.env"),
              show_default=True, help="Dónde escribir los correos y contraseñas de las personas de demostración.")
def users_demo(path: Path) -> None:
    """Asegura que un admin, un asesor y un comprador de demostración puedan ingresar; escribe sus correos
    y contraseñas en un archivo."""
    from scripts.cli import open_driver
    from scripts.demo.keys import NoDemoData
    from scripts.demo.users import ensure_demo_users

    with open_driver() as driver:
        try:
            result = ensure_demo_users(driver, path)
        except NoDemoData as exc:
            raise click.ClickException(
                "No hay un comprador de demostración con necesidades abiertas: ejecute antes `encadena demo-data`."
            ) from exc
    parts = [f"{len(v)} {label}" for v, label in ((result.created, "creadas"), (result.reused, "reutilizadas"),
                                                   (result.reset, "con contraseña nueva")) if v]
    click.echo(f"Personas de demostración: {', '.join(parts)}; escritas en {path}.")
