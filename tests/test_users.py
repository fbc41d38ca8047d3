"""People's accounts: Argon2id passwords, sign-in, bindings, disabling, and the ``encadena users`` commands."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from application.users import authenticate, create_user, disable_user, viewer_of
from graph_schema import users as repo
from matching.errors import Conflict, InvalidInput
from tests.pages import PASSWORD, unique_email


def test_an_account_signs_in_with_its_password_only(driver, keys):
    email = unique_email("Compradora")
    user = create_user(driver, email=email.upper(), name="Compradora", role="buyer", password=PASSWORD,
                       buyer_rut=keys["buyer_rut"])
    assert user["email"] == email.lower() and "password_hash" not in user
    signed = authenticate(driver, f"  {email.upper()} ", PASSWORD)
    assert signed is not None and signed["id"] == user["id"]
    assert authenticate(driver, email, PASSWORD + "x") is None
    assert authenticate(driver, unique_email("nadie"), PASSWORD) is None
    viewer = viewer_of(signed)
    assert (viewer.role, viewer.buyer_rut, viewer.id, viewer.name) == ("buyer", keys["buyer_rut"], user["id"],
                                                                       "Compradora")
    stored = repo.credentials(driver, email.lower())
    assert stored is not None and stored[1].startswith("$argon2id$")
    assert repo.get_user(driver, user["id"])["last_sign_in_at"]


def test_a_password_hashed_with_old_parameters_is_rehashed_at_sign_in(driver):
    email = unique_email("antigua")
    create_user(driver, email=email, name="Antigua", role="admin", password=PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    repo.set_password(driver, email, weak)
    assert authenticate(driver, email, PASSWORD) is not None
    now = repo.credentials(driver, email)[1]
    assert now != weak and not PasswordHasher().check_needs_rehash(now)


def test_a_disabled_account_cannot_sign_in(driver):
    email = unique_email("saliente")
    create_user(driver, email=email, name="Saliente", role="admin", password=PASSWORD)
    disable_user(driver, email)
    assert authenticate(driver, email, PASSWORD) is None


@pytest.mark.parametrize(
    ("role", "binding", "field"),
    [("buyer", {}, "buyer"), ("buyer", {"buyer_rut": "12.345.678-0"}, "buyer"),
     ("advisor", {}, "advisor"), ("advisor", {"advisor_id": "adv_no_existe"}, "advisor"),
     ("admin", {"buyer_rut": "76.123.456-0"}, "buyer"), ("owner", {}, "role")],
    ids=["buyer-without-rut", "buyer-bad-check-digit", "advisor-without-id", "advisor-unknown", "admin-with-rut",
         "unknown-role"],
)
def test_accounts_are_bound_as_their_role_requires(driver, role, binding, field):
    with pytest.raises(InvalidInput) as caught:
        create_user(driver, email=unique_email("x"), name="X", role=role, password=PASSWORD, **binding)
    assert field in {e.field for e in caught.value.errors}


@pytest.mark.parametrize(("email", "password", "field"),
                         [("sin-arroba", PASSWORD, "email"), (None, "corta", "password")])
def test_bad_addresses_and_short_passwords_are_refused(driver, email, password, field):
    with pytest.raises(InvalidInput) as caught:
        create_user(driver, email=email or unique_email("y"), name="Y", role="admin", password=password)
    assert [e.field for e in caught.value.errors] == [field]


def test_an_address_has_one_account(driver):
    email = unique_email("unica")
    create_user(driver, email=email, name="Única", role="admin", password=PASSWORD)
    with pytest.raises(Conflict):
        create_user(driver, email=email.upper(), name="Otra", role="admin", password=PASSWORD)


def test_users_command_line_creates_lists_and_disables(runner, driver, keys):
    email = unique_email("cli")
    created = runner.invoke("users", "create", "--email", email, "--role", "buyer", "--buyer", keys["buyer_rut"],
                            "--name", "Compras Minera", input=PASSWORD + "\n")
    assert created.exit_code == 0, created.output
    assert PASSWORD not in created.output and "creada" in created.output
    assert authenticate(driver, email, PASSWORD) is not None

    generated = runner.invoke("users", "create", "--email", unique_email("gen"), "--role", "admin", "--generate")
    assert generated.exit_code == 0
    password = generated.output.strip().splitlines()[-1]
    assert "se muestra solo esta vez" in generated.output and len(password) >= 20

    listed = runner.invoke("users", "list")
    line = next(row for row in listed.output.splitlines() if row.startswith(email))
    assert "buyer" in line and keys["buyer_rut"] in line and "activa" in line and "Compras Minera" in line
    assert "$argon2" not in listed.output

    assert runner.invoke("users", "disable", email).exit_code == 0
    assert authenticate(driver, email, PASSWORD) is None
    assert "deshabilitada" in next(r for r in runner.invoke("users", "list").output.splitlines() if r.startswith(email))
    missing = runner.invoke("users", "disable", unique_email("nadie"))
    assert missing.exit_code != 0 and "No existe una cuenta" in missing.output


def test_users_command_line_names_what_is_wrong(runner):
    result = runner.invoke("users", "create", "--email", unique_email("z"), "--role", "advisor", input=PASSWORD + "\n")
    assert result.exit_code != 0 and "asesor" in result.output
